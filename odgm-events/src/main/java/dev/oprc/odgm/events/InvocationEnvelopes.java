package dev.oprc.odgm.events;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.TriggerTarget;

/**
 * Wraps a serialized {@code TriggerPayload} in the envelope a function receives:
 * {@code InvocationRequest} for a stateless target, {@code ObjectInvocationRequest} for a stateful
 * one. {@code options} are the target's {@code req_options} plus {@link TriggerHeaders}: the
 * event's depth, the object version (data events), the event type, and {@code traceparent} when
 * the event carries one. Our headers win over a same-named req_option so depth cannot be forged
 * by configuration.
 *
 * <p>{@link #build} writes the protobuf bytes directly into an exactly sized array, copying the
 * target's part pre-encoded by {@link CompiledTarget} and the common header entries from tables,
 * instead of going through the message builders, which cost several times as much;
 * {@link #toMessage} builds the equivalent message for callers that want one. Both decode to
 * equal messages (map entries may come in a different order, which protobuf ignores).
 *
 * <p>Stateless utility; thread-safe.
 */
public final class InvocationEnvelopes {
  private static final String[] SMALL_INTS = new String[64];
  // Field numbers, shared by InvocationRequest and ObjectInvocationRequest (oprc-invoke.proto):
  // 1 partition_id, 3 cls_id, 4 fn_id, 5 options, 6 payload, 7 object_id (stateful only).
  private static final int OPTIONS = 5;
  private static final int PAYLOAD = 6;

  // Map-entry key field (tag + length + UTF-8) of each header, encoded once.
  private static final byte[] DEPTH_KEY = entryKey(TriggerHeaders.DEPTH);
  private static final byte[] EVENT_TYPE_KEY = entryKey(TriggerHeaders.EVENT_TYPE);
  private static final byte[] OBJECT_VERSION_KEY = entryKey(TriggerHeaders.OBJECT_VERSION);
  private static final byte[] TRACEPARENT_KEY = entryKey(TriggerHeaders.TRACEPARENT);

  // Whole encoded entries for the common header values.
  private static final byte[][] DEPTH_ENTRIES = new byte[64][];
  private static final byte[][] EVENT_TYPE_ENTRIES = new byte[6][];

  static {
    for (int i = 0; i < SMALL_INTS.length; i++) {
      SMALL_INTS[i] = Integer.toString(i);
    }
    for (int i = 0; i < DEPTH_ENTRIES.length; i++) {
      DEPTH_ENTRIES[i] = entry(DEPTH_KEY, SMALL_INTS[i]);
    }
    for (EventType type : EventType.values()) {
      EVENT_TYPE_ENTRIES[type.number()] = entry(EVENT_TYPE_KEY, SMALL_INTS[type.number()]);
    }
  }

  private InvocationEnvelopes() {}

