package dev.oprc.odgm.changes;

import java.nio.charset.StandardCharsets;

/**
 * One change event as {@link ChangeStream} hands it over: the key it was published on, its seq
 * in the partition, its object and its JSON (exactly as published).
 *
 * <p>Immutable.
 */
@SuppressWarnings("ArrayRecordComponent") // the received bytes, handed over as they are
public record Change(String key, long seq, String objectId, byte[] json) {
  /** The JSON as text. */
  public String text() {
    return new String(json, StandardCharsets.UTF_8);
  }

  /**
   * Reads a published event: its seq (the last field) and object id (the first).
   *
   * @throws IllegalArgumentException when {@code json} is not a change event
   */
  static Change of(String key, byte[] json) {
    String t = new String(json, StandardCharsets.UTF_8);
    int s = t.lastIndexOf("\"seq\":");
    if (!t.startsWith("{\"object_id\":\"") || s < 0 || !t.endsWith("}")) {
      throw new IllegalArgumentException("not a change event on " + key + ": " + t);
    }
    String oid = t.substring(14, t.indexOf('"', 14));
    return new Change(key, Long.parseLong(t.substring(s + 6, t.length() - 1)), oid, json);
  }
}
