package dev.oprc.odgm.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.node.NodeConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ODGM_MEMBERS and shard types as NodeConfig.fromEnv reads them. */
class ClusterConfigTest {
  private static final String THREE = "1=127.0.0.1:7101:8081,2=127.0.0.1:7102:8082,3=127.0.0.1:7103:8083";

  @Test
  void inAClusterTheGrpcPortDefaultsToTheOwnMemberEntry() {
    NodeConfig c = NodeConfig.fromEnv(Map.of("ODGM_NODE_ID", "2", "ODGM_MEMBERS", THREE));
    assertThat(c.port()).isEqualTo(8082);
    assertThat(c.members().ids()).containsExactly(1L, 2L, 3L);
    assertThat(c.replication().selfAddress().getPort()).isEqualTo(7102);
    assertThat(c.replication().peers()).containsOnlyKeys(1L, 2L, 3L);
  }

  @Test
  void raftSettingsComeFromTheEnvironment() {
    NodeConfig c = NodeConfig.fromEnv(Map.of("ODGM_NODE_ID", "1", "ODGM_MEMBERS", THREE,
        "ODGM_RAFT_ELECTION_TIMEOUT_MS", "300"));
    assertThat(c.replication().electionTimeoutMin().toMillis()).isEqualTo(300);
  }

  @Test
  void standaloneHasNoReplicationSettings() {
    NodeConfig c = NodeConfig.fromEnv(Map.of());
    assertThat(c.members().clustered()).isFalse();
    assertThat(c.replication()).isNull();
  }

  @Test
  void aBadMemberEntryNamesTheVariableAndTheEntry() {
    assertThatThrownBy(() -> NodeConfig.fromEnv(Map.of("ODGM_NODE_ID", "1", "ODGM_MEMBERS", "1=h:1:2,2=h:x:3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("ODGM_MEMBERS=1=h:1:2,2=h:x:3: entry '2=h:x:3' has an invalid port 'x'");
  }

  @Test
  void anUnknownShardTypeIsRefusedAtStart() {
    assertThatThrownBy(() -> NodeConfig.fromEnv(Map.of("ODGM_COLLECTION",
        "[{\"name\":\"orders\",\"partition_count\":1,\"shard_type\":\"crdt\"}]")))
        .hasMessageContaining("collection 'orders' has shard_type 'crdt'; accepted: basic, raft, mst");
  }

  @Test
  void moreRaftReplicasThanMembersIsRefusedAtStart() {
    assertThatThrownBy(() -> NodeConfig.fromEnv(Map.of("ODGM_NODE_ID", "1", "ODGM_MEMBERS", THREE,
        "ODGM_COLLECTION", "[{\"name\":\"orders\",\"partition_count\":1,\"replica_count\":5,\"shard_type\":\"raft\"}]")))
        .hasMessageContaining("replica_count 5 exceeds the 3 members of ODGM_MEMBERS");
  }
}
