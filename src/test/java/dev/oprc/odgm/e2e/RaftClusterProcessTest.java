package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 3-node {@code shard_type: raft} cluster of real node processes on loopback (real RocksDB,
 * real Ratis, a real Zenoh router recording every trigger PUT), under failures: the leader
 * killed with SIGKILL, a follower killed and restarted behind the purged log, a follower frozen with
 * SIGSTOP, the whole cluster killed and restarted.
 * Writes are client writes with retries (see {@link AckedWrites}); the outcome checked is always
 * the same: every acknowledged write can be read back, and its trigger arrived at least once,
 * a duplicate only under the same invocation id.
 */
class RaftClusterProcessTest {
  static final String COLLECTION = "fo";
  static final int PARTITIONS = 2;

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

  static String raftCollection(String name, int partitions) {
    return "[{\"name\":\"" + name + "\",\"partitionCount\":" + partitions
        + ",\"replicaCount\":3,\"shardType\":\"raft\"}]";
  }

  private LocalCluster startCluster(Map<String, String> extraEnv) throws Exception {
    cluster = LocalCluster.start(3, dir, router, raftCollection(COLLECTION, PARTITIONS), extraEnv);
    for (int p = 0; p < PARTITIONS; p++) {
      cluster.awaitLeader(COLLECTION, p, cluster.ids(), Duration.ofSeconds(60));
    }
    return cluster;
  }

  private List<Long> liveTargets() {
    return cluster.alive();
  }

