package dev.oprc.odgm.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Groups with a preferred leader get it as their leader, and a stopping node hands its groups off first. */
class LeaderPlacementTest {
  @TempDir
  Path dir;
  private RaftTestCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Every node joins the three groups of the replica set, one per preferred leader. */
  private void joinPreferredGroups() {
    for (long node : new ArrayList<>(cluster.nodes.keySet())) {
      for (long preferred : cluster.members) {
        cluster.nodes.get(node).group(cluster.members, preferred);
      }
    }
  }

  private boolean leads(long node, long preferred) {
    RaftReplication r = cluster.nodes.get(node);
    return r != null && r.group(cluster.members, preferred).isLeaderReady();
  }

  @Test
  void eachGroupIsLedByItsPreferredLeader() {
    cluster = new RaftTestCluster(dir, 3, c -> c, false);
    joinPreferredGroups();
    for (long preferred : cluster.members) {
      RaftTestCluster.await("node " + preferred + " leading its preferred group", () -> leads(preferred, preferred));
    }
    List<String> ids = new ArrayList<>();
    for (long preferred : cluster.members) {
      ids.add(cluster.nodes.get(1L).group(cluster.members, preferred).id());
    }
    assertThat(ids).doesNotHaveDuplicates();
  }

  @Test
  void handingOffMovesTheLeadershipOfEveryGroupTheNodeLeadsToAnotherMember() {
    cluster = new RaftTestCluster(dir, 3, c -> c, false);
    joinPreferredGroups();
    for (long preferred : cluster.members) {
      RaftTestCluster.await("node " + preferred + " leading its preferred group", () -> leads(preferred, preferred));
    }
    assertThat(cluster.nodes.get(1L).handOffLeadership()).as("groups handed off").isEqualTo(1);
    RaftTestCluster.await("another member leading group 1", () -> leads(2, 1) || leads(3, 1));
    assertThat(leads(1, 1)).isFalse();
  }

  @Test
  void aGroupReturnsToItsPreferredLeaderAfterItRestarts() {
    cluster = new RaftTestCluster(dir, 3, c -> c, false);
    joinPreferredGroups();
    RaftTestCluster.await("node 2 leading its preferred group", () -> leads(2, 2));
    cluster.stop(2);
    RaftTestCluster.await("another member leading group 2", () -> leads(1, 2) || leads(3, 2));
    cluster.start(2);
    joinPreferredGroups();
    RaftTestCluster.await("node 2 leading its preferred group again", () -> leads(2, 2));
  }

  @Test
  void withoutSpreadingEveryPreferredLeaderSharesTheReplicaSetsOneGroup() {
    cluster = new RaftTestCluster(dir, 3, c -> c.withLeaderSpread(false));
    assertThat(cluster.nodes.get(1L).group(cluster.members, 2).id()).isEqualTo(cluster.group(1).id());
  }

  @Test
  void aDataDirWithTheReplicaSetsOneGroupKeepsUsingIt() {
    cluster = new RaftTestCluster(dir, 3, c -> c); // RaftTestCluster joins the one-group-per-set group
    assertThat(cluster.nodes.get(1L).group(cluster.members, 3).id()).isEqualTo(cluster.group(1).id());
  }
}
