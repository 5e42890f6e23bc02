package dev.oprc.odgm.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.ShardAssignment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplicaSetsTest {
  private static final String THREE = "1=127.0.0.1:7101:8081,2=127.0.0.1:7102:8082,3=127.0.0.1:7103:8083";

  static CreateCollectionRequest coll(String type, int partitions, int replicas) {
    return CreateCollectionRequest.newBuilder().setName("orders").setShardType(type).setPartitionCount(partitions)
        .setReplicaCount(replicas).build();
  }

  @Test
  void everyNodeComputesTheSameReplicaSets() {
    CreateCollectionRequest c = coll("raft", 64, 3);
    List<List<Long>> seenBy1 = ReplicaSets.of(c, Membership.parse(THREE, 1, null));
    assertThat(ReplicaSets.of(c, Membership.parse(THREE, 2, null))).isEqualTo(seenBy1);
    assertThat(ReplicaSets.of(c, Membership.parse(THREE, 3, null))).isEqualTo(seenBy1);
    assertThat(seenBy1).allSatisfy(set -> assertThat(set).containsExactlyInAnyOrder(1L, 2L, 3L));
  }

  @Test
  void theMemberListOrderDoesNotChangeTheAnswer() {
    CreateCollectionRequest c = coll("basic", 32, 1);
    assertThat(ReplicaSets.of(c, Membership.parse("3=h:1:3,1=h:1:1,2=h:1:2", 1, null)))
        .isEqualTo(ReplicaSets.of(c, Membership.parse("1=h:1:1,2=h:1:2,3=h:1:3", 1, null)));
  }

  @Test
  void basicPartitionsHaveOneOwnerSpreadOverTheMembers() {
    List<List<Long>> sets = ReplicaSets.of(coll("basic", 300, 3), Membership.parse(THREE, 1, null));
    Map<Long, Integer> owned = new HashMap<>();
    for (List<Long> s : sets) {
      assertThat(s).hasSize(1);
      owned.merge(s.get(0), 1, Integer::sum);
    }
    assertThat(owned).containsOnlyKeys(1L, 2L, 3L);
    assertThat(owned.values()).allSatisfy(n -> assertThat(n).isBetween(70, 130));
  }

  @Test
  void raftPreferredLeadersAreBalancedOverTheMembersWhenEveryPartitionHasTheSameReplicaSet() {
    List<List<Long>> sets = ReplicaSets.of(coll("raft", 8, 3), Membership.parse(THREE, 1, null));
    Map<Long, Integer> led = new HashMap<>();
    for (List<Long> s : sets) {
      assertThat(s).containsExactlyInAnyOrder(1L, 2L, 3L);
      led.merge(s.get(0), 1, Integer::sum);
    }
    assertThat(led).containsOnlyKeys(1L, 2L, 3L);
    assertThat(led.values()).allSatisfy(n -> assertThat(n).isBetween(2, 3));
  }

  @Test
  void raftPreferredLeadersAreBalancedWhenReplicaSetsDiffer() {
    List<List<Long>> sets = ReplicaSets.of(coll("raft", 30, 2),
        Membership.parse("1=h:1:1,2=h:1:2,3=h:1:3,4=h:1:4,5=h:1:5", 1, null));
    Map<Long, Integer> led = new HashMap<>();
    sets.forEach(s -> led.merge(s.get(0), 1, Integer::sum));
    assertThat(led.values()).allSatisfy(n -> assertThat(n).isBetween(5, 7));
  }

  @Test
  void aRemovedMemberOnlyMovesItsOwnPartitions() { // the rendezvous property
    CreateCollectionRequest c = coll("basic", 200, 1);
    List<List<Long>> before = ReplicaSets.of(c, Membership.parse(THREE, 1, null));
    List<List<Long>> after = ReplicaSets.of(c, Membership.parse("1=h:1:1,2=h:1:2", 1, null));
    for (int p = 0; p < 200; p++) {
      if (before.get(p).get(0) != 3L) {
        assertThat(after.get(p)).isEqualTo(before.get(p));
      }
    }
  }

  @Test
  void shardAssignmentsWinPrimaryFirst() {
    CreateCollectionRequest c = coll("raft", 2, 2).toBuilder()
        .addShardAssignments(ShardAssignment.newBuilder().setPrimary(3).addReplica(1))
        .addShardAssignments(ShardAssignment.newBuilder().setPrimary(2).addReplica(2).addReplica(3)).build();
    assertThat(ReplicaSets.of(c, Membership.parse(THREE, 1, null)))
        .containsExactly(List.of(3L, 1L), List.of(2L, 3L));
  }

  @Test
  void anAssignmentNamingAStrangerIsRefused() {
    CreateCollectionRequest c = coll("basic", 1, 1).toBuilder()
        .addShardAssignments(ShardAssignment.newBuilder().setPrimary(9)).build();
    assertThatThrownBy(() -> ReplicaSets.of(c, Membership.parse(THREE, 1, null)))
        .hasMessageContaining("collection 'orders' shard_assignments[0] names node 9, which is not in ODGM_MEMBERS");
  }

  @Test
  void assignmentsMustCoverEveryPartition() {
    CreateCollectionRequest c = coll("basic", 2, 1).toBuilder()
        .addShardAssignments(ShardAssignment.newBuilder().setPrimary(1)).build();
    assertThatThrownBy(() -> ReplicaSets.of(c, Membership.parse(THREE, 1, null)))
        .hasMessageContaining("has 1 shard_assignments for 2 partitions");
  }

  @Test
  void moreRaftReplicasThanMembersIsRefused() {
    assertThatThrownBy(() -> ReplicaSets.of(coll("raft", 1, 4), Membership.parse(THREE, 1, null)))
        .hasMessageContaining("replica_count 4 exceeds the 3 members");
  }

  @Test
  void anUnknownShardTypeIsRefused() {
    assertThatThrownBy(() -> ReplicaSets.of(coll("paxos", 1, 1), Membership.standalone(1)))
        .hasMessageContaining("collection 'orders' has shard_type 'paxos'; accepted: basic, raft, mst");
  }

  @Test
  void aStandaloneNodeHoldsEveryPartition() {
    assertThat(ReplicaSets.of(coll("raft", 3, 3), Membership.standalone(7)))
        .containsExactly(List.of(7L), List.of(7L), List.of(7L));
  }
}
