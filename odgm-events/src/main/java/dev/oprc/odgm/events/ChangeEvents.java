package dev.oprc.odgm.events;

import dev.oprc.odgm.proto.ValData;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The JSON change event of one committed write, as published on
 * {@code oprc/{cls}/{pid}/events/{oid}} and kept in the partition's change log. Upstream's fields
 * first ({@code object_id}, {@code cls_id}, {@code partition_id}, {@code source}, {@code changes}:
 * [{@code key}, {@code action}]), then ours ({@code version}, {@code timestamp} in ms since the
 * epoch, {@code seq}). A write is staged as its <em>body</em>: the event without {@code seq}, whose
 * closing brace the commit adds with the partition's next seq ({@link #json}), so the seq can be
 * assigned where the write commits (for raft: where each replica applies it) without re-encoding.
 *
 * <p>Stateless; thread-safe.
 */
public final class ChangeEvents {
  /** {@code source} of every event this node publishes: a client's (or a triggered function's) write. */
  public static final String SOURCE_LOCAL = "local";
  private static final byte[] HEAD = "{\"object_id\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SEQ = ",\"seq\":".getBytes(StandardCharsets.US_ASCII);

  private ChangeEvents() {}

  /**
   * The body of the event of a write that gave {@code objectId} {@code version}: one change per
   * key, with the new value (base64; cut to {@code maxValueBytes}, flagged {@code value_truncated}
   * with the uncut {@code value_size}) when {@code newValues} is not null and the change has one.
   * {@code cuts[0]} is increased by the number of values cut.
   */
  public static byte[] body(String cls, int partition, String objectId, long version, long timestampMillis,
      List<String> keys, List<EventType> types, List<ValData> newValues, int maxValueBytes, int[] cuts) {
    StringBuilder sb = new StringBuilder(96 + keys.size() * 40);
    sb.append("{\"object_id\":");
    quote(sb, objectId);
    sb.append(",\"cls_id\":");
    quote(sb, cls);
    sb.append(",\"partition_id\":").append(Integer.toUnsignedString(partition));
    sb.append(",\"source\":\"").append(SOURCE_LOCAL).append("\",\"changes\":[");
    for (int i = 0; i < keys.size(); i++) {
      sb.append(i == 0 ? "{\"key\":" : ",{\"key\":");
      quote(sb, keys.get(i));
      sb.append(",\"action\":\"").append(action(types.get(i))).append('"');
      ValData v = newValues == null ? null : newValues.get(i);
      if (v != null) {
        value(sb, v, maxValueBytes, cuts);
      }
      sb.append('}');
    }
    sb.append("],\"version\":").append(version).append(",\"timestamp\":").append(timestampMillis);
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void value(StringBuilder sb, ValData v, int maxValueBytes, int[] cuts) {
    int size = v.getData().size();
    boolean cut = size > maxValueBytes;
    byte[] data = (cut ? v.getData().substring(0, maxValueBytes) : v.getData()).toByteArray();
    sb.append(",\"value\":\"").append(Base64.getEncoder().encodeToString(data)).append('"');
    if (cut) {
      sb.append(",\"value_truncated\":true,\"value_size\":").append(size);
      cuts[0]++;
    }
  }

  /** Upstream's action name of a data event type. */
  public static String action(EventType type) {
    return switch (type) {
      case DATA_CREATE -> "create";
      case DATA_UPDATE -> "update";
      case DATA_DELETE -> "delete";
      default -> throw new IllegalArgumentException("not a data event type: " + type);
    };
  }

  /** The complete event: {@code body} with {@code seq} and the closing brace. */
  public static byte[] json(byte[] body, long seq) {
    byte[] s = Long.toString(seq).getBytes(StandardCharsets.US_ASCII);
    byte[] out = Arrays.copyOf(body, body.length + SEQ.length + s.length + 1);
    System.arraycopy(SEQ, 0, out, body.length, SEQ.length);
    System.arraycopy(s, 0, out, body.length + SEQ.length, s.length);
    out[out.length - 1] = '}';
    return out;
  }

  /**
   * The object id of a body (it comes first; object ids need no JSON escaping).
   *
   * @throws IllegalArgumentException when {@code body} is not one {@link #body} made
   */
  public static String objectId(byte[] body) {
    if (body.length <= HEAD.length || !Arrays.equals(body, 0, HEAD.length, HEAD, 0, HEAD.length)) {
      throw new IllegalArgumentException("not a change event body (" + body.length + " bytes)");
    }
    for (int i = HEAD.length; i < body.length; i++) {
      if (body[i] == '"') {
        return new String(body, HEAD.length, i - HEAD.length, StandardCharsets.UTF_8);
      }
    }
    throw new IllegalArgumentException("not a change event body: the object id is not terminated");
  }

  /** The {@code timestamp} of a body (its last field: the digits it ends with). */
  public static long timestamp(byte[] body) {
    long v = 0;
    long scale = 1;
    for (int i = body.length - 1; i >= 0 && body[i] >= '0' && body[i] <= '9'; i--) {
      v += (body[i] - '0') * scale;
      scale *= 10;
    }
    return v;
  }

  /** The key an event of {@code objectId} is published on: {@code oprc/{cls}/{pid}/events/{oid}}. */
  public static String key(String cls, int partition, String objectId) {
    return "oprc/" + cls + "/" + Integer.toUnsignedString(partition) + "/events/" + objectId;
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
