package dev.oprc.odgm.events;

/**
 * Where dispatched triggers go: one fire-and-forget PUT of {@code envelope} on {@code keyExpr}.
 * The node implements it over a Zenoh session. Called from the dispatcher's own threads only.
 * Implementations must be thread-safe, must not block longer than {@code timeoutMillis}, and
 * report failure by throwing.
 */
@FunctionalInterface
public interface EventPublisher {
  void publish(String keyExpr, byte[] envelope, long timeoutMillis) throws Exception;
}
