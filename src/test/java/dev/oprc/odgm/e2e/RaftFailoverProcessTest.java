package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leader placement and failover of a 3-node raft cluster of real node processes (replica_count
 * equal to the member count): leaders spread over the members, ten leader kills in a row with
 * writes resuming after each and no acknowledged write lost, and a graceful restart of a leader
 * that hands its leadership off before it stops. Failover times are printed, not asserted (they
 * are machine figures; the benchmarks' FailoverProbe measures them).
 */
class RaftFailoverProcessTest {
  static final String COLLECTION = "fo";
  private static final Pattern HANDED_OFF = Pattern.compile("handed off the leadership of (\\d+) of the (\\d+) groups");

  @TempDir
  Path dir;
  private ZenohRouterProcess router;
  private LocalCluster cluster;

  @BeforeEach
  void startRouter() {
    router = ZenohRouterProcess.start(2_000, TriggerLog.SINK_PREFIX + "*");
  }

  @AfterEach
  void stopAll() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    router.close();
  }

  private void startCluster(int partitions) throws Exception {
    startCluster(partitions, Map.of());
  }

  private void startCluster(int partitions, Map<String, String> extraEnv) throws Exception {
    Map<String, String> env = new HashMap<>(extraEnv);
    // a hand-off waits for a follower to catch up; on a busy machine under 8 writers that can take longer
    // than the 3 s default, and the graceful-stop test asserts every group was handed off
    env.put("ODGM_RAFT_HANDOFF_TIMEOUT_MS", "10000"); // within NodeProcess.close()'s 20 s
    cluster = LocalCluster.start(3, dir, router, RaftClusterProcessTest.raftCollection(COLLECTION, partitions), env);
    for (int p = 0; p < partitions; p++) {
      cluster.awaitLeader(COLLECTION, p, cluster.ids(), Duration.ofSeconds(60));
    }
  }

  /** Partitions led per node, as the members agree on them; empty while some partition has no agreed leader. */
  private Map<Long, Integer> leadersPerNode(int partitions) {
    Map<Long, Integer> led = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      OptionalLong first = OptionalLong.empty();
      for (long id : cluster.ids()) {
        OptionalLong seen = cluster.leaderSeenBy(id, COLLECTION, p);
        if (seen.isEmpty() || (first.isPresent() && first.getAsLong() != seen.getAsLong())) {
          return Map.of();
        }
        first = seen;
      }
      led.merge(first.getAsLong(), 1, Integer::sum);
    }
    return led;
  }

  @Test
  void leadersAreSpreadOverTheMembersWhenEveryPartitionHasEveryMember() throws Exception {
    int partitions = 6;
    startCluster(partitions);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Map<Long, Integer> led = leadersPerNode(partitions);
    while (!led.equals(Map.of(1L, 2, 2L, 2, 3L, 2)) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      led = leadersPerNode(partitions);
    }
    System.out.println("partitions led per node: " + led);
    assertThat(led).as("partitions led per node" + cluster.logs()).isEqualTo(Map.of(1L, 2, 2L, 2, 3L, 2));
  }

  @Test
  void tenLeaderKillsInARowLoseNoAcknowledgedWriteAndWritesResumeAfterEach() throws Exception {
    int partitions = 3;
    startCluster(partitions);
    leaderKillsLoseNoAcknowledgedWrite(partitions, 10);
  }

  /**
   * The same on mutual TLS (gRPC, the forwarding between members and Raft), all members with
   * certificates of one test CA: a member without them could not join, so every write and vote
   * here went over TLS.
   */
  @Test
  void leaderKillsOnMutualTlsLoseNoAcknowledgedWriteAndWritesResumeAfterEach() throws Exception {
    int partitions = 3;
    dev.oprc.zenoh.testing.TestCertificates ca = dev.oprc.zenoh.testing.TestCertificates.authority(
        dir.resolve("certs"), "cluster-ca");
    dev.oprc.zenoh.testing.TestCertificates.Issued member = ca.issue("member");
    startCluster(partitions, Map.of("ODGM_TLS_CERT_FILE", member.cert().toString(), "ODGM_TLS_KEY_FILE",
        member.key().toString(), "ODGM_TLS_CLIENT_CA_FILE", ca.caCert().toString()));
    for (long id : cluster.ids()) {
      assertThat(cluster.node(id).output()).as("node %d's start-up lines", id).contains("(mutual TLS)",
          "members [1, 2, 3]; mutual TLS)");
    }
    leaderKillsLoseNoAcknowledgedWrite(partitions, 3);
  }

  private void leaderKillsLoseNoAcknowledgedWrite(int partitions, int killCount) throws Exception {
    AckedWrites writes = new AckedWrites(cluster, COLLECTION, partitions);
    ExecutorService runner = Executors.newSingleThreadExecutor(r -> new Thread(r, "acked-writes"));
    Future<?> running = runner.submit(() -> {
      writes.run(8, 0, 1_000_000, 300, cluster::alive);
      return null;
    });
    List<String> kills = new ArrayList<>();
    try {
      for (int k = 0; k < killCount; k++) {
        long leader = cluster.awaitLeader(COLLECTION, 0, cluster.ids(), Duration.ofSeconds(60));
        assertThat(writes.awaitAckAfter(System.nanoTime(), 0, Duration.ofSeconds(60)))
            .as("writes to partition 0 before kill %d", k).isTrue();
        cluster.kill9(leader);
        long killed = System.nanoTime();
        assertThat(writes.awaitAckAfter(killed, 0, Duration.ofSeconds(60)))
            .as("a write to partition 0 acknowledged after kill %d of leader %d%s", k, leader, cluster.logs()).isTrue();
        kills.add("kill " + k + ": leader " + leader + ", first ack after " + writes.firstAckAfterMillis(killed, 0)
            + " ms");
        cluster.restart(leader);
      }
    } finally {
      writes.stop();
      running.get(120, TimeUnit.SECONDS);
      runner.shutdownNow();
    }
    System.out.println("leader kills: " + String.join("; ", kills) + "; " + writes.ackedCount() + " acked, "
        + writes.failedAttempts.get() + " failed attempts");
    for (int p = 0; p < partitions; p++) {
      cluster.awaitLeader(COLLECTION, p, cluster.ids(), Duration.ofSeconds(60));
    }
    writes.assertAllStored(cluster.ids());
  }

  @Test
  void aGracefulRestartOfTheLeaderHandsItsLeadershipOffBeforeItStops() throws Exception {
    int partitions = 3;
    startCluster(partitions);
    AckedWrites writes = new AckedWrites(cluster, COLLECTION, partitions);
    ExecutorService runner = Executors.newSingleThreadExecutor(r -> new Thread(r, "acked-writes"));
    Future<?> running = runner.submit(() -> {
      writes.run(8, 0, 1_000_000, 300, cluster::alive);
      return null;
    });
    long leader;
    long stopped;
    try {
      leader = cluster.awaitLeader(COLLECTION, 0, cluster.ids(), Duration.ofSeconds(60));
      assertThat(writes.awaitAckAfter(System.nanoTime(), 0, Duration.ofSeconds(60))).isTrue();
      stopped = System.nanoTime();
      cluster.stop(leader);
      assertThat(writes.awaitAckAfter(stopped, 0, Duration.ofSeconds(60))).as("writes after the stop").isTrue();
      System.out.printf("graceful stop of leader %d: first write to partition 0 acknowledged %d ms after SIGTERM, "
          + "ack gap %d ms%n", leader, writes.firstAckAfterMillis(stopped, 0), writes.ackGapAroundMillis(stopped));
      Matcher m = HANDED_OFF.matcher(cluster.node(leader).output());
      assertThat(m.find()).as("the stopping leader logged its hand-off:\n%s", cluster.node(leader).output()).isTrue();
      assertThat(m.group(1)).as("groups handed off of those it led").isEqualTo(m.group(2));
      assertThat(Integer.parseInt(m.group(2))).as("groups it led").isPositive();
      List<Long> others = new ArrayList<>(cluster.ids());
      others.remove(leader);
      assertThat(cluster.awaitLeader(COLLECTION, 0, others, Duration.ofSeconds(30))).isNotEqualTo(leader);
      cluster.restart(leader);
      assertThat(writes.awaitAckAfter(System.nanoTime(), 0, Duration.ofSeconds(60))).isTrue();
    } finally {
      writes.stop();
      running.get(120, TimeUnit.SECONDS);
      runner.shutdownNow();
    }
    writes.assertAllStored(cluster.ids());
  }
}
