package dev.oprc.odgm.storage;

import dev.oprc.odgm.events.OutboxRecord;
import dev.oprc.odgm.events.OutboxSink;
import dev.oprc.odgm.proto.ValData;
import java.util.SortedMap;

/**
 * One write of one object, staged while the object's lock is held and committed as one atomic
 * batch: entry puts and removes, the new metadata (or the object's deletion), and the write's
 * outbox records (it is the {@link OutboxSink} the write's events are staged into). Reads return
 * the state before the write.
 *
 * <p>Not thread-safe: used by the writing thread inside {@link ShardStorage#write} only.
 */
public interface WriteTxn extends OutboxSink {
  /** The object's metadata before this write, or null when it does not exist. */
  ObjectMeta meta();

  /**
   * The version this write gives the object: its version + 1, or, for an object that does not
   * exist, one more than any version a deleted object of the same lock stripe had (so versions
   * of re-created objects never go back while deleted ids are not remembered).
   */
  long nextVersion();

  /** The entry's value before this write, or null. */
  ValData get(String key);

  /** Every entry before this write, in key order. */
  SortedMap<String, ValData> entries();

  void put(String key, ValData value);

  void remove(String key);

  /** Sets the object's metadata after this write (required unless {@link #deleteObject}). */
  void setMeta(ObjectMeta meta);

  /** Deletes the object and every entry; {@code version} is its last version (the delete's). */
  void deleteObject(long version);

  /**
   * Adds an outbox record to the batch; false (nothing added) when the outbox has no room for it.
   * The record's seq is assigned at commit.
   */
  @Override
  boolean addOutbox(OutboxRecord record);
}
