package dev.oprc.odgm.events;

/**
 * Tells the outbox dispatcher when a committed write is durable, so no record leaves the shard
 * before the write it belongs to would survive a crash. Tickets come from the storage's commit;
 * 0 means "durable at commit".
 *
 * <p>Implementations must be thread-safe.
 */
public interface DurabilityGate {
  /** A gate for storage that is durable (or as durable as it gets) when the commit returns. */
  DurabilityGate IMMEDIATE = ticket -> { };

  /** Blocks until the write with {@code ticket} is durable (returns at once for 0). */
  void awaitDurable(long ticket);
}
