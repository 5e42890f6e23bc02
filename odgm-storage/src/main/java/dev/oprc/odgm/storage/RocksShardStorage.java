package dev.oprc.odgm.storage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.oprc.odgm.events.CorruptOutboxRecordException;
import dev.oprc.odgm.events.DurabilityGate;
import dev.oprc.odgm.events.OutboxRecord;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.ValData;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard's view of the {@link RocksStorageEngine}: reads by key prefix, one {@link WriteBatch}
 * per write (entries, metadata, live count, version floor and outbox records together), and a
 * bounded cache of decoded metadata with compiled triggers (Caffeine; written through under the
 * object's lock after each commit, so it never serves a stale version).
 *
 * <p>Thread-safe.
 */
final class RocksShardStorage extends StripedShardStorage implements ReloadableShardStorage {
  private static final Logger log = LoggerFactory.getLogger(RocksShardStorage.class);
  private static final byte META_FORMAT = 1;

  private final RocksStorageEngine engine;
  private final BatchCommitter committer;
  private final RocksDB db;
  private final byte[] prefix;
  private final byte[] countKey;
  private final Function<ObjectEvent, TriggerIndex> compiler;
  private final Cache<String, ObjectMeta> metaCache;
  private final AtomicLong live = new AtomicLong();
  private final LongAdder corruptRecords = new LongAdder();
  private final ChangeLog changeLog = new RocksChangeLog();
  /** Seqs up to here were trimmed by this node (seeks start after them, past the range tombstones). */
  private volatile long trimmedThrough;

  RocksShardStorage(RocksStorageEngine engine, BatchCommitter committer, byte[] prefix,
      Function<ObjectEvent, TriggerIndex> compiler, long metaCacheSize, long outboxMaxBytes) {
    super(outboxMaxBytes);
    this.engine = engine;
    this.committer = committer;
    this.db = engine.db();
    this.prefix = prefix;
    this.countKey = RocksKeys.count(prefix);
    this.compiler = compiler;
    this.metaCache = Caffeine.newBuilder().maximumSize(metaCacheSize).build();
    reopen();
  }

  @Override
  public void reload() {
    underAllLocks(() -> {
      metaCache.invalidateAll();
      reopen();
    });
  }

  /** Restores the live count, the stripes' version floors and the outbox totals. */
  private void reopen() {
    long[] floors = new long[STRIPES];
    byte[] fp = RocksKeys.floorPrefix(prefix);
    try (RocksIterator it = db.newIterator(engine.shardCf)) {
      for (it.seek(fp); it.isValid() && RocksKeys.startsWith(it.key(), fp); it.next()) {
        int stripe = ByteBuffer.wrap(it.key(), fp.length, 2).getShort() & 0xffff;
        if (stripe < STRIPES) {
          floors[stripe] = RocksKeys.readBe64(it.value(), 0);
        }
      }
      it.status();
      live.set(RocksKeys.readLe64(db.get(engine.shardCf, countKey)));
    } catch (RocksDBException e) {
      throw engine.failure("read", e);
    }
    long[] totals = {0, 0, 0}; // count, bytes, last seq
    scan(-1, Integer.MAX_VALUE, r -> {
      totals[0]++;
      totals[1] += r.sizeBytes();
      totals[2] = r.seq();
    });
    restore(floors, totals[2], totals[0], totals[1]);
    try {
      byte[] cs = db.get(engine.shardCf, RocksKeys.changeSeq(prefix));
      restoreChangeSeq(cs == null ? 0 : RocksKeys.readBe64(cs, 0));
    } catch (RocksDBException e) {
      throw engine.failure("read", e);
    }
  }

  @Override
  boolean seqAtApply() {
    return committer.seqAtApply();
  }

  // ------------------------------------------------------------------ reads

  @Override
  public ObjectMeta meta(String objectId) {
    return metaCache.get(objectId, this::readMeta);
  }

  private ObjectMeta readMeta(String objectId) {
    try {
      return decodeMeta(objectId, db.get(engine.metaCf, RocksKeys.meta(prefix, objectId)));
    } catch (RocksDBException e) {
      throw engine.failure("read", e);
    }
  }

  private ObjectMeta decodeMeta(String objectId, byte[] v) {
    if (v == null) {
      return null;
    }
    if (v.length < 13 || v[0] != META_FORMAT) {
      throw new StorageException("corrupt metadata of object '" + objectId + "' (" + v.length + " bytes)");
    }
    ByteBuffer b = ByteBuffer.wrap(v);
    b.get();
    long version = b.getLong();
    int count = b.getInt();
    TriggerIndex triggers = TriggerIndex.EMPTY;
    if (v.length > 13) {
      try {
        triggers = compiler.apply(ObjectEvent.parseFrom(ByteBuffer.wrap(v, 13, v.length - 13)));
      } catch (InvalidProtocolBufferException e) {
        throw new StorageException("corrupt triggers of object '" + objectId + "': " + e.getMessage(), e);
      }
    }
    return new ObjectMeta(version, count, triggers);
  }

  private static byte[] encodeMeta(ObjectMeta m) {
    byte[] ev = m.triggers() == TriggerIndex.EMPTY ? new byte[0] : m.triggers().sourceBytes();
    return ByteBuffer.allocate(13 + ev.length).put(META_FORMAT).putLong(m.version()).putInt(m.entryCount()).put(ev)
        .array();
  }

  @Override
  public ValData entry(String objectId, String key) {
    return loadEntry(objectId, key);
  }

  @Override
  ValData loadEntry(String objectId, String key) {
    try {
      byte[] v = db.get(engine.entriesCf, RocksKeys.entry(RocksKeys.entriesOf(prefix, objectId), key));
      return v == null ? null : ValData.parseFrom(v);
    } catch (RocksDBException e) {
      throw engine.failure("read", e);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("corrupt entry '" + key + "' of object '" + objectId + "'", e);
    }
  }

  @Override
  ObjectMeta loadMeta(String objectId) {
    return meta(objectId);
  }

  @Override
  SortedMap<String, ValData> loadEntries(String objectId) {
    try (ReadOptions ro = new ReadOptions()) {
      return readEntries(ro, objectId, null, null, Integer.MAX_VALUE, new TreeMap<>());
    }
  }

  private <M extends Map<String, ValData>> M readEntries(ReadOptions ro, String objectId, String keyPrefix,
      String after, int limit, M out) {
    byte[] ep = RocksKeys.entriesOf(prefix, objectId);
    byte[] from = RocksKeys.entry(ep, after != null && (keyPrefix == null || after.compareTo(keyPrefix) >= 0)
        ? after : keyPrefix == null ? "" : keyPrefix);
    try (RocksIterator it = db.newIterator(engine.entriesCf, ro)) {
      for (it.seek(from); it.isValid() && out.size() < limit && RocksKeys.startsWith(it.key(), ep); it.next()) {
        byte[] k = it.key();
        String key = new String(k, ep.length, k.length - ep.length, StandardCharsets.UTF_8);
        if (after != null && key.equals(after)) {
          continue;
        }
        if (keyPrefix != null && !key.startsWith(keyPrefix)) {
          break;
        }
        out.put(key, ValData.parseFrom(it.value()));
      }
      it.status();
    } catch (RocksDBException e) {
      throw engine.failure("read", e);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("corrupt entry of object '" + objectId + "'", e);
    }
    return out;
  }

  @Override
  public EntryRead read(String objectId, String key) {
    Snapshot snap = db.getSnapshot();
    try (ReadOptions ro = new ReadOptions().setSnapshot(snap)) {
      ObjectMeta m = decodeMeta(objectId, db.get(engine.metaCf, ro, RocksKeys.meta(prefix, objectId)));
      if (m == null) {
        return null;
      }
      byte[] v = db.get(engine.entriesCf, ro, RocksKeys.entry(RocksKeys.entriesOf(prefix, objectId), key));
      return new EntryRead(m, v == null ? null : ValData.parseFrom(v));
    } catch (RocksDBException e) {
      throw engine.failure("read", e);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("corrupt entry '" + key + "' of object '" + objectId + "'", e);
    } finally {
      db.releaseSnapshot(snap);
    }
  }

  @Override
  public ObjectView view(String objectId) {
    Snapshot snap = db.getSnapshot();
    try (ReadOptions ro = new ReadOptions().setSnapshot(snap)) {
      ObjectMeta m = decodeMeta(objectId, db.get(engine.metaCf, ro, RocksKeys.meta(prefix, objectId)));
      if (m == null) {
        return null;
      }
      return new ObjectView(m, readEntries(ro, objectId, null, null, Integer.MAX_VALUE, new TreeMap<>()));
    } catch (RocksDBException e) {
      throw engine.failure("read", e);
    } finally {
      db.releaseSnapshot(snap);
    }
  }

  @Override
  public List<Map.Entry<String, ValData>> entries(String objectId, String keyPrefix, String after, int limit) {
    try (ReadOptions ro = new ReadOptions()) {
      return new ArrayList<>(readEntries(ro, objectId, keyPrefix, after, limit,
          new java.util.LinkedHashMap<>()).entrySet());
    }
  }

  @Override
  public List<Map.Entry<String, ObjectMeta>> list(String idPrefix, String after, int limit) {
    String fromId = after != null && (idPrefix == null || after.compareTo(idPrefix) >= 0) ? after
        : idPrefix == null ? "" : idPrefix;
    List<Map.Entry<String, ObjectMeta>> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(engine.metaCf)) {
      for (it.seek(RocksKeys.meta(prefix, fromId)); it.isValid() && out.size() < limit
          && RocksKeys.startsWith(it.key(), prefix); it.next()) {
        byte[] k = it.key();
        String id = new String(k, prefix.length, k.length - prefix.length, StandardCharsets.UTF_8);
        if (after != null && id.equals(after)) {
          continue;
        }
        if (idPrefix != null && !id.startsWith(idPrefix)) {
          break;
        }
        out.add(Map.entry(id, decodeMeta(id, it.value())));
      }
      it.status();
    } catch (RocksDBException e) {
      throw engine.failure("read", e);
    }
    return out;
  }

  @Override
  public long count() {
    return live.get();
  }

  // ------------------------------------------------------------------ writes

  @Override
  long commit(String objectId, Staged w, int stripe, long floor) {
    try (WriteBatch b = new WriteBatch()) {
      byte[] ep = RocksKeys.entriesOf(prefix, objectId);
      if (w.deleteVersion > 0) {
        b.delete(engine.metaCf, RocksKeys.meta(prefix, objectId));
        b.deleteRange(engine.entriesCf, ep, RocksKeys.after(ep));
        b.put(engine.shardCf, RocksKeys.floor(prefix, stripe), RocksKeys.be64(floor));
      } else if (w.after != null) {
        for (Map.Entry<String, ValData> e : w.puts.entrySet()) {
          b.put(engine.entriesCf, RocksKeys.entry(ep, e.getKey()), e.getValue().toByteArray());
        }
        for (String k : w.removes) {
          b.delete(engine.entriesCf, RocksKeys.entry(ep, k));
        }
        b.put(engine.metaCf, RocksKeys.meta(prefix, objectId), encodeMeta(w.after));
      }
      int delta = w.liveDelta();
      if (delta != 0) {
        b.merge(engine.shardCf, countKey, RocksKeys.le64(delta));
      }
      for (OutboxRecord r : w.records) {
        b.put(engine.outboxCf, RocksKeys.outbox(prefix, r.seq()), r.encode());
      }
      if (w.change != null) {
        stageChange(b, w);
      }
      long ticket = committer.commit(b);
      applyCommitted(objectId, w, delta);
      return ticket;
    } catch (RocksDBException e) {
      throw engine.failure("write", e);
    }
  }

  private void stageChange(WriteBatch b, Staged w) throws RocksDBException {
    if (w.changeSeq > 0) {
      b.put(engine.changesCf, RocksKeys.change(prefix, w.changeSeq), w.change);
      b.put(engine.shardCf, RocksKeys.changeSeq(prefix), RocksKeys.be64(w.changeSeq));
    } else {
      b.putLogData(ChangeLogData.encode(prefix, w.change)); // each replica's apply gives it its seq
    }
  }

  private void applyCommitted(String objectId, Staged w, int delta) {
    if (w.deleteVersion > 0) {
      metaCache.invalidate(objectId);
    } else if (w.after != null) {
      metaCache.put(objectId, w.after);
    }
    live.addAndGet(delta);
  }

  @Override
  public DurabilityGate durability() {
    return committer.gate();
  }

  // ------------------------------------------------------------------ change log

  @Override
  public ChangeLog changeLog() {
    return changeLog;
  }

  /** The {@code changes} column family's keys of this shard, and the last seq of the shard column family. */
  private final class RocksChangeLog implements ChangeLog {
    private static final int SIZE_SAMPLE = 32;

    @Override
    public long lastSeq() {
      if (!seqAtApply()) {
        return lastChangeSeq();
      }
      try { // numbered by the replicated apply: what this replica's database holds
        byte[] v = db.get(engine.shardCf, RocksKeys.changeSeq(prefix));
        return v == null ? 0 : RocksKeys.readBe64(v, 0);
      } catch (RocksDBException e) {
        throw engine.failure("change log read", e);
      }
    }

    @Override
    public long durableSeq() {
      long last = lastSeq();
      committer.syncNow(); // every commit so far, so the one of {@code last} too
      return last;
    }

    @Override
    public long oldestSeq() {
      long last = lastSeq();
      long[] first = {last + 1};
      scan(trimmedThrough, last, 1, (seq, body) -> {
        first[0] = seq;
        return false;
      });
      return first[0];
    }

    @Override
    public int scan(long afterSeq, long throughSeq, int max, Visitor v) {
      int n = 0;
      try (RocksIterator it = db.newIterator(engine.changesCf)) {
        for (it.seek(RocksKeys.change(prefix, Math.max(0, afterSeq + 1))); it.isValid() && n < max; it.next()) {
          byte[] k = it.key();
          if (!RocksKeys.startsWith(k, prefix) || k.length != prefix.length + 8) {
            break;
          }
          long seq = RocksKeys.readBe64(k, prefix.length);
          if (seq > throughSeq) {
            break;
          }
          n++;
          if (!v.visit(seq, it.value())) {
            break;
          }
        }
        it.status();
      } catch (RocksDBException e) {
        throw engine.failure("change log read", e);
      }
      return n;
    }

    @Override
    public void trimThrough(long seq) {
      try (WriteBatch b = new WriteBatch()) {
        b.deleteRange(engine.changesCf, RocksKeys.change(prefix, 0), RocksKeys.change(prefix, seq + 1));
        committer.retire(b); // unsynced (raft: through the log, so every replica trims alike)
        trimmedThrough = Math.max(trimmedThrough, seq);
      } catch (RocksDBException e) {
        throw engine.failure("change log trim", e);
      }
    }

    /** The retained count times the mean size of the oldest few (stable under unreclaimed tombstones). */
    @Override
    public long approximateBytes() {
      long last = lastSeq();
      long[] sample = {0, 0, last + 1}; // events, bytes, oldest
      scan(trimmedThrough, last, SIZE_SAMPLE, (seq, body) -> {
        sample[2] = Math.min(sample[2], seq);
        sample[0]++;
        sample[1] += body.length + prefix.length + 8;
        return true;
      });
      return sample[0] == 0 ? 0 : (last - sample[2] + 1) * (sample[1] / sample[0]);
    }
  }

  // ------------------------------------------------------------------ outbox

  @Override
  public int scan(long afterSeq, int max, Consumer<OutboxRecord> sink) {
    byte[] upper = RocksKeys.outbox(prefix, Long.MAX_VALUE);
    List<Long> corrupt = new ArrayList<>();
    long corruptBytes = 0;
    int n = 0;
    try (RocksIterator it = db.newIterator(engine.outboxCf)) {
      // corrupt records count toward max too: a short batch must mean the end of the outbox
      for (it.seek(RocksKeys.outbox(prefix, Math.max(0, afterSeq + 1))); it.isValid() && n + corrupt.size() < max;
          it.next()) {
        byte[] k = it.key();
        if (!RocksKeys.startsWith(k, prefix) || java.util.Arrays.compare(k, upper) > 0 || k.length != prefix.length + 8) {
          break;
        }
        long seq = RocksKeys.readBe64(k, prefix.length);
        OutboxRecord r;
        try {
          r = OutboxRecord.decode(seq, it.value());
        } catch (CorruptOutboxRecordException e) {
          corruptRecords.increment();
          log.warn("deleting an outbox record that cannot be delivered: {}", e.getMessage());
          corrupt.add(seq);
          corruptBytes += it.value().length + 24;
          continue;
        }
        sink.accept(r);
        n++;
      }
      it.status(); // an I/O error must not look like the end of the outbox
    } catch (RocksDBException e) {
      throw engine.failure("outbox read", e);
    }
    if (!corrupt.isEmpty()) {
      long[] seqs = corrupt.stream().mapToLong(Long::longValue).toArray();
      delete(seqs, seqs.length);
      pendingCount.addAndGet(-seqs.length); // (at open, the totals are restored after this scan)
      pendingBytes.addAndGet(-corruptBytes);
    }
    return n + corrupt.size();
  }

  @Override
  int delete(long[] seqs, int n) {
    long[] sorted = java.util.Arrays.copyOf(seqs, n);
    java.util.Arrays.sort(sorted);
    try (WriteBatch b = new WriteBatch()) {
      // records retire mostly in seq order: one range tombstone per run keeps the queue cheap to seek
      int i = 0;
      while (i < n) {
        int j = i;
        while (j + 1 < n && sorted[j + 1] == sorted[j] + 1) {
          j++;
        }
        if (j > i) {
          b.deleteRange(engine.outboxCf, RocksKeys.outbox(prefix, sorted[i]), RocksKeys.outbox(prefix, sorted[j] + 1));
        } else {
          b.delete(engine.outboxCf, RocksKeys.outbox(prefix, sorted[i]));
        }
        i = j + 1;
      }
      committer.retire(b); // unsynced: a crash re-delivers, under the same ids
      return n;
    } catch (RocksDBException e) {
      throw engine.failure("outbox retire", e);
    }
  }

  @Override
  public void makeDurable() {
    committer.syncNow();
  }

  @Override
  public long oldestCreatedAtMillis() {
    long[] oldest = {-1};
    scan(-1, 1, r -> oldest[0] = r.createdAtMillis());
    return oldest[0];
  }

  /** Outbox records found unreadable (and deleted) since open. */
  long corruptRecords() {
    return corruptRecords.sum();
  }

  @Override
  public void close() {
    metaCache.invalidateAll();
  }
}
