package dev.oprc.odgm.replication;

import dev.oprc.odgm.events.DurabilityGate;
import dev.oprc.odgm.storage.BatchCommitter;
import dev.oprc.odgm.storage.StorageException;
import dev.oprc.odgm.storage.WriteDeadline;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.apache.ratis.protocol.RaftClientReply;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * Commits a group's write batches through Raft: the batch's serialized form becomes a log entry;
 * {@link #commit} returns once the entry committed (on a majority's synced logs) and this node's
 * state machine applied it, which Ratis's reply waits for. Durable at return, so the gate is
 * {@link DurabilityGate#IMMEDIATE}. A write whose caller's {@link WriteDeadline} passed (or that was
 * cancelled) while it waited to be proposed is dropped and fails {@link WriteNotProposedException}.
 *
 * <p>Thread-safe.
 */
final class RaftCommitter implements BatchCommitter {
  private final Group group;
  private final EntryBatcher.Lane lane;
  private final LongAdder retireFailures = new LongAdder();

  RaftCommitter(Group group, EntryBatcher.Lane lane) {
    this.group = group;
    this.lane = lane;
  }

  @Override
  public long commit(WriteBatch batch) {
    byte[] data = data(batch);
    CompletableFuture<RaftClientReply> f = lane.submit(data, WriteDeadline.current());
    RaftClientReply r = group.await(f, "write");
    if (r != null && r.isSuccess()) {
      return 0;
    }
    WriteNotProposedException dropped = notProposed(f);
    if (dropped != null) {
      throw dropped; // never in the log: a definite failure, the in-memory state is still right
    }
    if (r != null && r.getException() instanceof org.apache.ratis.protocol.exceptions.LeaderSteppingDownException) {
      // refused before it was appended (a leadership transfer runs): nothing was applied, the caller may retry;
      // the in-memory state may have run ahead of the database, so it is reloaded as after an unknown outcome
      group.outcomeUnknown();
      throw new NotLeaderException(group.id(), group.node().config().nodeId(), group.leaderId());
    }
    // after submission even a "not leader" reply is ambiguous: a leader that steps down answers
    // its appended-but-uncommitted entries that way, and they may still commit under the next one
    group.outcomeUnknown();
    String why = r == null ? "no answer within " + group.node().config().requestTimeout().toMillis() + " ms"
        : String.valueOf(r.getException());
    throw new WriteOutcomeUnknownException("the write reached replica group " + group.id()
        + "'s log but its outcome is unknown (" + why + "); it may or may not have been applied", r == null ? null
        : r.getException());
  }

  /** The failure of {@code f} when the batcher dropped the write before proposing it, else null. */
  private static WriteNotProposedException notProposed(CompletableFuture<RaftClientReply> f) {
    if (!f.isCompletedExceptionally()) {
      return null;
    }
    Throwable e = f.handle((r, x) -> x).getNow(null);
    if (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e instanceof WriteNotProposedException n ? n : null;
  }

  @Override
  public void retire(WriteBatch batch) {
    byte[] data = data(batch);
    try {
      CompletableFuture<?> unused = lane.submit(data).whenComplete((r, e) -> {
        if (e != null || !r.isSuccess()) {
          retireFailures.increment(); // the records are re-sent by a later leader under the same ids
        }
      });
    } catch (StorageException e) {
      retireFailures.increment(); // queue full or closing: as above
    }
  }

  long retireFailures() {
    return retireFailures.sum();
  }

  /** Change seqs are assigned by each replica's apply, in log order: a write that never commits takes none. */
  @Override
  public boolean seqAtApply() {
    return true;
  }

  @Override
  public DurabilityGate gate() {
    return DurabilityGate.IMMEDIATE;
  }

  @Override
  public void syncNow() {
    // committed entries are in a majority's synced Raft logs already
  }

  private static byte[] data(WriteBatch batch) {
    try {
      return batch.data();
    } catch (RocksDBException e) {
      throw new StorageException("cannot serialize a write batch: " + e.getMessage(), e);
    }
  }
}
