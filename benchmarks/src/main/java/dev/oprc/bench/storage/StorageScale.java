package dev.oprc.bench.storage;

import com.google.protobuf.ByteString;
import dev.oprc.bench.shard.WritePathBenchmark;
import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.events.OutboxDispatcher;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.shard.Ids;
import dev.oprc.odgm.shard.ObjectShard;
import dev.oprc.odgm.shard.WriteContext;
import dev.oprc.odgm.storage.InMemoryShardStorage;
import dev.oprc.odgm.storage.RocksStorageEngine;
import dev.oprc.odgm.storage.ShardStorage;
import dev.oprc.odgm.storage.SyncMode;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Scale checks of the storage engines that JMH does not fit: (1) churn: N creates and deletes of
 * unique ids, live heap and disk before and after (disk after a compaction); (2) reopen: a data
 * dir of N objects, time from open to the first read served. Usage:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.oprc.bench.storage.StorageScale [N]}.
 */
public final class StorageScale {
  private StorageScale() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    String what = args.length > 1 ? args[1] : "all";
    System.out.printf("JDK %s, %d cores, N=%,d%n", System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(), n);
    Path dir = Files.createTempDirectory("odgm-scale-");
    try {
      if (what.equals("outbox")) {
        outboxTombstones(dir.resolve("outbox"), n);
        return;
      }
      if (what.equals("footprint")) {
        footprint(n);
        return;
      }
      if (!what.equals("reopen")) {
        churnMemory(n);
        churnRocks(dir.resolve("churn"), n);
      }
      if (!what.equals("churn")) {
        reopen(dir.resolve("reopen"), n);
      }
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  static long liveHeap() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static ObjectShard shard(ShardStorage st) {
    EventConfig ev = EventConfig.defaults();
    OutboxDispatcher d = OutboxDispatcher.builder().events(ev).store(st.outbox()).link(WritePathBenchmark.NOOP_LINK)
        .gate(st.durability()).name("scale-outbox").start();
    return new ObjectShard("scale", 0, 0, st, new Ids(160), ev, d, System::currentTimeMillis);
  }

  static void churn(String name, ObjectShard s, int n, Runnable compact, java.util.function.LongSupplier disk)
      throws InterruptedException {
    long heap0 = liveHeap();
    long disk0 = disk.getAsLong();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      String id = "obj-" + i;
      s.setValue(id, "k", val("0123456789abcdef"), WriteContext.CLIENT);
      s.delete(id, WriteContext.CLIENT);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    long heap1 = liveHeap();
    long disk1 = disk.getAsLong();
    compact.run();
    long disk2 = disk.getAsLong();
    System.out.printf("churn %-8s %,d create+delete in %.1f s: live heap %.1f -> %.1f MiB (%+.1f B per deleted id),"
        + " disk %.1f -> %.1f MiB, after flush+compaction %.2f MiB, count %d%n", name, n, secs, heap0 / 1048576.0,
        heap1 / 1048576.0, (heap1 - heap0) / (double) n, disk0 / 1048576.0, disk1 / 1048576.0, disk2 / 1048576.0,
        s.count());
  }

  /**
   * Heap per object in the memory store: {@code n} objects of 4 entries with 16-byte values,
   * against the raw bytes of their ids, keys and values (issue 12's memory-per-object figure).
   */
  static void footprint(int n) throws InterruptedException {
    ObjectShard s = shard(new InMemoryShardStorage(1L << 30));
    String[] keys = {"field-0", "field-1", "field-2", "field-3"};
    long heap0 = liveHeap();
    long raw = 0;
    for (int i = 0; i < n; i++) {
      String id = "obj-" + i;
      java.util.Map<String, ValData> m = new java.util.LinkedHashMap<>();
      for (String k : keys) {
        m.put(k, val(String.format("%016x", (long) i * 4 + k.charAt(6))));
        raw += k.length() + 16;
      }
      raw += id.length();
      s.batchSetValues(id, m, java.util.List.of(), null, WriteContext.CLIENT);
    }
    long heap1 = liveHeap();
    double per = (heap1 - heap0) / (double) n;
    System.out.printf("footprint memory: %,d objects x 4 entries of 16 B: live heap +%.1f MiB, %.0f B per object;"
        + " raw ids+keys+values %.0f B per object; ratio %.1fx (count %d)%n", n, (heap1 - heap0) / 1048576.0, per,
        raw / (double) n, per / (raw / (double) n), s.count());
    s.close(5_000);
  }

  static void churnMemory(int n) throws InterruptedException {
    ObjectShard s = shard(new InMemoryShardStorage(1L << 30));
    churn("memory", s, n, () -> { }, () -> 0);
    s.close(5_000);
  }

  static void churnRocks(Path dir, int n) throws InterruptedException {
    try (RocksStorageEngine e = RocksStorageEngine.open(dir, SyncMode.NONE)) {
      Ids ids = new Ids(160);
      ObjectShard s = shard(e.shard("scale", 0, ev -> TriggerIndex.compile(ev, ids::entryKey), 65_536, 1L << 30));
      churn("rocksdb", s, n, e::compact, e::diskBytes);
      s.close(5_000);
    }
  }

  /**
   * Outbox tombstones (issue 18): {@code n} writes with one trigger each on RocksDB, every record
   * published and retired by the dispatcher (batched deletes), while RocksDB compacts as it
   * chooses. Every tenth of the run it prints the records still pending, the compaction debt, the
   * disk size, and the time one outbox scan from the start takes to find the first record: the
   * cost a build-up of tombstones would show. Writers are paced by the outbox bound, as in a node.
   */
  static void outboxTombstones(Path dir, int n) throws InterruptedException {
    Ids ids = new Ids(160);
    try (RocksStorageEngine e = RocksStorageEngine.open(dir, SyncMode.NONE)) {
      ShardStorage st = e.shard("scale", 0, ev -> TriggerIndex.compile(ev, ids::entryKey), 65_536, 1L << 30);
      ObjectShard s = shard(st);
      s.set("order-1", ObjData.newBuilder().putEntries("status", val("init")).setEvent(ObjectEvent.newBuilder()
          .putDataTrigger("status", DataTrigger.newBuilder().addOnUpdate(TriggerTarget.newBuilder().setClsId("n")
              .setPartitionId(0).setFnId("f")).build())).build(), WriteContext.CLIENT);
      ValData[] values = {val("value-a"), val("value-b")};
      long t0 = System.nanoTime();
      int step = Math.max(1, n / 10);
      for (int i = 1; i <= n; i++) {
        s.setValue("order-1", "status", values[i & 1], WriteContext.CLIENT);
        if (i % step == 0) {
          printOutbox(e, st, i, t0);
        }
      }
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(5);
      while (st.outbox().pendingCount() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      printOutbox(e, st, n, t0);
      e.compact();
      System.out.printf("outbox after a full compaction: disk %.1f MiB%n", e.diskBytes() / 1048576.0);
      s.close(5_000);
    }
  }

  private static void printOutbox(RocksStorageEngine e, ShardStorage st, int written, long t0) {
    long s0 = System.nanoTime();
    int found = st.outbox().scan(-1, 1, r -> { });
    double scanMicros = (System.nanoTime() - s0) / 1e3;
    RocksStorageEngine.EngineStats es = e.stats();
    System.out.printf("outbox %,11d written in %6.1f s: pending %,8d, first-record scan %,9.0f µs (found %d), "
        + "pending compaction %.1f MiB, disk %.1f MiB%n", written, (System.nanoTime() - t0) / 1e9,
        st.outbox().pendingCount(), scanMicros, found, es.pendingCompactionBytes() / 1048576.0,
        e.diskBytes() / 1048576.0);
  }

  static void reopen(Path dir, int n) {
    Ids ids = new Ids(160);
    ObjData.Builder obj = ObjData.newBuilder().putEntries("status", val("new")).setEvent(ObjectEvent.newBuilder()
        .putDataTrigger("status", DataTrigger.newBuilder().addOnUpdate(TriggerTarget.newBuilder().setClsId("n")
            .setPartitionId(0).setFnId("f")).build()));
    long t0 = System.nanoTime();
    try (RocksStorageEngine e = RocksStorageEngine.open(dir, SyncMode.NONE)) {
      ObjectShard s = shard(e.shard("scale", 0, ev -> TriggerIndex.compile(ev, ids::entryKey), 65_536, 1L << 30));
      ObjData o = obj.build();
      for (int i = 0; i < n; i++) {
        s.set("obj-" + i, o, WriteContext.CLIENT);
      }
      s.close(5_000);
    }
    System.out.printf("reopen: wrote %,d objects in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
    long t1 = System.nanoTime();
    try (RocksStorageEngine e = RocksStorageEngine.open(dir, SyncMode.GROUP)) {
      ObjectShard s = shard(e.shard("scale", 0, ev -> TriggerIndex.compile(ev, ids::entryKey), 65_536, 1L << 30));
      String v = s.getValue("obj-" + (n / 2), "status").getData().toStringUtf8();
      double secs = (System.nanoTime() - t1) / 1e9;
      System.out.printf("reopen: %,d objects (%.1f MiB on disk) serving after %.2f s (first read '%s', count %,d)%n",
          n, e.diskBytes() / 1048576.0, secs, v, s.count());
      s.close(5_000);
    }
  }
}
