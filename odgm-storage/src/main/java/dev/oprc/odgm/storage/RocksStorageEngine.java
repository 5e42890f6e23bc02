package dev.oprc.odgm.storage;

import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.proto.ObjectEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;
import org.rocksdb.UInt64AddOperator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The node's RocksDB database ({@code ODGM_DATA_DIR}): one database for all of the node's shards,
 * so every shard's writes share one WAL and one group-commit fsync. Column families: {@code meta}
 * (object metadata and triggers), {@code entries} (one key per entry), {@code outbox} (event
 * records), {@code shard} (live counts, version floors, last change seqs), {@code changes} (each
 * shard's change log). Every key starts with the shard's prefix
 * (collection name, NUL, partition as 4 big-endian bytes); layouts are in {@link RocksKeys}.
 *
 * <p>Opening never repairs or wipes anything: a directory that cannot be opened fails with one
 * {@link DataDirException} naming the path.
 *
 * <p>Thread-safe. Owns the database and the {@code odgm-wal-sync} thread; close it after the shards.
 */
public final class RocksStorageEngine implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final SyncMode sync;
  private final RocksDB db;
  private final DBOptions dbOptions;
  private final List<ColumnFamilyOptions> cfOptions = new ArrayList<>();
  private final List<ColumnFamilyHandle> handles = new ArrayList<>();
  private final LRUCache blockCache;
  private boolean closed; // guarded by this: stats() must not read a closed database
  private final UInt64AddOperator addOperator;
  final ColumnFamilyHandle metaCf;
  final ColumnFamilyHandle entriesCf;
  final ColumnFamilyHandle outboxCf;
  final ColumnFamilyHandle shardCf;
  final ColumnFamilyHandle changesCf;
  /** Last change seq per shard prefix (ISO-8859-1 string), as the replicated apply assigns them; apply thread only. */
  private final java.util.Map<String, Long> appliedChangeSeqs = new java.util.concurrent.ConcurrentHashMap<>();
  final WriteOptions writeOptions;
  final WriteOptions retireOptions;
  private final WalSyncer syncer; // GROUP only
  private final BatchCommitter local = new LocalCommitter();
  /** Key (default column family) of the last applied replicated-log position. */
  private static final byte[] APPLIED_KEY = "raft.applied".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  /** {@link #open(Path, SyncMode, long)}'s default budget (ODGM_ROCKSDB_MEMORY_BYTES). */
  public static final long DEFAULT_MEMORY_BYTES = 32L << 20;
  /** The smallest budget accepted. */
  public static final long MIN_MEMORY_BYTES = 4L << 20;

  private RocksStorageEngine(Path dir, SyncMode sync, long memoryBytes) {
    this.dir = dir;
    this.sync = sync;
    this.blockCache = new LRUCache(memoryBytes / 2);
    this.addOperator = new UInt64AddOperator();
    this.dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
        .setMaxBackgroundJobs(2).setDbWriteBufferSize(memoryBytes / 2).setKeepLogFileNum(4)
        .setInfoLogLevel(org.rocksdb.InfoLogLevel.WARN_LEVEL);
    List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
    for (String name : new String[] {"default", "meta", "entries", "outbox", "shard", "changes"}) {
      // LZ4 instead of the default Snappy costs less CPU per flush and compaction on 2 cores; the
      // outbox is a short-lived queue (most records die in the memtable): not compressed at all
      ColumnFamilyOptions o = new ColumnFamilyOptions().setWriteBufferSize(memoryBytes / 8)
          .setCompressionType(name.equals("outbox") ? org.rocksdb.CompressionType.NO_COMPRESSION
              : org.rocksdb.CompressionType.LZ4_COMPRESSION)
          .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(blockCache));
      if (name.equals("shard")) {
        o.setMergeOperator(addOperator);
      }
      cfOptions.add(o);
      cfs.add(new ColumnFamilyDescriptor(name.getBytes(java.nio.charset.StandardCharsets.UTF_8), o));
    }
    try {
      this.db = RocksDB.open(dbOptions, dir.toString(), cfs, handles);
    } catch (RocksDBException e) {
      closeOptions();
      throw new DataDirException("cannot open data dir '" + dir + "': " + describe(e), e);
    }
    checkColumnFamilyIds();
    this.metaCf = handles.get(1);
    this.entriesCf = handles.get(2);
    this.outboxCf = handles.get(3);
    this.shardCf = handles.get(4);
    this.changesCf = handles.get(5);
    this.writeOptions = new WriteOptions().setSync(sync == SyncMode.ALWAYS);
    this.retireOptions = new WriteOptions().setSync(false);
    this.syncer = sync == SyncMode.GROUP ? new WalSyncer(db) : null;
  }

  /** Replicas apply each other's serialized batches, which name column families by id: ids must be the creation order. */
  private void checkColumnFamilyIds() {
    for (int i = 0; i < handles.size(); i++) {
      if (handles.get(i).getID() != i) {
        int id = handles.get(i).getID();
        closeHandlesAndDb();
        closeOptions();
        throw new DataDirException("data dir '" + dir + "': column family " + i + " has id " + id
            + "; expected the fixed creation order", null);
      }
    }
  }

  /** {@link #open(Path, SyncMode, long)} with {@link #DEFAULT_MEMORY_BYTES}. */
  public static RocksStorageEngine open(Path dir, SyncMode sync) {
    return open(dir, sync, DEFAULT_MEMORY_BYTES);
  }

  /**
   * Opens (creating if needed) the database in {@code dir}. {@code memoryBytes} is split between
   * the memtables (half, at most an eighth per column family) and the block cache (half). Small
   * memtables are deliberate: every write inserts into a skip list whose depth grows with the
   * memtable, and with 32 MiB per column family those inserts were 12 % of a write's CPU; 4 MiB
   * memtables took a write from 0.50 to 0.30 CPU-s per 10k (benchmarks/results/load/).
   *
   * @throws DataDirException naming {@code dir} when it cannot be created, is not a directory, is
   *                          locked by another process, or is corrupt
   */
  public static RocksStorageEngine open(Path dir, SyncMode sync, long memoryBytes) {
    if (memoryBytes < MIN_MEMORY_BYTES) {
      throw new IllegalArgumentException("memoryBytes " + memoryBytes + " is below " + MIN_MEMORY_BYTES);
    }
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(sync, "sync");
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new DataDirException("cannot open data dir '" + dir + "': it is not a directory", null);
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new DataDirException("cannot create data dir '" + dir + "': " + e, e);
    }
    return new RocksStorageEngine(dir, sync, memoryBytes);
  }

  public Path dir() {
    return dir;
  }

  public SyncMode syncMode() {
    return sync;
  }

  /**
   * The storage of one shard. {@code compiler} rebuilds an object's {@link TriggerIndex} from its
   * stored {@link ObjectEvent}; up to {@code metaCacheSize} objects' metadata (with compiled
   * triggers) are cached.
   */
  public ShardStorage shard(String collection, int partition, Function<ObjectEvent, TriggerIndex> compiler,
      long metaCacheSize, long outboxMaxBytes) {
    return new RocksShardStorage(this, local, RocksKeys.shardPrefix(collection, partition), compiler, metaCacheSize,
        outboxMaxBytes);
  }

  /**
   * The storage of one shard whose batches go through {@code committer} instead of straight to
   * this database (a replicated shard: the committer appends them to a log, and every replica
   * applies them with {@link #applyReplicated}).
   */
  public ReloadableShardStorage shard(String collection, int partition, Function<ObjectEvent, TriggerIndex> compiler,
      long metaCacheSize, long outboxMaxBytes, BatchCommitter committer) {
    Objects.requireNonNull(committer, "committer");
    return new RocksShardStorage(this, committer, RocksKeys.shardPrefix(collection, partition), compiler,
        metaCacheSize, outboxMaxBytes);
  }

  /**
   * Applies a serialized {@link WriteBatch} ({@link WriteBatch#data()} of a batch a shard of an
   * engine with the same column families built) taken from a replicated log at {@code pos},
   * together with {@code pos} itself in one atomic write. Unsynced: the log is the durable copy,
   * and entries after {@link #appliedPosition()} are re-applied from it after a crash. The batch's
   * change events ({@code LogData} records of {@link ChangeLogData}) are written to their shards'
   * change logs in the same write, each under its shard's next seq: every replica applies the same
   * log in the same order, so every replica assigns the same seqs. Returns them, in order.
   */
  public List<AppliedChange> applyReplicated(byte[] batchData, LogPosition pos) {
    List<ChangeLogData.Found> found = ChangeLogData.find(batchData);
    try (WriteBatch b = new WriteBatch(batchData)) {
      List<AppliedChange> applied = found.isEmpty() ? List.of() : assignSeqs(b, found);
      b.put(APPLIED_KEY, ByteBuffer.allocate(16).putLong(pos.term()).putLong(pos.index()).array());
      db.write(retireOptions, b);
      for (AppliedChange c : applied) { // only once written: a failed apply assigned nothing
        appliedChangeSeqs.put(c.prefixKey, c.seq());
      }
      return applied;
    } catch (RocksDBException e) {
      throw failure("replicated apply", e);
    }
  }

  private List<AppliedChange> assignSeqs(WriteBatch b, List<ChangeLogData.Found> found) throws RocksDBException {
    java.util.Map<String, Long> next = new java.util.HashMap<>();
    List<AppliedChange> out = new ArrayList<>(found.size());
    for (ChangeLogData.Found f : found) {
      String pk = new String(f.prefix(), java.nio.charset.StandardCharsets.ISO_8859_1);
      long seq = next.containsKey(pk) ? next.get(pk) + 1 : lastChangeSeq(pk, f.prefix()) + 1;
      next.put(pk, seq);
      b.put(changesCf, RocksKeys.change(f.prefix(), seq), f.body());
      out.add(new AppliedChange(pk, f.prefix(), f.body(), seq));
    }
    for (java.util.Map.Entry<String, Long> e : next.entrySet()) {
      b.put(shardCf, RocksKeys.changeSeq(e.getKey().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)),
          RocksKeys.be64(e.getValue()));
    }
    return out;
  }

  private long lastChangeSeq(String prefixKey, byte[] prefix) throws RocksDBException {
    Long known = appliedChangeSeqs.get(prefixKey);
    if (known != null) {
      return known;
    }
    byte[] v = db.get(shardCf, RocksKeys.changeSeq(prefix));
    return v == null ? 0 : RocksKeys.readBe64(v, 0);
  }

  /**
   * A change event a replicated apply wrote: its shard (collection, partition), body and seq.
   *
   * <p>Immutable.
   */
  @SuppressWarnings("ArrayRecordComponent") // handed on as they are, never modified
  public record AppliedChange(String prefixKey, byte[] prefix, byte[] body, long seq) {
    /** The shard's collection. */
    public String collection() {
      int nul = prefixKey.indexOf('\0');
      return new String(prefix, 0, nul, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The shard's partition. */
    public int partition() {
      return ByteBuffer.wrap(prefix, prefix.length - 4, 4).getInt();
    }
  }

  /** The position stored by the last {@link #applyReplicated}, or {@link LogPosition#NONE}. */
  public LogPosition appliedPosition() {
    try {
      byte[] v = db.get(APPLIED_KEY);
      if (v == null) {
        return LogPosition.NONE;
      }
      ByteBuffer b = ByteBuffer.wrap(v);
      return new LogPosition(b.getLong(), b.getLong());
    } catch (RocksDBException e) {
      throw failure("read", e);
    }
  }

  /** Writes a consistent copy of the database (hard-linked SST files) into the new directory {@code target}. */
  public void checkpoint(Path target) {
    try (org.rocksdb.Checkpoint cp = org.rocksdb.Checkpoint.create(db)) {
      cp.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw failure("checkpoint", e);
    }
  }

  /**
   * Replaces the whole content of this database by that of the database (a {@link #checkpoint})
   * in {@code source}: every key of every column family is deleted, then the source's keys are
   * copied. The database instance, its column family ids and the shards on it stay as they are
   * (shards must then {@link ReloadableShardStorage#reload()}).
   */
  public void replaceContentsFrom(Path source) {
    appliedChangeSeqs.clear(); // re-read from the new content
    try (RocksStorageEngine src = open(source, SyncMode.NONE)) {
      for (int i = 0; i < handles.size(); i++) {
        copyColumnFamily(src.db, src.handles.get(i), handles.get(i));
      }
      db.syncWal();
    } catch (RocksDBException e) {
      throw failure("snapshot install", e);
    }
  }

  private void copyColumnFamily(RocksDB from, ColumnFamilyHandle fromCf, ColumnFamilyHandle toCf)
      throws RocksDBException {
    try (WriteBatch del = new WriteBatch(); org.rocksdb.RocksIterator it = db.newIterator(toCf)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        del.delete(toCf, it.key());
      }
      it.status();
      db.write(retireOptions, del);
    }
    WriteBatch b = new WriteBatch();
    try (org.rocksdb.RocksIterator it = from.newIterator(fromCf)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        b.put(toCf, it.key(), it.value());
        if (b.getDataSize() > (4 << 20)) {
          db.write(retireOptions, b);
          b.close();
          b = new WriteBatch();
        }
      }
      it.status();
      db.write(retireOptions, b);
    } finally {
      b.close();
    }
  }

  /** Compacts every column family now (drops deleted data from disk); blocks until done. */
  public void compact() {
    try (org.rocksdb.FlushOptions fo = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
      db.flush(fo, handles); // memtables to SST first, so the WAL they pinned can go
      for (ColumnFamilyHandle h : handles) {
        db.compactRange(h);
      }
    } catch (RocksDBException e) {
      throw failure("compaction", e);
    }
  }

  /** Bytes of the data dir's files (SST, WAL, manifest). */
  public long diskBytes() {
    long[] total = {0};
    try {
      Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
        @Override
        public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a) {
          total[0] += a.isRegularFile() ? a.size() : 0;
          return java.nio.file.FileVisitResult.CONTINUE;
        }

        @Override
        public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) {
          return java.nio.file.FileVisitResult.CONTINUE; // deleted by a compaction while listed: not on disk
        }
      });
      return total[0];
    } catch (IOException e) {
      throw new StorageException("cannot list data dir '" + dir + "': " + e, e);
    }
  }

  RocksDB db() {
    return db;
  }

  /**
   * Observes the duration of each group sync of the WAL (sync mode {@code group}; never called
   * otherwise), in nanoseconds, on the sync thread: it must not block. For metrics.
   */
  public void onWalSync(java.util.function.LongConsumer durationNanos) {
    if (syncer != null) {
      syncer.onSync(durationNanos);
    }
  }

  /**
   * What the database reports about itself for {@code /metrics}: memory of the memtables and the
   * block cache, compaction debt, time writers were stalled. Zeros once closed.
   */
  public synchronized EngineStats stats() {
    if (closed) {
      return new EngineStats(0, 0, 0, 0);
    }
    try {
      return new EngineStats(db.getAggregatedLongProperty("rocksdb.cur-size-all-mem-tables"),
          blockCache.getUsage(), db.getAggregatedLongProperty("rocksdb.estimate-pending-compaction-bytes"),
          stallMicros(db.getProperty("rocksdb.dbstats")));
    } catch (RocksDBException e) {
      throw failure("stats", e);
    }
  }

  /**
   * The "Cumulative stall: H:MM:SS.sss H:M:S" of RocksDB's DB stats, in microseconds (0 when absent):
   * read at scrape time, where {@code Statistics} would count on every write.
   */
  static long stallMicros(String dbStats) {
    java.util.regex.Matcher m = STALL.matcher(dbStats);
    if (!m.find()) {
      return 0;
    }
    double seconds = Long.parseLong(m.group(1)) * 3600.0 + Long.parseLong(m.group(2)) * 60.0
        + Double.parseDouble(m.group(3));
    return Math.round(seconds * 1e6);
  }

  private static final java.util.regex.Pattern STALL =
      java.util.regex.Pattern.compile("Cumulative stall: (\\d+):(\\d+):([0-9.]+) H:M:S");

  /**
   * A snapshot of {@link #stats()}.
   *
   * @param memtableBytes bytes in every column family's memtables
   * @param blockCacheBytes bytes the block cache holds
   * @param pendingCompactionBytes bytes compaction estimates it still has to rewrite
   * @param stallMicros microseconds writes were delayed or stopped, since open
   */
  public record EngineStats(long memtableBytes, long blockCacheBytes, long pendingCompactionBytes, long stallMicros) {}

  /** Writes {@code batch}; returns the durability ticket (0 unless GROUP). */
  long write(WriteBatch batch) {
    if (syncer != null && syncer.failure() != null) {
      throw new StorageFailedException("storage in '" + dir + "' refuses writes: an earlier WAL sync failed ("
          + syncer.failure() + "); restart the node");
    }
    try {
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw failure("write", e);
    }
    return syncer == null ? 0 : syncer.request();
  }

  void awaitDurable(long ticket) {
    if (syncer != null && ticket > 0) {
      syncer.awaitDurable(ticket);
    }
  }

  /** Syncs the WAL now (GROUP and NONE); makes every write so far durable. */
  void syncNow() {
    if (syncer != null) {
      syncer.awaitDurable(syncer.request());
    }
  }

  dev.oprc.odgm.events.DurabilityGate gate() {
    return syncer == null ? dev.oprc.odgm.events.DurabilityGate.IMMEDIATE : syncer;
  }

  /** A typed exception for a failed RocksDB call: full disk, or anything else. */
  StorageException failure(String what, RocksDBException e) {
    Status s = e.getStatus();
    String msg = "storage " + what + " failed in '" + dir + "': " + describe(e);
    if ((s != null && s.getSubCode() == Status.SubCode.NoSpace)
        || String.valueOf(e.getMessage()).contains("No space left")) {
      return new StorageFullException("disk full: " + msg, e);
    }
    return new StorageException(msg, e);
  }

  private static String describe(RocksDBException e) {
    return e.getMessage() == null ? String.valueOf(e.getStatus()) : e.getMessage();
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    if (syncer != null) {
      syncer.close();
    }
    try {
      db.syncWal();
    } catch (RocksDBException e) {
      // best effort: an unsynced tail is what NONE promises anyway
    }
    closeHandlesAndDb();
    writeOptions.close();
    retireOptions.close();
    closeOptions();
  }

  private void closeHandlesAndDb() {
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    db.close();
  }

  /** Commits straight to this database. */
  private final class LocalCommitter implements BatchCommitter {
    @Override
    public long commit(WriteBatch batch) {
      return write(batch);
    }

    @Override
    public void retire(WriteBatch batch) {
      try {
        db.write(retireOptions, batch);
      } catch (RocksDBException e) {
        throw failure("outbox retire", e);
      }
    }

    @Override
    public dev.oprc.odgm.events.DurabilityGate gate() {
      return RocksStorageEngine.this.gate();
    }

    @Override
    public void syncNow() {
      RocksStorageEngine.this.syncNow();
    }
  }

  private void closeOptions() {
    for (ColumnFamilyOptions o : cfOptions) {
      o.close();
    }
    dbOptions.close();
    addOperator.close();
    blockCache.close();
  }
}
