package dev.oprc.odgm.events;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import java.io.IOException;
import java.util.Map;

/**
 * Wraps a serialized {@code TriggerPayload} in the envelope a function receives:
 * {@code InvocationRequest} for a stateless target, {@code ObjectInvocationRequest} for a stateful
 * one. {@code options} are the target's {@code req_options} plus {@link TriggerHeaders}: the
 * event's depth, the object version (data events), the event type, and {@code traceparent} when
 * the event carries one. Our headers win over a same-named req_option so depth cannot be forged
 * by configuration.
 *
 * <p>{@link #build} writes the protobuf bytes directly ({@link CodedOutputStream} into an exactly
 * sized array) instead of going through the message builders, which cost three times as much;
 * {@link #toMessage} builds the equivalent message for callers that want one. Both decode to
 * equal messages (map entries may come in a different order, which protobuf ignores).
 *
 * <p>Stateless utility; thread-safe.
 */
public final class InvocationEnvelopes {
  private static final String[] SMALL_INTS = new String[64];
  private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;
  // Field numbers, shared by InvocationRequest and ObjectInvocationRequest (oprc-invoke.proto).
  private static final int PARTITION_ID = 1;
  private static final int CLS_ID = 3;
  private static final int FN_ID = 4;
  private static final int OPTIONS = 5;
  private static final int PAYLOAD = 6;
  private static final int OBJECT_ID = 7;

  // Map-entry key field (tag + length + UTF-8) of each header, encoded once.
  private static final byte[] DEPTH_KEY = entryKey(TriggerHeaders.DEPTH);
  private static final byte[] EVENT_TYPE_KEY = entryKey(TriggerHeaders.EVENT_TYPE);
  private static final byte[] OBJECT_VERSION_KEY = entryKey(TriggerHeaders.OBJECT_VERSION);
  private static final byte[] TRACEPARENT_KEY = entryKey(TriggerHeaders.TRACEPARENT);

  static {
    for (int i = 0; i < SMALL_INTS.length; i++) {
      SMALL_INTS[i] = Integer.toString(i);
    }
  }

  private InvocationEnvelopes() {}

  private static byte[] entryKey(String key) {
    byte[] out = new byte[CodedOutputStream.computeStringSize(1, key)];
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    try {
      o.writeString(1, key);
      o.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** The envelope bytes for dispatching {@code ctx} with {@code payload} to {@code target}. */
  public static byte[] build(EventContext ctx, TriggerTarget target, ByteString payload) {
    boolean stateful = target.hasObjectId();
    String depth = small(ctx.depth());
    String eventType = small(ctx.type().number());
    String version = ctx.type().isData() ? Long.toUnsignedString(ctx.objectVersion()) : null;
    String traceparent = ctx.traceparent();
    Map<String, String> reqOptions = target.getReqOptionsMap();

    int size = 0;
    if (target.getPartitionId() != 0) {
      size += CodedOutputStream.computeUInt32Size(PARTITION_ID, target.getPartitionId());
    }
    if (!target.getClsId().isEmpty()) {
      size += CodedOutputStream.computeStringSize(CLS_ID, target.getClsId());
    }
    if (!target.getFnId().isEmpty()) {
      size += CodedOutputStream.computeStringSize(FN_ID, target.getFnId());
    }
    if (!reqOptions.isEmpty()) {
      for (Map.Entry<String, String> e : reqOptions.entrySet()) {
        if (!overridden(e.getKey(), version != null, traceparent != null)) {
          size += entrySize(CodedOutputStream.computeStringSize(1, e.getKey()), e.getValue());
        }
      }
    }
    size += entrySize(DEPTH_KEY.length, depth);
    size += entrySize(EVENT_TYPE_KEY.length, eventType);
    if (version != null) {
      size += entrySize(OBJECT_VERSION_KEY.length, version);
    }
    if (traceparent != null) {
      size += entrySize(TRACEPARENT_KEY.length, traceparent);
    }
    if (!payload.isEmpty()) {
      size += CodedOutputStream.computeBytesSize(PAYLOAD, payload);
    }
    if (stateful) {
      size += CodedOutputStream.computeStringSize(OBJECT_ID, target.getObjectId());
    }

    byte[] out = new byte[size];
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    try {
      if (target.getPartitionId() != 0) {
        o.writeUInt32(PARTITION_ID, target.getPartitionId());
      }
      if (!target.getClsId().isEmpty()) {
        o.writeString(CLS_ID, target.getClsId());
      }
      if (!target.getFnId().isEmpty()) {
        o.writeString(FN_ID, target.getFnId());
      }
      if (!reqOptions.isEmpty()) {
        for (Map.Entry<String, String> e : reqOptions.entrySet()) {
          if (!overridden(e.getKey(), version != null, traceparent != null)) {
            int keySize = CodedOutputStream.computeStringSize(1, e.getKey());
            o.writeTag(OPTIONS, LEN);
            o.writeUInt32NoTag(keySize + CodedOutputStream.computeStringSize(2, e.getValue()));
            o.writeString(1, e.getKey());
            o.writeString(2, e.getValue());
          }
        }
      }
      writeEntry(o, DEPTH_KEY, depth);
      writeEntry(o, EVENT_TYPE_KEY, eventType);
      if (version != null) {
        writeEntry(o, OBJECT_VERSION_KEY, version);
      }
      if (traceparent != null) {
        writeEntry(o, TRACEPARENT_KEY, traceparent);
      }
      if (!payload.isEmpty()) {
        o.writeBytes(PAYLOAD, payload);
      }
      if (stateful) {
        o.writeString(OBJECT_ID, target.getObjectId());
      }
      o.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("envelope size computation is wrong", e);
    }
    return out;
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

  private static boolean overridden(String key, boolean hasVersion, boolean hasTraceparent) {
    return key.equals(TriggerHeaders.DEPTH)
        || key.equals(TriggerHeaders.EVENT_TYPE)
        || (hasVersion && key.equals(TriggerHeaders.OBJECT_VERSION))
        || (hasTraceparent && key.equals(TriggerHeaders.TRACEPARENT));
  }

  /** Size of one options map entry (tag, length, key field, value field). */
  private static int entrySize(int keyFieldSize, String value) {
    int entry = keyFieldSize + CodedOutputStream.computeStringSize(2, value);
    return 1 + CodedOutputStream.computeUInt32SizeNoTag(entry) + entry;
  }

  private static void writeEntry(CodedOutputStream o, byte[] keyField, String value) throws IOException {
    o.writeTag(OPTIONS, LEN);
    o.writeUInt32NoTag(keyField.length + CodedOutputStream.computeStringSize(2, value));
    o.writeRawBytes(keyField);
    o.writeString(2, value);
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
