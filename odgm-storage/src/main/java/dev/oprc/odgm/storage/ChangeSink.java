package dev.oprc.odgm.storage;

/**
 * Told about every committed change event of a shard, in {@code seq} order, with the write's
 * durability ticket ({@link dev.oprc.odgm.events.DurabilityGate}; 0: durable already). For a
 * local store {@link #committed} is called while the partition's change-log order is held (every
 * writer of the partition waits for it: keep it to a queue offer), and {@link #signal} right after
 * that order is released; for a raft partition both from the group's apply thread. Neither may block.
 */
@FunctionalInterface
public interface ChangeSink {
  ChangeSink NONE = (body, seq, ticket) -> { };

  /** {@code body} ({@link dev.oprc.odgm.events.ChangeEvents#body}) committed with {@code seq}. */
  void committed(byte[] body, long seq, long durableTicket);

  /**
   * Called after {@link #committed} of the write with {@code durableTicket}, outside the partition's
   * change-log order: the place to wake a consumer.
   */
  default void signal(long durableTicket) {}
}
