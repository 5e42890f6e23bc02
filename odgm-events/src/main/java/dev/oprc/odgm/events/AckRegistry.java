package dev.oprc.odgm.events;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Routes arriving invocation results to the dispatcher waiting for them (acknowledged targets):
 * a dispatcher registers an invocation id when it sends an acknowledged record and forgets it
 * when the record is retired; the node's results subscriber calls {@link #resultArrived}.
 * Bounded by the records waiting, which the outbox bounds.
 *
 * <p>Thread-safe.
 */
public class AckRegistry {
  /** A registry for nodes that never ask for acknowledgements. */
  public static final AckRegistry NONE = new AckRegistry() {
    @Override
    void expect(String invocationId, OutboxDispatcher d) {}
  };

  private final ConcurrentHashMap<String, OutboxDispatcher> waiting = new ConcurrentHashMap<>();

  void expect(String invocationId, OutboxDispatcher d) {
    waiting.put(invocationId, d);
  }

  void forget(String invocationId) {
    waiting.remove(invocationId);
  }

  /** The result of {@code invocationId} arrived; true when a dispatcher was waiting for it. */
  public boolean resultArrived(String invocationId) {
    OutboxDispatcher d = waiting.get(invocationId);
    if (d == null) {
      return false;
    }
    d.acknowledge(invocationId);
    return true;
  }

  /** Invocation ids waiting for a result. */
  public int waiting() {
    return waiting.size();
  }
}
