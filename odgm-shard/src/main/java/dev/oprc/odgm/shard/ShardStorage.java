package dev.oprc.odgm.shard;

import java.util.function.UnaryOperator;

/**
 * Where a shard keeps its objects. The only write operation is an atomic per-object
 * read-modify-write, which is what makes version increments and create/update classification
 * race-free.
 *
 * <p>Implementations must be thread-safe; {@link #update} must run {@code fn} atomically with
 * respect to other updates of the same object.
 */
public interface ShardStorage {
  /** The stored object (live or tombstone), or null if it was never written. */
  StoredObject get(String objectId);

  /**
   * Atomically replaces the object with {@code fn(current)} ({@code current} may be null).
   * {@code fn} is applied exactly once, while no other update of the same object runs, so it may
   * publish the write's events (in version order). {@code fn} returning null removes the object;
   * throwing leaves it unchanged. Returns the new value.
   */
  StoredObject update(String objectId, UnaryOperator<StoredObject> fn);

  /** Live object ids in ascending order, starting after {@code afterExclusive} (null: from the start). */
  java.util.List<String> listIds(String prefix, String afterExclusive, int limit);

  /** Number of live objects. */
  long count();
}
