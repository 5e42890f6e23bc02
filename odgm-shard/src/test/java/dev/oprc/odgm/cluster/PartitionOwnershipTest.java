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
    assertThat(o.raftReplicaSets()).containsExactly(List.of(1L, 2L, 3L));
  }

  @Test
  void becomingTheReadyLeaderNotifiesEveryPartitionOfTheGroupOnce() {
    PartitionOwnership o = PartitionOwnership.of(List.of(ReplicaSetsTest.coll("raft", 4, 3)),
        Membership.parse(THREE, 2, null));
    List<String> heard = new ArrayList<>();
    o.addListener((c, p, owned) -> heard.add(c + "/" + p + "=" + owned));
    o.leadershipChanged(List.of(3L, 1L, 2L), false, OptionalLong.of(2)); // leader, not ready yet
    assertThat(heard).isEmpty();
    assertThat(o.owns("orders", 1)).isFalse();
    o.leadershipChanged(List.of(1L, 2L, 3L), true, OptionalLong.of(2));
    o.leadershipChanged(List.of(1L, 2L, 3L), true, OptionalLong.of(2));
    assertThat(heard).containsExactly("orders/0=true", "orders/1=true", "orders/2=true", "orders/3=true");
    assertThat(o.role("orders", 3)).isEqualTo(PartitionOwnership.Role.LEADER);
    o.leadershipChanged(List.of(1L, 2L, 3L), false, OptionalLong.of(3));
    assertThat(heard).hasSize(8).endsWith("orders/3=false");
    assertThat(o.owner("orders", 0)).hasValue(3);
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
