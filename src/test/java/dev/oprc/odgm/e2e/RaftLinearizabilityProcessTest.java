package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.lincheck.LinearizabilityChecker;
import dev.oprc.odgm.lincheck.Operation;
import dev.oprc.odgm.lincheck.RegisterState;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Linearizability of a 3-node raft partition through a leader failover: concurrent clients read,
 * write and compare-and-set a few registers on every member while the leader is killed with
 * SIGKILL; the recorded history is checked with {@link LinearizabilityChecker}. A failing
 * history is kept as {@code target/lincheck/raft-leader-kill-<time>.txt}.
 */
class RaftLinearizabilityProcessTest {
  private static final String COLLECTION = "lin";
  private static final Path ARTIFACTS = Path.of("target", "lincheck");
  /**
   * Answered operations before the leader is killed, and after it (of which the writes and CAS are
   * asserted below): counts, not durations, so the history has the same size on a quiet and a
   * loaded machine (the checker's search budget covers a few hundred operations per key).
   */
  private static final int OPERATIONS_BEFORE_THE_KILL = 600;
  private static final int OPERATIONS_AFTER_THE_KILL = 600;

  @TempDir
  Path dir;
  private ZenohRouterProcess router;
  private LocalCluster cluster;

  @BeforeEach
  void start() {
    router = ZenohRouterProcess.start(2_000);
  }

  @AfterEach
  void stopAll() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    router.close();
  }

  @Test
  void readsWritesAndCasOnEveryMemberStayLinearizableWhileTheLeaderIsKilled() throws Exception {
    cluster = LocalCluster.start(3, dir, router, RaftClusterProcessTest.raftCollection(COLLECTION, 1), Map.of());
    long leader = cluster.awaitLeader(COLLECTION, 0, cluster.ids(), Duration.ofSeconds(60));
    RegisterClients clients = new RegisterClients(cluster, COLLECTION, 0,
        List.of("r0", "r1", "r2", "r3", "r4", "r5")); // keys are checked independently: more keys, shorter searches
    Map<String, RegisterState> initial = clients.seed(leader);
    AtomicLong killedAt = new AtomicLong();
    Thread chaos = new Thread(() -> {
      try {
        awaitCount(() -> clients.answered(Long.MIN_VALUE), OPERATIONS_BEFORE_THE_KILL);
        cluster.kill9(leader);
        killedAt.set(System.nanoTime());
        awaitCount(() -> clients.answered(killedAt.get()), OPERATIONS_AFTER_THE_KILL);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      } finally {
        clients.stop();
      }
    }, "leader-killer");
    chaos.start();
    clients.run(6, cluster::alive, System.nanoTime());
    chaos.join();
    List<Operation> history = clients.history();
    long acknowledged = history.stream().filter(o -> o.status() != Operation.Status.UNKNOWN).count();
    LinearizabilityChecker.Verdict verdict = LinearizabilityChecker.check(history, initial);
    System.out.printf("lincheck: %d operations (%d answered, %d unknown, %d refused before replication), leader %d"
        + " killed: %s%n", history.size(), acknowledged, clients.unknownOutcomes(), clients.refusedBeforeSubmit(), leader,
        verdict.linearizable() ? "linearizable" : "VIOLATION");
    if (!verdict.linearizable()) {
      Path file = verdict.writeReport(ARTIFACTS, "raft-leader-kill-" + Instant.now().toEpochMilli());
      throw new AssertionError("history not linearizable, kept in " + file.toAbsolutePath() + "\n"
          + verdict.report().lines().limit(80).reduce("", (a, b) -> a + b + "\n"));
    }
    assertThat(killedAt.get()).as("the leader was killed").isPositive();
    long writesAfterKill = history.stream().filter(o -> o.status() == Operation.Status.OK
        && o.kind() != Operation.Kind.READ && o.invokedAt() > killedAt.get()).count();
    assertThat(writesAfterKill).as("writes and CAS acknowledged after the failover (leader %d killed)%s", leader,
        writesAfterKill > 50 ? "" : cluster.logs()).isGreaterThan(50);
  }

  /** Polls {@code count} until it reaches {@code n} (the clients give up and stop by themselves if it never does). */
  private static void awaitCount(java.util.function.LongSupplier count, long n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (count.getAsLong() < n && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }
}
