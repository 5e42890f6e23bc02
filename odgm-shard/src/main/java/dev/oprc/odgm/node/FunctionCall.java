package dev.oprc.odgm.node;

import dev.oprc.odgm.events.TriggerHeaders;
import dev.oprc.odgm.shard.WriteContext;
import java.util.Map;
import java.util.Objects;

/**
 * One invocation of a function: the target (class, partition, function, optional object), the
 * request options and payload, and the invocation id (from the async key, or generated).
 * {@link #writeContext()} is what the function's own writes must carry so their events get the
 * right depth (one more than the trigger that invoked it).
 *
 * <p>Immutable and thread-safe (do not mutate {@code payload}).
 */
@SuppressWarnings("ArrayRecordComponent") // bytes are passed through, never compared or hashed
public record FunctionCall(
    String clsId, int partitionId, String fnId, String objectId, Map<String, String> options, byte[] payload,
    String invocationId, OdgmNode node) {

  public FunctionCall {
    Objects.requireNonNull(clsId, "clsId");
    Objects.requireNonNull(fnId, "fnId");
    options = Map.copyOf(options);
    payload = payload == null ? new byte[0] : payload;
  }

  /** True when the invocation targets an object. */
  public boolean stateful() {
    return objectId != null;
  }

  /** The write context for writes this function makes: depth = invocation depth + 1. */
  public WriteContext writeContext() {
    return new WriteContext(TriggerHeaders.causedEventDepth(options), options.get(TriggerHeaders.TRACEPARENT));
  }
}
