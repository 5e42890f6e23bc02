package dev.oprc.odgm.events;

import com.google.protobuf.ByteString;
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
 * <p>Stateless utility; thread-safe.
 */
public final class InvocationEnvelopes {
  private static final String[] SMALL_INTS = new String[64];

  static {
    for (int i = 0; i < SMALL_INTS.length; i++) {
      SMALL_INTS[i] = Integer.toString(i);
    }
  }

  private InvocationEnvelopes() {}

  /** The envelope bytes for dispatching {@code ctx} with {@code payload} to {@code target}. */
  public static byte[] build(EventContext ctx, TriggerTarget target, ByteString payload) {
    if (target.hasObjectId()) {
      ObjectInvocationRequest.Builder b = ObjectInvocationRequest.newBuilder()
          .setPartitionId(target.getPartitionId())
          .setClsId(target.getClsId())
          .setFnId(target.getFnId())
          .setObjectId(target.getObjectId())
          .putAllOptions(target.getReqOptionsMap())
          .setPayload(payload);
      putHeaders(ctx, b::putOptions);
      return b.build().toByteArray();
    }
    InvocationRequest.Builder b = InvocationRequest.newBuilder()
        .setPartitionId(target.getPartitionId())
        .setClsId(target.getClsId())
        .setFnId(target.getFnId())
        .putAllOptions(target.getReqOptionsMap())
        .setPayload(payload);
    putHeaders(ctx, b::putOptions);
    return b.build().toByteArray();
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
