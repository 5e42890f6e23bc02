package dev.oprc.odgm.storage;

/**
 * A RocksDB shard whose database can change underneath it (a replica applying a replicated log):
 * {@link #reload()} drops what the shard keeps in memory (metadata cache, live count, version
 * floors, outbox seq and totals) and reads it again from the database, as a restart would.
 *
 * <p>Thread-safe.
 */
public interface ReloadableShardStorage extends ShardStorage {
  /**
   * Re-reads the in-memory state from the database. Waits for writes in progress (it takes every
   * object lock) and runs no write concurrently.
   */
  void reload();
}
