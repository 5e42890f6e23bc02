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
  private static final byte[] HEAD = ascii("{\"object_id\":\"");
  private static final byte[] SEQ = ascii(",\"seq\":");
  private static final byte[] QUOTE = ascii("\"");
  private static final byte[] CLS = ascii("\",\"cls_id\":");
  private static final byte[] PARTITION = ascii(",\"partition_id\":");
  private static final byte[] CHANGES = ascii(",\"source\":\"" + SOURCE_LOCAL + "\",\"changes\":[");
  private static final byte[] KEY_FIRST = ascii("{\"key\":");
  private static final byte[] KEY_NEXT = ascii(",{\"key\":");
  private static final byte[] ACTION = ascii(",\"action\":\"");
  private static final byte[] END_CHANGE = ascii("}");
  private static final byte[] VALUE = ascii(",\"value\":\"");
  private static final byte[] TRUNCATED = ascii(",\"value_truncated\":true,\"value_size\":");
  private static final byte[] VERSION = ascii("],\"version\":");
  private static final byte[] TIMESTAMP = ascii(",\"timestamp\":");
  private static final byte[] CREATE = ascii("create");
  private static final byte[] UPDATE = ascii("update");
  private static final byte[] DELETE = ascii("delete");

  private ChangeEvents() {}

  /**
   * The body of the event of a write that gave {@code objectId} {@code version}: one change per
   * key, with the new value (base64; cut to {@code maxValueBytes}, flagged {@code value_truncated}
   * with the uncut {@code value_size}) when {@code newValues} is not null and the change has one.
   * {@code cuts[0]} is increased by the number of values cut. Encoded straight to bytes: it runs on
   * the write path, once per committed write.
   */
  public static byte[] body(String cls, int partition, String objectId, long version, long timestampMillis,
      List<String> keys, List<EventType> types, List<ValData> newValues, int maxValueBytes, int[] cuts) {
    JsonBytes out = new JsonBytes(112 + objectId.length() + cls.length() + keys.size() * 48);
    out.raw(HEAD).chars(objectId).raw(CLS).quoted(cls).raw(PARTITION).number(Integer.toUnsignedLong(partition))
        .raw(CHANGES);
    for (int i = 0; i < keys.size(); i++) {
      out.raw(i == 0 ? KEY_FIRST : KEY_NEXT).quoted(keys.get(i)).raw(ACTION).raw(actionBytes(types.get(i))).raw(QUOTE);
      ValData v = newValues == null ? null : newValues.get(i);
      if (v != null) {
        value(out, v, maxValueBytes, cuts);
      }
      out.raw(END_CHANGE);
    }
    return out.raw(VERSION).number(version).raw(TIMESTAMP).number(timestampMillis).toArray();
  }

  private static void value(JsonBytes out, ValData v, int maxValueBytes, int[] cuts) {
    int size = v.getData().size();
    boolean cut = size > maxValueBytes;
    byte[] data = (cut ? v.getData().substring(0, maxValueBytes) : v.getData()).toByteArray();
    out.raw(VALUE).raw(Base64.getEncoder().encode(data)).raw(QUOTE);
    if (cut) {
      out.raw(TRUNCATED).number(size);
      cuts[0]++;
    }
  }

  private static byte[] actionBytes(EventType type) {
    return switch (type) {
      case DATA_CREATE -> CREATE;
      case DATA_UPDATE -> UPDATE;
      case DATA_DELETE -> DELETE;
      default -> throw new IllegalArgumentException("not a data event type: " + type);
    };
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

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** A growing byte buffer that writes JSON pieces as UTF-8; one per body, on the writing thread. */
  private static final class JsonBytes {
    private byte[] buf;
    private int len;

    JsonBytes(int capacity) {
      buf = new byte[capacity];
    }

    private void room(int n) {
      if (len + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
      }
    }

    JsonBytes raw(byte[] b) {
      room(b.length);
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
      return this;
    }

    JsonBytes number(long v) {
      return raw(ascii(Long.toString(v)));
    }

    /** {@code s} as a JSON string, quotes included. */
    JsonBytes quoted(String s) {
      raw(QUOTE).chars(s);
      return raw(QUOTE);
    }

    /** The characters of {@code s}, JSON-escaped (no quotes): ASCII byte by byte, the rest as UTF-8. */
    JsonBytes chars(String s) {
      room(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c >= 0x80) {
          return escaped(s.substring(i));
        }
        if (c < 0x20 || c == '"' || c == '\\') {
          escape(c);
        } else {
          room(1);
          buf[len++] = (byte) c;
        }
      }
      return this;
    }

    private JsonBytes escaped(String rest) {
      StringBuilder sb = new StringBuilder(rest.length() + 8);
      for (int i = 0; i < rest.length(); i++) {
        char c = rest.charAt(i);
        if (c < 0x20 || c == '"' || c == '\\') {
          sb.append(escapeOf(c));
        } else {
          sb.append(c);
        }
      }
      return raw(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void escape(char c) {
      raw(ascii(escapeOf(c)));
    }

    private static String escapeOf(char c) {
      return switch (c) {
        case '"' -> "\\\"";
        case '\\' -> "\\\\";
        case '\n' -> "\\n";
        case '\r' -> "\\r";
        case '\t' -> "\\t";
        default -> String.format(java.util.Locale.ROOT, "\\u%04x", (int) c);
      };
    }

    byte[] toArray() {
      return Arrays.copyOf(buf, len);
    }
  }
}
