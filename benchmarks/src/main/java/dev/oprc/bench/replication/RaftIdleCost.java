package dev.oprc.bench.replication;

import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.replication.RaftReplication;
import dev.oprc.odgm.replication.ReplicaGroup;
import dev.oprc.odgm.replication.ReplicationConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Harness check: the idle CPU of three Raft nodes in one JVM (loopback) holding {@code partitions}
 * partitions of one replica set, spread over the set's three Raft groups (one per preferred leader): heartbeats
 * and the groups' leader placement checks only. Prints the process
 * CPU over {@code seconds} of idleness in cores, the thread count and RSS; exits 1 when the CPU is
 * at or above {@code maxCores}. Machine-dependent, so a harness check rather than a unit test
 * (odgm-replication's GroupThreadCostTest keeps the thread count, which is not). Usage:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.oprc.bench.replication.RaftIdleCost [partitions] [seconds] [maxCores]}
 * (defaults 1024, 3, 0.5).
 *
 * <p>Single-threaded tool; not thread-safe.
 */
public final class RaftIdleCost {
  private static final String COLLECTION = "idle";

  private RaftIdleCost() {}

  public static void main(String[] args) throws Exception {
    int partitions = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
    long seconds = args.length > 1 ? Long.parseLong(args[1]) : 3;
    double maxCores = args.length > 2 ? Double.parseDouble(args[2]) : 0.5;
    Path dir = Files.createTempDirectory("odgm-raft-idle-");
    Map<Long, InetSocketAddress> peers = new LinkedHashMap<>();
    for (long id = 1; id <= 3; id++) {
      peers.put(id, new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort()));
    }
    List<Long> members = new ArrayList<>(peers.keySet());
    List<RaftReplication> nodes = new ArrayList<>();
    double cores;
    int threads;
    String rss;
    try {
      for (long id : members) {
        nodes.add(RaftReplication.start(ReplicationConfig.of(id, peers, dir.resolve("node" + id))
            .withElectionTimeout(Duration.ofMillis(400), Duration.ofMillis(800))));
      }
      awaitLeader(nodes, members);
      for (int p = 0; p < partitions; p++) {
        for (RaftReplication n : nodes) {
          // every replica opens it, in the group of its preferred leader (rotating, as ReplicaSets balances them)
          n.group(members, members.get(p % members.size())).shard(COLLECTION, p, ev -> TriggerIndex.EMPTY, 64L << 20);
        }
      }
      cores = idleCpuCores(Duration.ofSeconds(seconds).toMillis());
      threads = ManagementFactory.getThreadMXBean().getThreadCount();
      rss = rss();
    } finally {
      for (RaftReplication n : nodes) {
        n.close();
      }
      deleteTree(dir);
    }
    System.out.printf("3 raft nodes in one JVM, %d partitions of one replica set in 3 groups (one per preferred"
        + " leader): %.3f cores idle over %d s"
        + " (limit %.3f); %d threads; %s%n", partitions, cores, seconds, maxCores, threads, rss);
    if (cores >= maxCores) {
      System.out.println("FAIL: idle raft groups cost more than the limit");
      System.exit(1);
    }
  }

  private static void awaitLeader(List<RaftReplication> nodes, List<Long> members) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (members.stream().anyMatch(pref -> nodes.stream().noneMatch(n -> n.group(members, pref).isLeaderReady()))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no ready leader within 60 s");
      }
      Thread.sleep(20);
    }
  }

  /** Process CPU time over {@code millis} of doing nothing, in cores. */
  private static double idleCpuCores(long millis) throws InterruptedException {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    Thread.sleep(millis);
    return (os.getProcessCpuTime() - cpu0) / (double) (System.nanoTime() - t0);
  }

  private static String rss() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
      return lines.filter(l -> l.startsWith("VmRSS")).findFirst().orElse("VmRSS ?").replaceAll("\\s+", " ");
    } catch (IOException e) {
      return "VmRSS ?";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
