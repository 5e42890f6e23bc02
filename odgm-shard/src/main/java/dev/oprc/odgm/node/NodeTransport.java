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
   * Publishes {@code payload} on {@code key}. With {@code block == false} it never blocks (a full
   * or disconnected link drops and throws); with {@code true} it waits at most
   * {@code timeoutMillis}.
   */
  void put(String key, byte[] payload, boolean block, long timeoutMillis) throws Exception;

  /**
   * Calls {@code handler(key, payload)} for every put matching {@code keyExpr}. The handler runs
   * on a transport thread and must hand heavy work off. Close the result to unsubscribe.
   */
  AutoCloseable subscribe(String keyExpr, BiConsumer<String, byte[]> handler) throws Exception;

  @Override
  void close();
}
