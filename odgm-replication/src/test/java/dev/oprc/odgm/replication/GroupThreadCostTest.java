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

  /** Process CPU time over {@code millis} of doing nothing, in cores. */
  private static double idleCpuCores(long millis) {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return (os.getProcessCpuTime() - cpu0) / (double) (System.nanoTime() - t0);
  }

  private static String rss() {
    try {
      return java.nio.file.Files.readAllLines(Path.of("/proc/self/status")).stream()
          .filter(l -> l.startsWith("VmRSS")).findFirst().orElse("?").replaceAll("\\s+", " ");
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  private static int threads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  @Test
  void oneThousandPartitionsOfOneReplicaSetCostNoMoreThreadsThanOne() {
    int before = threads();
    cluster = new RaftTestCluster(dir, 3, c -> c);
    long leader = cluster.awaitLeader();
    warmUp(cluster.shard(leader, 0));
    Map<Integer, Integer> threadsAt = new LinkedHashMap<>();
    int created = 0;
    long start = System.nanoTime();
    for (int target : new int[] {1, 64, 1024}) {
      for (int p = created; p < target; p++) {
        for (long id : cluster.members) {
          cluster.shard(id, p); // every replica opens the partition, as a node holding it does
        }
        put(cluster.shard(leader, p), "o", "v" + p, new ArrayList<>());
      }
      created = target;
      threadsAt.put(target, threads());
    }
    double writeMs = (System.nanoTime() - start) / 1e6 / 1024;
    System.out.printf("threads before the cluster: %d; with a 3-node in-JVM cluster (one group) by partitions: %s;"
        + " %.2f ms per sequential write%n", before, threadsAt, writeMs);
    assertThat(threadsAt.get(1024) - threadsAt.get(1)).as("threads added by 1023 more partitions: " + threadsAt)
        .isLessThanOrEqualTo(6);
    assertThat(cluster.shard(leader, 1023).count()).isEqualTo(1);
    double idleCores = idleCpuCores(3_000);
    System.out.printf("idle CPU of the 3 nodes with 1024 partitions: %.3f cores; RSS of the JVM: %s%n", idleCores,
        rss());
    assertThat(idleCores).as("idle CPU (heartbeats only)").isLessThan(0.5);
    assertThat(threadsAt.get(1024) - before).as("threads of three nodes").isLessThanOrEqualTo(3 * 30);
  }
}
