package dev.oprc.odgm.storage;

import dev.oprc.odgm.events.DurabilityGate;
import dev.oprc.odgm.events.OutboxStore;
import dev.oprc.odgm.proto.ValData;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Where one shard (a partition of a collection) keeps its objects, entry by entry, and its event
 * outbox. The only way to change it is {@link #write}: one object's read-modify-write, run while
 * no other write of that object runs, and committed as one atomic batch together with the
 * write's outbox records. Different objects are written in parallel.
 *
 * <p>Implementations: {@link InMemoryShardStorage} and the RocksDB engine
 * ({@link RocksStorageEngine#shard}). Thread-safe.
 */
public interface ShardStorage extends AutoCloseable {
  /** The live object's metadata, or null. */
  ObjectMeta meta(String objectId);

  /** One entry's value, or null when the object or the entry does not exist. */
  ValData entry(String objectId, String key);

  /** A consistent read of the object's metadata and one entry (value null when absent); null when the object is absent. */
  EntryRead read(String objectId, String key);

  /** A consistent read of the object: metadata and every entry in key order; null when absent. */
  ObjectView view(String objectId);

  /**
   * Entries of a live object in key order: keys starting with {@code prefix} (null: all), after
   * {@code afterExclusive} (null: from the start), at most {@code limit}.
   */
  List<Map.Entry<String, ValData>> entries(String objectId, String prefix, String afterExclusive, int limit);

  /** Live objects in id order, with their metadata, as {@link #entries} pages entries. */
  List<Map.Entry<String, ObjectMeta>> list(String prefix, String afterExclusive, int limit);

  /** Number of live objects (maintained, not counted). */
  long count();

  /**
   * Runs {@code mutation} on a {@link WriteTxn} for {@code objectId} under the object's lock and
   * commits what it staged as one atomic batch; then calls {@code listener} (still under the
   * lock). Returns once the write is committed, with the mutation's result and the ticket of the
   * durability the storage's sync mode promises: the caller waits for it before it acknowledges
   * the write ({@link Committed}). A mutation that throws aborts the write: nothing is applied and
   * the exception propagates.
   *
   * @throws StorageFullException when the disk has no room (nothing was applied)
   * @throws StorageException when the commit failed for another reason (nothing was applied)
   */
  <R> Committed<R> write(String objectId, Mutation<R> mutation, CommitListener listener);

  /** The outbox as its dispatcher sees it. */
  OutboxStore outbox();

  /**
   * Where this shard's committed change events go ({@link ChangeSink}), in seq order; replaces the
   * previous sink. (Not a default method: a wrapper must pass it on.)
   */
  void onChanges(ChangeSink sink);

  /** This shard's retained change events ({@link ChangeLog#NONE} for storage that keeps none). */
  ChangeLog changeLog();

  /** When this storage's commits become durable. */
  DurabilityGate durability();

  /** Releases what this shard's storage holds (the engine stays open). */
  @Override
  void close();

  /** A write's logic: reads the state before the write and stages its changes. */
  @FunctionalInterface
  interface Mutation<R> {
    R apply(WriteTxn txn);
  }

  /** The object's metadata and one entry's value (null when the entry does not exist). */
  record EntryRead(ObjectMeta meta, ValData value) {}

  /** A consistent snapshot of one object. */
  record ObjectView(ObjectMeta meta, SortedMap<String, ValData> entries) {}
}
