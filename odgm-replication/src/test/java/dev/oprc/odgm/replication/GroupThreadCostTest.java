package dev.oprc.odgm.replication;

import static dev.oprc.odgm.replication.RaftTestCluster.put;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Partitions that share a replica set share one Raft group: their number costs no threads. */
class GroupThreadCostTest {
  private static final int PARTITIONS = 256;

  @TempDir
  Path dir;
  private RaftTestCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Concurrent writes first, so Ratis's fixed pools have all their threads before anything is counted. */
  private static void warmUp(dev.oprc.odgm.storage.ShardStorage s) {
    Thread[] ts = new Thread[16];
    for (int t = 0; t < ts.length; t++) {
      int me = t;
      ts[t] = new Thread(() -> {
        for (int i = 0; i < 20; i++) {
          put(s, "warm" + me, "x", new ArrayList<>());
        }
      }, "warm-up-" + t);
      ts[t].start();
    }
    for (Thread t : ts) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static int threads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  /**
   * Threads are counted, not CPU: the idle CPU of many partitions depends on the machine and is
   * measured by the benchmarks' harness check {@code dev.oprc.bench.replication.RaftIdleCost}. 256
   * partitions prove what 1024 did: a per-partition thread would add 255, the bound is 6.
   */
  @Test
  void manyPartitionsOfOneReplicaSetCostNoMoreThreadsThanOne() {
    int before = threads();
    cluster = new RaftTestCluster(dir, 3, c -> c);
    long leader = cluster.awaitLeader();
    warmUp(cluster.shard(leader, 0));
    Map<Integer, Integer> threadsAt = new LinkedHashMap<>();
    int created = 0;
    long start = System.nanoTime();
    for (int target : new int[] {1, 16, PARTITIONS}) {
      for (int p = created; p < target; p++) {
        for (long id : cluster.members) {
          cluster.shard(id, p); // every replica opens the partition, as a node holding it does
        }
        put(cluster.shard(leader, p), "o", "v" + p, new ArrayList<>());
      }
      created = target;
      threadsAt.put(target, threads());
    }
    double writeMs = (System.nanoTime() - start) / 1e6 / PARTITIONS;
    System.out.printf("threads before the cluster: %d; with a 3-node in-JVM cluster (one group) by partitions: %s;"
        + " %.2f ms per sequential write%n", before, threadsAt, writeMs);
    assertThat(threadsAt.get(PARTITIONS) - threadsAt.get(1))
        .as("threads added by %d more partitions: %s", PARTITIONS - 1, threadsAt).isLessThanOrEqualTo(6);
    assertThat(cluster.shard(leader, PARTITIONS - 1).count()).isEqualTo(1);
    assertThat(threadsAt.get(PARTITIONS) - before).as("threads of three nodes").isLessThanOrEqualTo(3 * 30);
  }
}
