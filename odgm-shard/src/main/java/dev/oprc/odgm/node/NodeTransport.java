package dev.oprc.odgm.node;

import java.util.function.BiConsumer;

/**
 * What the node needs from Zenoh: fire-and-forget puts, subscriptions, and the link state the
 * outbox uses to decide when a handed-over trigger is safe to forget. The production
 * implementation is {@link ZenohTransport}; tests may use an in-memory one.
 *
 * <p>Implementations must be thread-safe.
 */
public interface NodeTransport extends AutoCloseable {
  /**
   * Publishes {@code payload} on {@code key} without ever blocking (congestion control DROP): a
   * put the network could not take is dropped, counted by the transport, and reported by throwing.
   */
  void put(String key, byte[] payload) throws Exception;

  /** Like {@link #put} but reports a put the link could not take by returning false. */
  default boolean tryPut(String key, byte[] payload, byte[] attachment) {
    try {
      put(key, payload);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  /** Changes whenever the link goes down or comes up (constant for a transport without one). */
  default long linkEpoch() {
    return 0;
  }

  /** True when a put can reach the network now. */
  default boolean linkUp() {
    return true;
  }

  /** How long a put must stay on an unbroken link to count as delivered (0: at once). */
  default long settleMillis() {
    return 0;
  }

  /** A position at or after every put accepted so far (see {@code Session.putPosition}). */
  default long putPosition() {
    return 0;
  }

  /** Puts up to this position have been written out, or dropped with a link change. */
  default long writtenPosition() {
    return Long.MAX_VALUE;
  }

  /**
   * Calls {@code handler(key, payload)} for every put matching {@code keyExpr}. The handler runs
   * on a transport thread and must hand heavy work off. Close the result to unsubscribe.
   */
  AutoCloseable subscribe(String keyExpr, BiConsumer<String, byte[]> handler) throws Exception;

  @Override
  void close();
}
