package dev.oprc.odgm.storage;

import dev.oprc.odgm.events.DurabilityGate;
import org.rocksdb.WriteBatch;

/**
 * How a RocksDB shard's write batches reach its database: written to the local database (the
 * default, {@link RocksStorageEngine#shard(String, int, java.util.function.Function, long, long)}),
 * or appended to a replicated log and applied from there on every replica (odgm-replication).
 * The shard builds the batch under the object's lock and calls {@link #commit} still holding it.
 *
 * <p>Implementations must be thread-safe.
 */
public interface BatchCommitter {
  /**
   * Commits {@code batch}; returns once it is applied to the local database (visible to reads).
   * Returns a durability ticket for {@link #gate()} (0: durable already).
   *
   * @throws StorageException when the batch was not applied; subclasses of it may say that the
   *                          outcome is unknown
   */
  long commit(WriteBatch batch);

  /**
   * Deletes delivered outbox records ({@code batch} holds only outbox deletes). May return
   * before the deletes are applied: a retire that is lost only means a re-delivery under the
   * same invocation ids.
   */
  void retire(WriteBatch batch);

  /**
   * True when change events get their seq where each replica applies the batch (they travel as
   * {@code LogData} records, {@link RocksStorageEngine#applyReplicated}); false: the shard assigns
   * it at commit.
   */
  default boolean seqAtApply() {
    return false;
  }

  /** When the commits this committer returned become durable. */
  DurabilityGate gate();

  /** Makes every commit so far durable before returning. */
  void syncNow();
}