  private static byte[] entryKey(String key) {
    byte[] out = new byte[CodedOutputStream.computeStringSize(1, key)];
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    try {
      o.writeString(1, key);
      o.checkNoSpaceLeft();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /**
   * The envelope bytes for dispatching {@code ctx} with {@code payload} to {@code target}. Prefer
   * {@link #build(EventContext, CompiledTarget, ByteString)}, which reuses the target's
   * pre-encoded part; this overload encodes it on every call.
   */
  public static byte[] build(EventContext ctx, TriggerTarget target, ByteString payload) {
    return build(ctx, new EnvelopeTemplate(target), payload);
  }

  /** The envelope bytes for dispatching {@code ctx} with {@code payload} to a compiled target. */
  public static byte[] build(EventContext ctx, CompiledTarget target, ByteString payload) {
    return build(ctx, target.envelope, payload);
  }

  private static byte[] build(EventContext ctx, EnvelopeTemplate t, ByteString payload) {
    boolean data = ctx.type().isData();
    String traceparent = ctx.traceparent();
    // target req_options that collide with a header only sometimes
    String reqVersion = data ? null : t.reqObjectVersion;
    String reqTrace = traceparent != null ? null : t.reqTraceparent;

    byte[] depthEntry = ctx.depth() < DEPTH_ENTRIES.length ? DEPTH_ENTRIES[ctx.depth()]
        : entry(DEPTH_KEY, Integer.toString(ctx.depth()));
    byte[] typeEntry = EVENT_TYPE_ENTRIES[ctx.type().number()];
    long version = ctx.objectVersion();
    int versionDigits = 0;
    String versionText = null;
    if (data) {
      if (version >= 0) {
        versionDigits = ProtoBytes.decimalLength(version);
      } else {
        versionText = Long.toUnsignedString(version);
        versionDigits = versionText.length();
      }
    }
    int traceLen = traceparent == null ? 0 : ProtoBytes.utf8Length(traceparent);

    int size = t.head.length + depthEntry.length + typeEntry.length + t.tail.length;
    if (data) {
      size += entrySize(OBJECT_VERSION_KEY.length, versionDigits);
    }
    if (traceparent != null) {
      size += entrySize(TRACEPARENT_KEY.length, traceLen);
    }
    if (reqVersion != null) {
      size += entrySize(OBJECT_VERSION_KEY.length, ProtoBytes.utf8Length(reqVersion));
    }
    if (reqTrace != null) {
      size += entrySize(TRACEPARENT_KEY.length, ProtoBytes.utf8Length(reqTrace));
    }
    int payloadLen = payload.size();
    if (payloadLen > 0) {
      size += ProtoBytes.fieldSize(PAYLOAD, payloadLen);
    }

    byte[] b = new byte[size];
    System.arraycopy(t.head, 0, b, 0, t.head.length);
    int p = t.head.length;
    if (reqVersion != null) {
      p = putEntry(b, p, OBJECT_VERSION_KEY, reqVersion, ProtoBytes.utf8Length(reqVersion));
    }
    if (reqTrace != null) {
      p = putEntry(b, p, TRACEPARENT_KEY, reqTrace, ProtoBytes.utf8Length(reqTrace));
    }
    System.arraycopy(depthEntry, 0, b, p, depthEntry.length);
    p += depthEntry.length;
    System.arraycopy(typeEntry, 0, b, p, typeEntry.length);
    p += typeEntry.length;
    if (data) {
      p = putEntryHead(b, p, OBJECT_VERSION_KEY, versionDigits);
      if (versionText == null) {
        p = ProtoBytes.putDecimal(b, p, version, versionDigits);
      } else {
        for (int i = 0; i < versionDigits; i++) {
          b[p++] = (byte) versionText.charAt(i);
        }
      }
    }
    if (traceparent != null) {
      p = putEntry(b, p, TRACEPARENT_KEY, traceparent, traceLen);
    }
    if (payloadLen > 0) {
      p = ProtoBytes.putVarint(b, p, ProtoBytes.tag(PAYLOAD, ProtoBytes.LEN));
      p = ProtoBytes.putVarint(b, p, payloadLen);
      payload.copyTo(b, p);
      p += payloadLen;
    }
    System.arraycopy(t.tail, 0, b, p, t.tail.length);
    p += t.tail.length;
    if (p != size) {
      throw new IllegalStateException("envelope size computation is wrong: " + p + " != " + size);
    }
    return b;
  }

  /**
   * The envelope as a message: an {@link ObjectInvocationRequest} for a stateful target, an
   * {@link InvocationRequest} otherwise. Decoding {@link #build}'s bytes gives an equal message.
   */
  public static com.google.protobuf.Message toMessage(EventContext ctx, TriggerTarget target, ByteString payload) {
    if (target.hasObjectId()) {
      ObjectInvocationRequest.Builder b = ObjectInvocationRequest.newBuilder()
          .setPartitionId(target.getPartitionId())
          .setClsId(target.getClsId())
          .setFnId(target.getFnId())
          .setObjectId(target.getObjectId())
          .putAllOptions(target.getReqOptionsMap())
          .setPayload(payload);
      putHeaders(ctx, b::putOptions);
      return b.build();
    }
    InvocationRequest.Builder b = InvocationRequest.newBuilder()
        .setPartitionId(target.getPartitionId())
        .setClsId(target.getClsId())
        .setFnId(target.getFnId())
        .putAllOptions(target.getReqOptionsMap())
        .setPayload(payload);
    putHeaders(ctx, b::putOptions);
    return b.build();
  }

  /** Size of one options map entry whose key field is {@code keyFieldSize} bytes and value {@code valueLen}. */
  private static int entrySize(int keyFieldSize, int valueLen) {
    int entry = keyFieldSize + ProtoBytes.fieldSize(2, valueLen);
    return ProtoBytes.fieldSize(OPTIONS, entry);
  }

  /** Writes an entry's tag, length, key field and value-field header; the caller writes the value. */
  private static int putEntryHead(byte[] b, int p, byte[] keyField, int valueLen) {
    p = ProtoBytes.putVarint(b, p, ProtoBytes.tag(OPTIONS, ProtoBytes.LEN));
    p = ProtoBytes.putVarint(b, p, keyField.length + ProtoBytes.fieldSize(2, valueLen));
    System.arraycopy(keyField, 0, b, p, keyField.length);
    p += keyField.length;
    p = ProtoBytes.putVarint(b, p, ProtoBytes.tag(2, ProtoBytes.LEN));
    return ProtoBytes.putVarint(b, p, valueLen);
  }

  private static int putEntry(byte[] b, int p, byte[] keyField, String value, int valueLen) {
    p = ProtoBytes.putVarint(b, p, ProtoBytes.tag(OPTIONS, ProtoBytes.LEN));
    p = ProtoBytes.putVarint(b, p, keyField.length + ProtoBytes.fieldSize(2, valueLen));
    System.arraycopy(keyField, 0, b, p, keyField.length);
    p += keyField.length;
    return ProtoBytes.putString(b, p, 2, value, valueLen);
  }

  /** A whole encoded options entry {@code key -> value}, for the precomputed tables. */
  private static byte[] entry(byte[] keyField, String value) {
    int len = ProtoBytes.utf8Length(value);
    byte[] out = new byte[entrySize(keyField.length, len)];
    int p = putEntry(out, 0, keyField, value, len);
    if (p != out.length) {
      throw new IllegalStateException("entry size computation is wrong");
    }
    return out;
  }

  private interface Put {
    Object put(String k, String v);
  }

  private static void putHeaders(EventContext ctx, Put put) {
    put.put(TriggerHeaders.DEPTH, small(ctx.depth()));
    put.put(TriggerHeaders.EVENT_TYPE, small(ctx.type().number()));
    if (ctx.type().isData()) {
      put.put(TriggerHeaders.OBJECT_VERSION, Long.toUnsignedString(ctx.objectVersion()));
    }
    if (ctx.traceparent() != null) {
      put.put(TriggerHeaders.TRACEPARENT, ctx.traceparent());
    }
  }

  private static String small(int v) {
    return v >= 0 && v < SMALL_INTS.length ? SMALL_INTS[v] : Integer.toString(v);
  }
}
