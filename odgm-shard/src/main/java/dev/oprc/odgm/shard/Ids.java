package dev.oprc.odgm.shard;

/**
 * The one place where object ids and entry keys are normalized and validated.
 *
 * <p>Object ids follow upstream: ASCII-lowercased, then {@code [a-z0-9._:-]+}, at most
 * {@code maxLength} (ODGM_MAX_STRING_ID_LEN, 160) characters.
 *
 * <p>Entry keys: ASCII-lowercased, not empty, at most {@code maxLength} characters, no control
 * characters. The same rule is applied on every write path (Set, Merge, SetValue, DeleteValue,
 * BatchSetValues), on reads, and to {@code data_trigger} keys when triggers are compiled, so a
 * trigger on {@code "Status"} fires for a write of {@code "status"} on every path. (Upstream
 * lowercased on some paths and not on others, so such a trigger fired for Set only.)
 *
 * <p>Immutable and thread-safe.
 */
public final class Ids {
  public static final int DEFAULT_MAX_LENGTH = 160;

  private final int maxLength;

  public Ids(int maxLength) {
    if (maxLength < 1) {
      throw new IllegalArgumentException("ODGM_MAX_STRING_ID_LEN must be >= 1, was " + maxLength);
    }
    this.maxLength = maxLength;
  }

  public int maxLength() {
    return maxLength;
  }

  /** The normalized object id. */
  public String objectId(String raw) {
    if (raw == null || raw.isEmpty()) {
      throw new InvalidIdException("object_id is required");
    }
    String id = lower(raw);
    if (id.length() > maxLength) {
      throw new InvalidIdException("object_id '" + abbreviate(raw) + "' is " + raw.length()
          + " characters; the maximum is " + maxLength);
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';
      if (!ok) {
        throw new InvalidIdException("object_id '" + abbreviate(raw) + "' contains '" + printable(c)
            + "' at index " + i + "; allowed: a-z 0-9 . _ : -");
      }
    }
    return id;
  }

  /** The normalized entry key. */
  public String entryKey(String raw) {
    if (raw == null || raw.isEmpty()) {
      throw new InvalidIdException("entry key is required and must not be empty");
    }
    if (raw.length() > maxLength) {
      throw new InvalidIdException("entry key '" + abbreviate(raw) + "' is " + raw.length()
          + " characters; the maximum is " + maxLength);
    }
    for (int i = 0; i < raw.length(); i++) {
      if (Character.isISOControl(raw.charAt(i))) {
        throw new InvalidIdException("entry key '" + abbreviate(raw) + "' contains control character U+"
            + String.format("%04X", (int) raw.charAt(i)) + " at index " + i);
      }
    }
    return lower(raw);
  }

  private static String lower(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        char[] out = s.toCharArray();
        for (int j = i; j < out.length; j++) {
          char d = out[j];
          if (d >= 'A' && d <= 'Z') {
            out[j] = (char) (d + ('a' - 'A'));
          }
        }
        return new String(out);
      }
    }
    return s; // already lowercase: no allocation
  }

  private static String printable(char c) {
    return Character.isISOControl(c) ? String.format("U+%04X", (int) c) : String.valueOf(c);
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 61) + "...";
  }
}
