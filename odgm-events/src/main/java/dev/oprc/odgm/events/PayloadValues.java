package dev.oprc.odgm.events;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.TriggerValues;
import java.util.Base64;
import java.util.Objects;

/**
 * The entry values one target's {@code TriggerPayload} carries (a target opts in with
 * {@code TriggerTarget.include_values}): the new value becomes {@code original_payload}, the old
 * one goes base64 (RFC 4648, padded) in {@code EventInfo.context["old_value"]}. A value longer
 * than the cap ({@code ODGM_EVENT_MAX_VALUE_BYTES}) is cut to it, and the payload says so:
 * {@code context["new_value_truncated"] = "true"} and {@code context["new_value_size"]} = the
 * uncut length in bytes (likewise {@code old_value_*}).
 *
 * @param newValue the new value as sent (cut), or null when not asked for or absent (a delete)
 * @param newSize its uncut length
 * @param oldValueBase64 the old value as sent (cut, base64), or null when not asked for or absent (a create)
 * @param oldSize its uncut length
 * @param newCut whether the new value was cut
 * @param oldCut whether the old value was cut
 */
@SuppressWarnings("ArrayRecordComponent") // the bytes go into one payload as they are; not copied, not modified
public record PayloadValues(byte[] newValue, int newSize, String oldValueBase64, int oldSize, boolean newCut,
    boolean oldCut) {
  public static final String OLD_VALUE = "old_value";
  public static final String OLD_VALUE_SIZE = "old_value_size";
  public static final String OLD_VALUE_TRUNCATED = "old_value_truncated";
  public static final String NEW_VALUE_SIZE = "new_value_size";
  public static final String NEW_VALUE_TRUNCATED = "new_value_truncated";

  /**
   * What {@code values} asks of {@code ctx}'s entry values, cut to {@code maxBytes}; null when it
   * asks for nothing.
   */
  public static PayloadValues of(EventContext ctx, TriggerValues values, int maxBytes) {
    Objects.requireNonNull(values, "values");
    boolean wantNew = values == TriggerValues.TRIGGER_VALUES_NEW || values == TriggerValues.TRIGGER_VALUES_BOTH;
    boolean wantOld = values == TriggerValues.TRIGGER_VALUES_OLD || values == TriggerValues.TRIGGER_VALUES_BOTH;
    if (!wantNew && !wantOld) {
      return null;
    }
    ByteString n = wantNew ? ctx.newValue() : null;
    ByteString o = wantOld ? ctx.oldValue() : null;
    boolean newCut = n != null && n.size() > maxBytes;
    boolean oldCut = o != null && o.size() > maxBytes;
    byte[] newBytes = n == null ? null : (newCut ? n.substring(0, maxBytes) : n).toByteArray();
    String oldB64 = o == null ? null
        : Base64.getEncoder().encodeToString((oldCut ? o.substring(0, maxBytes) : o).toByteArray());
    return new PayloadValues(newBytes, n == null ? 0 : n.size(), oldB64, o == null ? 0 : o.size(), newCut, oldCut);
  }

  /** How many values were cut (0, 1 or 2). */
  public int cuts() {
    return (newCut ? 1 : 0) + (oldCut ? 1 : 0);
  }

  /**
   * The context entries these values add, as key, value, key, value..., in key order (all sort
   * after {@code "error"}).
   */
  String[] contextEntries() {
    int n = (newCut ? 4 : 0) + (oldValueBase64 != null ? 2 : 0) + (oldCut ? 4 : 0);
    String[] out = new String[n];
    int i = 0;
    if (newCut) {
      out[i++] = NEW_VALUE_SIZE;
      out[i++] = Integer.toString(newSize);
      out[i++] = NEW_VALUE_TRUNCATED;
      out[i++] = "true";
    }
    if (oldValueBase64 != null) {
      out[i++] = OLD_VALUE;
      out[i++] = oldValueBase64;
    }
    if (oldCut) {
      out[i++] = OLD_VALUE_SIZE;
      out[i++] = Integer.toString(oldSize);
      out[i++] = OLD_VALUE_TRUNCATED;
      out[i++] = "true";
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PayloadValues p && newSize == p.newSize && oldSize == p.oldSize && newCut == p.newCut
        && oldCut == p.oldCut && java.util.Arrays.equals(newValue, p.newValue)
        && Objects.equals(oldValueBase64, p.oldValueBase64);
  }

  @Override
  public int hashCode() {
    return Objects.hash(newSize, oldSize, newCut, oldCut, oldValueBase64, java.util.Arrays.hashCode(newValue));
  }

  @Override
  public String toString() {
    return "PayloadValues[new=" + (newValue == null ? "none" : newValue.length + "/" + newSize + "B")
        + ", old=" + (oldValueBase64 == null ? "none" : oldSize + "B") + "]";
  }
}