  @Test
  void killingTheLeaderAtAThousandWritesPerSecondLosesNoAcknowledgedWriteAndNoTrigger() throws Exception {
    startCluster(Map.of());
    long leader = cluster.awaitLeader(COLLECTION, 0, cluster.ids(), Duration.ofSeconds(30));
    AckedWrites writes = new AckedWrites(cluster, COLLECTION, PARTITIONS);
    long[] killedAt = new long[1];
    Thread killer = new Thread(() -> {
      try {
        while (writes.ackedCount() < 2_000) {
          Thread.sleep(1);
        }
        cluster.kill9(leader);
        killedAt[0] = System.nanoTime();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "leader-killer");
    killer.start();
    writes.run(16, 0, 6_000, 1_000, this::liveTargets);
    killer.join();
    assertThat(killedAt[0]).as("the leader was killed mid-run").isPositive();
    List<Long> survivors = cluster.alive();
    long newLeader = cluster.awaitLeader(COLLECTION, 0, survivors, Duration.ofSeconds(30));
    long gapMs = writes.ackGapAroundMillis(killedAt[0]);
    System.out.printf("failover: leader %d killed after %d acks; new leader %d; ack gap %d ms; %d acked of 6000;"
        + " %d failed attempts%n", leader, 2_000, newLeader, gapMs, writes.ackedCount(), writes.failedAttempts.get());
    assertThat(newLeader).isNotEqualTo(leader);
    // the gap's length is a machine-dependent figure (printed; the benchmarks' FailoverProbe measures it)
    assertThat(gapMs).as("writes are acknowledged after the kill").isNotNegative();
    assertThat(writes.ackedCount()).as("writes after the failover are acknowledged").isGreaterThan(5_000);
    writes.assertAllStored(survivors);
    TriggerLog.assertDeliveredOnceById(router, writes.acked(), Duration.ofSeconds(60));
  }

  /**
   * Ratis completes each log append and each append-entries reply through {@code CompletableFuture}
   * async stages; on two cores the JDK's common pool has one thread, and every such stage then
   * started a thread of its own (thousands a minute under load). The node sizes the pool first.
   */
  @Test
  void writesToARaftClusterStartNoThreadEach() throws Exception {
    startCluster(Map.of());
    AckedWrites writes = new AckedWrites(cluster, COLLECTION, PARTITIONS);
    writes.run(8, 0, 300, 1_000, this::liveTargets); // connections and pools come up
    long before = threadsStarted();
    writes.run(8, 300, 2_000, 1_000, this::liveTargets);
    long started = threadsStarted() - before;
    assertThat(writes.ackedCount()).isEqualTo(2_300);
    assertThat(started).as("threads the three nodes started during 2,000 acknowledged writes").isLessThan(200);
  }

  private long threadsStarted() throws Exception {
    long sum = 0;
    for (long id : cluster.ids()) {
      sum += cluster.node(id).threadsStarted();
    }
    return sum;
  }

  /**
   * A follower that was down while its leader committed more entries than the leader's log keeps
   * catches up through a snapshot when it restarts. The log is outrun by counting, not by waiting:
   * each client sends its next write only after the previous one was acknowledged (committed), so
   * one Raft entry holds at most one write of each client however group commit batches them, and
   * {@code clients x entriesPastThePreservedLog()} acknowledged writes are at least that many
   * entries. (The follower is killed, not frozen: a frozen follower keeps its connection, and Ratis
   * keeps streaming appends into it, which it may then catch up from without a snapshot.) Proof
   * that it caught up: with the third member frozen, writes still commit (the restarted one is in
   * the quorum), and when the leader is then killed the restarted one is the only possible new
   * leader (the frozen one's log is behind) and serves every acknowledged write.
   */
  @Test
  void aFollowerDownPastTheLogPreservationWindowCatchesUpThroughASnapshot() throws Exception {
    // one group per replica set: no preferred leader takes the group back once it caught up, so who may lead
    // after the restart is decided by the election restriction alone
    Map<String, String> env = new java.util.HashMap<>(RaftSettings.smallSnapshots());
    env.put("ODGM_RAFT_LEADER_SPREAD", "false");
    startCluster(env);
    long leader = cluster.awaitLeader(COLLECTION, 0, cluster.ids(), Duration.ofSeconds(30));
    List<Long> followers = new ArrayList<>(cluster.ids());
    followers.remove(leader);
    long down = followers.get(0);
    long third = followers.get(1);
    AckedWrites writes = new AckedWrites(cluster, COLLECTION, 1); // partition 0 only: the group of `leader`
    cluster.kill9(down);
    int clients = 2;
    int pastTheLog = clients * RaftSettings.entriesPastThePreservedLog();
    writes.run(clients, 0, pastTheLog, 100_000, () -> List.of(leader, third));
    assertThat(writes.ackedCount()).as("writes acknowledged by %d and %d while %d was down", leader, third, down)
        .isEqualTo(pastTheLog);
    cluster.restart(down);
    long installs = RaftSettings.awaitSnapshotInstalled(cluster.node(down), Duration.ofMinutes(2));
    long now = cluster.awaitLeader(COLLECTION, 0, cluster.ids(), Duration.ofSeconds(60));
    assertThat(now).as("the restarted member cannot lead before it caught up").isNotEqualTo(down);
    long other = now == leader ? third : leader;
    cluster.node(other).pause();
    int acked = writes.ackedCount();
    int quorumWrites = 100;
    writes.run(clients, pastTheLog, quorumWrites, 100_000, () -> List.of(now, down));
    assertThat(writes.ackedCount() - acked).as("writes committed by %d with the restarted %d", now, down)
        .isEqualTo(quorumWrites);
    cluster.kill9(now);
    cluster.node(other).resume();
    assertThat(cluster.awaitLeader(COLLECTION, 0, List.of(down, other), Duration.ofSeconds(30)))
        .as("only the caught-up member can be elected").isEqualTo(down);
    System.out.printf("down: %d restarted after %d acked writes, %d snapshot installs on it%n", down, pastTheLog,
        installs);
    writes.assertAllStored(List.of(down, other));
  }

  @Test
  void aWholeClusterRestartKeepsEveryAcknowledgedWrite() throws Exception {
    startCluster(Map.of());
    AckedWrites writes = new AckedWrites(cluster, COLLECTION, PARTITIONS);
    Thread killer = new Thread(() -> {
      try {
        while (writes.ackedCount() < 3_000) {
          Thread.sleep(1);
        }
        for (long id : cluster.ids()) {
          cluster.node(id).process.destroyForcibly(); // SIGKILL all three at once
        }
        writes.stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "cluster-killer");
    killer.start();
    writes.run(16, 0, 20_000, 1_000, this::liveTargets);
    killer.join();
    for (long id : cluster.ids()) {
      assertThat(cluster.node(id).process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(writes.ackedCount()).isBetween(3_000, 19_999);
    cluster.restartAll();
    for (int p = 0; p < PARTITIONS; p++) {
      cluster.awaitLeader(COLLECTION, p, cluster.ids(), Duration.ofSeconds(60));
    }
    writes.assertAllStored(cluster.ids());
    TriggerLog.assertDeliveredOnceById(router, writes.acked(), Duration.ofSeconds(60));
  }
}
