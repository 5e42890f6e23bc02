package dev.oprc.odgm.replication;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * A quick load figure, not a test: a 3-node in-JVM group, {@code threads} writers each writing its
 * own objects (one entry, one outbox record per write) for {@code seconds}. Prints writes/s and
 * latency percentiles. Args: threads seconds [local]; "local": the same load on one unreplicated
 * RocksDB shard (sync group), as the baseline of the same run.
 */
public final class ReplicatedWriteLoad {
  private ReplicatedWriteLoad() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 64;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    Path dir = Files.createTempDirectory("raft-load");
    if (args.length > 2 && args[2].equals("local")) {
      try (var engine = dev.oprc.odgm.storage.RocksStorageEngine.open(dir, dev.oprc.odgm.storage.SyncMode.GROUP);
          var shard = engine.shard("orders", 0, ev -> dev.oprc.odgm.events.TriggerIndex.EMPTY, 65_536, 64L << 20)) {
        run(shard, threads, seconds);
      }
      return;
    }
    try (RaftTestCluster c = new RaftTestCluster(dir, 3, cfg -> ReplicationConfig.of(cfg.nodeId(), cfg.peers(),
        cfg.dataDir()))) {
      long leader = c.awaitLeader();
      run(c.shard(leader, 0), threads, seconds);
      EntryBatcher b = c.nodes.get(leader).batcher();
      System.out.printf("raft entries=%d writes=%d (%.1f writes per entry)%n", b.batches(), b.writes(),
          b.writes() / (double) Math.max(1, b.batches()));
    }
  }

  private static void run(dev.oprc.odgm.storage.ShardStorage shard, int threads, int seconds)
      throws InterruptedException {
    {
      ConcurrentHistogram h = new ConcurrentHistogram(3);
      LongAdder done = new LongAdder();
      AtomicLong stopAt = new AtomicLong(System.nanoTime() + seconds * 1_000_000_000L);
      Thread[] ts = new Thread[threads];
      for (int t = 0; t < threads; t++) {
        int me = t;
        ts[t] = new Thread(() -> {
          int i = 0;
          while (System.nanoTime() < stopAt.get()) {
            long t0 = System.nanoTime();
            RaftTestCluster.put(shard, "w" + me + "-" + (i++ % 100), "x", new ArrayList<>());
            h.recordValue((System.nanoTime() - t0) / 1000);
            done.increment();
          }
        }, "load-" + t);
        ts[t].start();
      }
      for (Thread t : ts) {
        t.join();
      }
      System.out.printf("threads=%d seconds=%d writes/s=%.0f p50=%.2fms p99=%.2fms max=%.2fms%n", threads, seconds,
          done.sum() / (double) seconds, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
          h.getMaxValue() / 1000.0);
    }
  }
}
