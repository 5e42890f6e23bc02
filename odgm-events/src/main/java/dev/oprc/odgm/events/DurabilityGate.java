package dev.oprc.odgm.events;

import java.util.function.Consumer;

/**
 * Tells the outbox dispatcher, and a caller that must not block, when a committed write is
 * durable, so no record leaves the shard and no reply leaves the node before the write it belongs
 * to would survive a crash. Tickets come from the storage's commit; 0 means "durable at commit".
 *
 * <p>Implementations must be thread-safe.
 */
public interface DurabilityGate {
  /** A gate for storage that is durable (or as durable as it gets) when the commit returns. */
  DurabilityGate IMMEDIATE = ticket -> { };

  /** Blocks until the write with {@code ticket} is durable (returns at once for 0). */
  void awaitDurable(long ticket);

  /**
   * Calls {@code then} once the write with {@code ticket} is durable (with null) or can no longer
   * become durable (with the reason): on the calling thread when that is known at once, else
   * later on the gate's own thread, so {@code then} must be short and must not block. This
   * default waits on the calling thread; a gate with a syncing thread of its own overrides it.
   */
  default void whenDurable(long ticket, Consumer<RuntimeException> then) {
    try {
      awaitDurable(ticket);
    } catch (RuntimeException e) {
      then.accept(e);
      return;
    }
    then.accept(null);
  }
}
