package dev.oprc.odgm.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class PartitionOwnershipTest {
  private static final String THREE = "1=127.0.0.1:7101:8081,2=127.0.0.1:7102:8082,3=127.0.0.1:7103:8083";

  @Test
  void aBasicPartitionIsOwnedByTheFirstOfItsReplicaSetOnEveryNode() {
    for (long self = 1; self <= 3; self++) {
      PartitionOwnership o = PartitionOwnership.of(List.of(ReplicaSetsTest.coll("basic", 16, 1)),
          Membership.parse(THREE, self, null));
      for (int p = 0; p < 16; p++) {
        long owner = o.replicas("orders", p).get(0);
        assertThat(o.owner("orders", p)).hasValue(owner);
        assertThat(o.owns("orders", p)).isEqualTo(owner == self);
        assertThat(o.role("orders", p)).isEqualTo(owner == self ? PartitionOwnership.Role.OWNER
            : PartitionOwnership.Role.NONE);
      }
    }
  }

  @Test
  void mstRunsAsBasic() {
    PartitionOwnership o = PartitionOwnership.of(List.of(ReplicaSetsTest.coll("mst", 4, 3)),
        Membership.parse(THREE, 1, null));
    assertThat(o.type("orders")).isEqualTo(ShardType.BASIC);
    assertThat(o.replicas("orders", 0)).hasSize(1);
  }

  @Test
  void aRaftPartitionHasNoOwnerUntilItsGroupElectsOne() {
    PartitionOwnership o = PartitionOwnership.of(List.of(ReplicaSetsTest.coll("raft", 4, 3)),
        Membership.parse(THREE, 1, null));
    assertThat(o.owner("orders", 0)).isEmpty();
    assertThat(o.owns("orders", 0)).isFalse();
    assertThat(o.role("orders", 0)).isEqualTo(PartitionOwnership.Role.FOLLOWER);
  }

  @Test
  void raftPartitionsOfOneReplicaSetSpreadOverOneGroupPerPreferredLeader() {
    PartitionOwnership o = PartitionOwnership.of(List.of(ReplicaSetsTest.coll("raft", 12, 3)),
        Membership.parse(THREE, 1, null));
    assertThat(o.raftReplicaSets()).containsExactlyInAnyOrder(List.of(1L, 2L, 3L), List.of(2L, 1L, 3L),
        List.of(3L, 1L, 2L));
  }

  @Test
  void becomingTheReadyLeaderNotifiesEveryPartitionOfTheGroupOnce() {
    PartitionOwnership o = PartitionOwnership.of(List.of(ReplicaSetsTest.coll("raft", 6, 3)),
        Membership.parse(THREE, 2, null));
    List<Integer> ofGroup = new ArrayList<>();
    for (int p = 0; p < 6; p++) {
      if (o.replicas("orders", p).get(0) == 2L) {
        ofGroup.add(p);
      }
    }
    List<Long> key = PartitionOwnership.groupKey(o.replicas("orders", ofGroup.get(0)));
    List<Integer> heard = new ArrayList<>();
    o.addListener((c, p, owned) -> heard.add(owned ? p : -1 - p));
    o.leadershipChanged(key, false, OptionalLong.of(2)); // leader, not ready yet
    assertThat(heard).isEmpty();
    o.leadershipChanged(key, true, OptionalLong.of(2));
    o.leadershipChanged(key, true, OptionalLong.of(2));
    assertThat(heard).containsExactlyElementsOf(ofGroup);
    assertThat(o.role("orders", ofGroup.get(0))).isEqualTo(PartitionOwnership.Role.LEADER);
    for (int p = 0; p < 6; p++) {
      assertThat(o.owns("orders", p)).as("partition %d", p).isEqualTo(ofGroup.contains(p));
    }
    o.leadershipChanged(key, false, OptionalLong.of(3));
    assertThat(heard).hasSize(2 * ofGroup.size()).endsWith(-1 - ofGroup.get(ofGroup.size() - 1));
    assertThat(o.owner("orders", ofGroup.get(0))).hasValue(3);
  }

  @Test
  void aStandaloneNodeOwnsEveryPartitionOfEveryType() {
    PartitionOwnership o = PartitionOwnership.of(List.of(ReplicaSetsTest.coll("raft", 2, 3)),
        Membership.standalone(9));
    assertThat(o.owns("orders", 0)).isTrue();
    assertThat(o.owns("orders", 1)).isTrue();
    assertThat(o.owns("orders", 2)).isFalse(); // no such partition
    assertThat(o.knows("other", 0)).isFalse();
  }
}
