package dev.oprc.odgm.storage;

import dev.oprc.odgm.events.OutboxRecord;
import dev.oprc.odgm.events.OutboxStore;
import dev.oprc.odgm.proto.ValData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What both engines share: per-object serialization by lock stripes, version floors per stripe
 * (so a re-created object continues above every version a deleted object of its stripe had,
 * without keeping deleted ids), the staged write, and the outbox's seq and size accounting.
 * Engines implement the reads and one atomic {@link #commit}.
 *
 * <p>Thread-safe. A stripe's floor is read and written only under that stripe's lock, and a
 * stripe's commits happen under it too, so floors are persisted in order.
 */
abstract class StripedShardStorage implements ShardStorage, OutboxStore {
  static final int STRIPES = 128;

  private final Object[] locks = new Object[STRIPES];
  /** Highest version of a deleted object, per stripe; guarded by the stripe's lock. */
  private final long[] floors = new long[STRIPES];
  private final long outboxMaxBytes;
  private final AtomicLong nextSeq = new AtomicLong();
  protected final AtomicLong pendingCount = new AtomicLong();
  protected final AtomicLong pendingBytes = new AtomicLong();
  /** Orders change-log commits: seq order is commit order (a reader never sees seq n+1 before n). */
  private final Object changeLock = new Object();
  private long changeSeq; // guarded by changeLock: the last committed change seq
  private volatile ChangeSink changeSink = ChangeSink.NONE;

  StripedShardStorage(long outboxMaxBytes) {
    this.outboxMaxBytes = outboxMaxBytes;
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new Object();
    }
  }

  static int stripe(String objectId) {
    int h = objectId.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }

  /** Called by engines while opening: the persisted floors, last seq and outbox totals. */
  void restore(long[] persistedFloors, long lastSeq, long count, long bytes) {
    System.arraycopy(persistedFloors, 0, floors, 0, STRIPES);
    nextSeq.set(lastSeq);
    pendingCount.set(count);
    pendingBytes.set(bytes);
  }

  /** Called by engines while opening: the last committed change seq. */
  final void restoreChangeSeq(long seq) {
    synchronized (changeLock) {
      changeSeq = seq;
    }
  }

  /** The last change seq this shard committed (0: none). */
  final long lastChangeSeq() {
    synchronized (changeLock) {
      return changeSeq;
    }
  }

  @Override
  public void onChanges(ChangeSink sink) {
    changeSink = java.util.Objects.requireNonNull(sink, "sink");
  }

  /** True when change seqs are assigned where a replicated batch is applied, not here. */
  boolean seqAtApply() {
    return false;
  }

  /** Runs {@code r} holding every stripe's lock: no write runs meanwhile, and writes in progress finish first. */
  final void underAllLocks(Runnable r) {
    lockFrom(0, r);
  }

  private void lockFrom(int i, Runnable r) {
    if (i == STRIPES) {
      r.run();
      return;
    }
    synchronized (locks[i]) {
      lockFrom(i + 1, r);
    }
  }

  // ------------------------------------------------------------------ engine primitives

  abstract ObjectMeta loadMeta(String objectId);

  abstract ValData loadEntry(String objectId, String key);

  abstract SortedMap<String, ValData> loadEntries(String objectId);

  /**
   * Applies {@code w} atomically (records already carry their seqs; {@code floor} is the stripe's
   * new floor when the write deletes the object, else -1), with its change event {@code w.change}
   * under {@code w.changeSeq} (0: the seq is assigned where the batch is applied). Returns the
   * durability ticket.
   */
  abstract long commit(String objectId, Staged w, int stripe, long floor);

  // ------------------------------------------------------------------ write

  @Override
  public final <R> Committed<R> write(String objectId, Mutation<R> mutation, CommitListener listener) {
    int s = stripe(objectId);
    long ticket;
    R result;
    synchronized (locks[s]) {
      Staged w = new Staged(objectId, loadMeta(objectId), floors[s]);
      try {
        result = mutation.apply(w);
      } catch (RuntimeException | Error e) {
        w.release();
        throw e;
      }
      if (w.isEmpty()) {
        listener.committed(List.of(), 0); // nothing written, but what it matched (and dropped) is counted
        return Committed.durable(result);
      }
      long floor = w.deleteVersion > 0 ? Math.max(floors[s], w.deleteVersion) : -1;
      for (int i = 0; i < w.records.size(); i++) {
        w.records.set(i, w.records.get(i).withSeq(nextSeq.incrementAndGet()));
      }
      pendingCount.addAndGet(w.records.size()); // before the records are visible to a scan
      try {
        ticket = w.change != null && !seqAtApply() ? commitChange(objectId, w, s, floor) : commit(objectId, w, s, floor);
      } catch (RuntimeException e) {
        pendingCount.addAndGet(-w.records.size());
        w.release();
        throw e;
      }
      if (floor >= 0) {
        floors[s] = floor;
      }
      listener.committed(w.records, ticket);
    }
    return new Committed<>(result, durability(), ticket);
  }

  /** Commits a write with a change event: the next seq, in the same batch, in seq order. */
  private long commitChange(String objectId, Staged w, int s, long floor) {
    ChangeSink sink = changeSink;
    long ticket;
    synchronized (changeLock) {
      w.changeSeq = changeSeq + 1;
      ticket = commit(objectId, w, s, floor);
      changeSeq = w.changeSeq;
      sink.committed(w.change, w.changeSeq, ticket);
    }
    sink.signal(ticket); // outside the partition's order: a wake-up is a system call the other writers need not wait for
    return ticket;
  }

  // ------------------------------------------------------------------ outbox accounting

  @Override
  public final OutboxStore outbox() {
    return this;
  }

  @Override
  public final long pendingCount() {
    return pendingCount.get();
  }

  @Override
  public final long pendingBytes() {
    return pendingBytes.get();
  }

  @Override
  public final void retire(long[] seqs, int[] sizes, int n) {
    int removed = delete(seqs, n);
    long bytes = 0;
    for (int i = 0; i < n; i++) {
      bytes += sizes[i];
    }
    pendingCount.addAndGet(-removed);
    pendingBytes.addAndGet(-bytes);
  }

  /** Deletes stored records; returns how many existed. */
  abstract int delete(long[] seqs, int n);

  private boolean reserve(int bytes) {
    while (true) {
      long cur = pendingBytes.get();
      if (cur + bytes > outboxMaxBytes) {
        return false;
      }
      if (pendingBytes.compareAndSet(cur, cur + bytes)) {
        return true;
      }
    }
  }

  /** A write being staged: the {@link WriteTxn} handed to a mutation. */
  final class Staged implements WriteTxn {
    final String objectId;
    final ObjectMeta before;
    final long floor;
    final Map<String, ValData> puts = new LinkedHashMap<>(4);
    final Set<String> removes = new LinkedHashSet<>(2);
    final List<OutboxRecord> records = new ArrayList<>(2);
    ObjectMeta after;
    long deleteVersion;
    byte[] change; // the write's change event body, or null
    long changeSeq; // assigned at commit (0: at apply, or none)
    private long reserved;

    Staged(String objectId, ObjectMeta before, long floor) {
      this.objectId = objectId;
      this.before = before;
      this.floor = floor;
    }

    boolean isEmpty() {
      return after == null && deleteVersion == 0 && records.isEmpty();
    }

    void release() {
      if (reserved > 0) {
        pendingBytes.addAndGet(-reserved);
        reserved = 0;
      }
    }

    /** +1 when the write creates the object, -1 when it deletes it, else 0. */
    int liveDelta() {
      if (deleteVersion > 0) {
        return before != null ? -1 : 0;
      }
      return before == null && after != null ? 1 : 0;
    }

    @Override
    public ObjectMeta meta() {
      return before;
    }

    @Override
    public long nextVersion() {
      return (before != null ? before.version() : floor) + 1;
    }

    @Override
    public ValData get(String key) {
      return before == null ? null : loadEntry(objectId, key);
    }

    @Override
    public SortedMap<String, ValData> entries() {
      return before == null ? new java.util.TreeMap<>() : loadEntries(objectId);
    }

    @Override
    public void put(String key, ValData value) {
      removes.remove(key);
      puts.put(key, value);
    }

    @Override
    public void remove(String key) {
      puts.remove(key);
      removes.add(key);
    }

    @Override
    public void setMeta(ObjectMeta meta) {
      this.after = meta;
    }

    @Override
    public void deleteObject(long version) {
      this.deleteVersion = version;
      this.after = null;
    }

    @Override
    public void stageChange(byte[] body) {
      this.change = java.util.Objects.requireNonNull(body, "body");
    }

    @Override
    public boolean addOutbox(OutboxRecord record) {
      int size = record.sizeBytes();
      if (!reserve(size)) {
        return false;
      }
      reserved += size;
      records.add(record);
      return true;
    }
  }
}
