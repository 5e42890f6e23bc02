package dev.oprc.odgm.node;

import java.util.function.BiConsumer;

/**
 * What the node needs from Zenoh: fire-and-forget puts and subscriptions. The production
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

  /**
   * Calls {@code handler(key, payload)} for every put matching {@code keyExpr}. The handler runs
   * on a transport thread and must hand heavy work off. Close the result to unsubscribe.
   */
  AutoCloseable subscribe(String keyExpr, BiConsumer<String, byte[]> handler) throws Exception;

  @Override
  void close();
}
