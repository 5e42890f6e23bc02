package dev.oprc.odgm.replication;

import static dev.oprc.odgm.replication.RaftTestCluster.put;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.impl.RatisInternals;
import org.apache.ratis.util.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member's Ratis division must not close while its node runs, and when Ratis closes one anyway
 * the node must say so instead of carrying on as a silent non-member.
 */
class ClosedDivisionTest {
  @TempDir
  Path dir;
  private RaftTestCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private RaftServer.Division division(long id) {
    try {
      return cluster.nodes.get(id).server().getDivision(RaftReplication.groupId(cluster.members));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** A follower stopped and started again on its data (its group recovered from disk), caught up with the leader. */
  private long restartedFollower() {
    long leader = cluster.awaitLeader();
    put(cluster.shard(leader, 0), "o1", "v1", new ArrayList<>());
    long follower = cluster.follower(leader);
    cluster.stop(follower);
    cluster.start(follower);
    long applied = division(leader).getInfo().getLastAppliedIndex();
    RaftTestCluster.await("the restarted follower to catch up",
        () -> division(follower).getInfo().getLastAppliedIndex() >= applied);
    return follower;
  }

  /**
   * Ratis 3.2.2 drops a follower's configurations for a moment with every snapshot chunk it
   * installs, then sets the leader's; meanwhile the division's configuration is the one it was
   * created with. An election timer expiring in that moment (a follower installing a snapshot on a
   * busy machine) starts an election whose configuration that is. Ratis created the division of a
   * group it recovered from disk with no members, so the election found this node outside its
   * group and closed the division for good, logging at INFO only; the node went on as a member that
   * answers every request of its leader with "not in [STARTING, RUNNING]: CLOSED".
   */
  @Test
  void aRestartedMemberStaysInItsGroupWhenAnElectionStartsWhileASnapshotReplacesItsConfiguration() {
    cluster = new RaftTestCluster(dir, 3, c -> c);
    long follower = restartedFollower();
    RaftServer.Division d = division(follower);
    RatisInternals.dropConfigurationsFrom(d, 0);
    RatisInternals.electionTimeout(d);
    RaftTestCluster.await("the election to end", () -> !d.getInfo().isCandidate() || !d.getInfo().isAlive());
    assertThat(d.getInfo().getLifeCycleState()).as("the restarted member's division")
        .isEqualTo(LifeCycle.State.RUNNING);
    assertThat(cluster.nodes.get(follower).hosted(cluster.members).failure()).isNull();
  }

  @Test
  void aMemberWhoseDivisionRatisClosedWhileItsNodeRunsReportsWhy() throws IOException {
    cluster = new RaftTestCluster(dir, 3, c -> c);
    long leader = cluster.awaitLeader();
    long follower = cluster.follower(leader);
    Group g = cluster.nodes.get(follower).hosted(cluster.members);
    assertThat(g.failure()).isNull();
    division(follower).close(); // what Ratis does on its failure paths (log worker, applier, leader election)
    assertThat(g.failure()).contains("Ratis closed this node's member of the group");
  }

  @Test
  void aMemberOfANodeThatStopsReportsNoFailure() {
    cluster = new RaftTestCluster(dir, 3, c -> c);
    long leader = cluster.awaitLeader();
    long follower = cluster.follower(leader);
    Group g = cluster.nodes.get(follower).hosted(cluster.members);
    cluster.stop(follower);
    assertThat(g.failure()).isNull();
  }
}
