package dev.oprc.odgm.events;

/**
 * Where {@link WriteEvents} stages a write's outbox records: the write's own atomic batch (the
 * storage transaction implements it), so the records commit with the data or not at all.
 *
 * <p>Used by the writing thread only.
 */
@FunctionalInterface
public interface OutboxSink {
  /**
   * Adds {@code record} to the write's batch; false (nothing added) when the outbox has no room
   * for it. The record's seq is assigned at commit.
   */
  boolean addOutbox(OutboxRecord record);

  /**
   * Stages the write's change event body ({@link ChangeEvents#body}); its seq is assigned where
   * the write commits. At most one per write; a sink without a change log ignores it.
   */
  default void stageChange(byte[] body) {}
}
