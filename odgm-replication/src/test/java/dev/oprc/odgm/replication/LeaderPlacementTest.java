package dev.oprc.odgm.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.TransferLeadershipRequest;
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

  /**
   * Ratis refuses a transfer while another one of the group is pending (a leader-placement transfer
   * may be when a stop begins): the hand-off asks again until that one ended and the group moves.
   */
  @Test
  void aHandOffThatFindsAnotherTransferPendingAsksAgainUntilTheGroupMoves() throws Exception {
    cluster = new RaftTestCluster(dir, 3, c -> c.withHandoffTimeout(Duration.ofSeconds(30)), false);
    joinPreferredGroups();
    RaftTestCluster.await("node 1 leading its preferred group", () -> leads(1, 1));
    cluster.stop(3);
    RaftReplication n1 = cluster.nodes.get(1L);
    Group g = (Group) n1.group(cluster.members, 1L);
    // an entry the stopped member lacks: a transfer to it waits for it to catch up (until its timeout)
    // instead of failing at once on the refused StartLeaderElection call
    RaftClientReply appended = g.submit(Group.message(new byte[WriteBatches.HEADER]),
        org.apache.ratis.protocol.RaftClientRequest.writeRequestType()).get(30, TimeUnit.SECONDS);
    assertThat(appended.isSuccess()).as("an empty batch committed by nodes 1 and 2").isTrue();
    CompletableFuture<RaftClientReply> toStopped = n1.server().transferLeadershipAsync(new TransferLeadershipRequest(
        n1.clientId(), n1.server().getId(), g.raftGroupId(), n1.nextCallId(), RaftReplication.peerId(3), 2_000));
    assertThat(toStopped).as("a transfer to the stopped member, pending until its timeout").isNotDone();

    n1.handOffLeadership();

    assertThat(g.leads()).as("node 1 still leads group 1").isFalse();
    assertThat(toStopped.get(10, TimeUnit.SECONDS).isSuccess()).as("the transfer to the stopped member").isFalse();
    RaftTestCluster.await("node 2 leading group 1", () -> leads(2, 1));
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
