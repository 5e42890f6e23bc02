package dev.oprc.odgm.events;

import java.util.function.Consumer;

/**
 * The durable side of a shard's outbox, as the {@link OutboxDispatcher} sees it: records are
 * added by the shard's write batches (not through this interface), read back in seq order after
 * an overflow or a restart, and deleted once delivered.
 *
 * <p>Implementations must be thread-safe; the dispatcher calls them from its own thread.
 */
public interface OutboxStore {
  /**
   * Calls {@code sink} with up to {@code max} committed records whose seq is greater than
   * {@code afterSeq}, in ascending seq order; returns how many it passed. A record that cannot be
   * decoded is skipped, counted by the store and deleted (it can never be delivered).
   */
  int scan(long afterSeq, int max, Consumer<OutboxRecord> sink);

  /**
   * Deletes the records {@code seqs[0..n)} whose {@link OutboxRecord#sizeBytes()} are
   * {@code sizes[0..n)}; absent ones are ignored.
   */
  void retire(long[] seqs, int[] sizes, int n);

  /** Makes every committed write durable before returning (a WAL sync; no-op when in memory). */
  void makeDurable();

  /** Records currently stored. */
  long pendingCount();

  /** Bytes currently stored, as {@link OutboxRecord#sizeBytes()} counts them. */
  long pendingBytes();

  /** The commit time of the oldest stored record, or -1 when the outbox is empty. */
  long oldestCreatedAtMillis();
}
