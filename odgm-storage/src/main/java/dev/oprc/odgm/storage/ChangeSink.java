package dev.oprc.odgm.storage;

/**
 * Told about every committed change event of a shard, in {@code seq} order, with the write's
 * durability ticket ({@link dev.oprc.odgm.events.DurabilityGate}; 0: durable already). For a
 * local store it is called while the partition's change-log order is held, for a raft partition
 * from the group's apply thread: it must not block.
 */
@FunctionalInterface
public interface ChangeSink {
  ChangeSink NONE = (body, seq, ticket) -> { };

  /** {@code body} ({@link dev.oprc.odgm.events.ChangeEvents#body}) committed with {@code seq}. */
  void committed(byte[] body, long seq, long durableTicket);
}
