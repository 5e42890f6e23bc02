package dev.oprc.odgm.storage;

import dev.oprc.odgm.events.OutboxRecord;
import java.util.List;

/**
 * Told about every committed write, while the object's lock is still held (so calls for one object
 * come in commit order), with the write's outbox records (seqs assigned) and its durability ticket
 * ({@link dev.oprc.odgm.events.DurabilityGate}). Must not block.
 */
@FunctionalInterface
public interface CommitListener {
  CommitListener NONE = (records, ticket) -> { };

  void committed(List<OutboxRecord> records, long durableTicket);
}
