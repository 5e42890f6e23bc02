package dev.oprc.odgm.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.settings.ConfigException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicationConfigTest {
  private static final Map<Long, InetSocketAddress> PEERS = Map.of(1L, new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 7101),
      2L, new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 7102));

  @Test
  void environmentVariablesOverrideTheDefaults() {
    ReplicationConfig c = ReplicationConfig.fromEnv(1, PEERS, Path.of("d"), 100, Map.of(
        ReplicationConfig.ELECTION_TIMEOUT_MS, "300", ReplicationConfig.REQUEST_TIMEOUT_MS, "2000",
        ReplicationConfig.SNAPSHOT_THRESHOLD, "50", ReplicationConfig.LOG_SEGMENT_BYTES, "4096",
        ReplicationConfig.READ_LEASE, "false", ReplicationConfig.LOG_PRESERVE_ENTRIES, "100"));
    assertThat(c.electionTimeoutMin()).isEqualTo(Duration.ofMillis(300));
    assertThat(c.electionTimeoutMax()).isEqualTo(Duration.ofMillis(600));
    assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.snapshotThreshold()).isEqualTo(50);
    assertThat(c.logSegmentBytes()).isEqualTo(4096);
    assertThat(c.logPreserveEntries()).isEqualTo(100);
    assertThat(c.leaderLease()).isFalse();
    assertThat(c.metaCacheSize()).isEqualTo(100);
    assertThat(c.selfAddress().getPort()).isEqualTo(7101);
  }

  @Test
  void withoutVariablesTheDefaultsApply() {
    ReplicationConfig c = ReplicationConfig.fromEnv(2, PEERS, Path.of("d"), 10, Map.of());
    assertThat(c.electionTimeoutMin()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.electionTimeoutMax()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.logPreserveEntries()).isEqualTo(4096);
    assertThat(c.leaderLease()).isFalse();
    assertThat(c.leaderSpread()).isTrue();
    assertThat(c.entriesInFlight()).isEqualTo(2);
    assertThat(c.handoffTimeout()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aBadVariableIsNamedWithItsValue() {
    assertThatThrownBy(() -> ReplicationConfig.fromEnv(1, PEERS, Path.of("d"), 10,
        Map.of(ReplicationConfig.ELECTION_TIMEOUT_MS, "fast")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ODGM_RAFT_ELECTION_TIMEOUT_MS='fast'");
    assertThatThrownBy(() -> ReplicationConfig.fromEnv(1, PEERS, Path.of("d"), 10,
        Map.of(ReplicationConfig.SNAPSHOT_THRESHOLD, "0")))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("ODGM_RAFT_SNAPSHOT_THRESHOLD='0' is invalid; accepted: an integer >= 1");
    assertThatThrownBy(() -> ReplicationConfig.fromEnv(1, PEERS, Path.of("d"), 10,
        Map.of(ReplicationConfig.READ_LEASE, "maybe")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ODGM_RAFT_READ_LEASE='maybe'");
    assertThatThrownBy(() -> ReplicationConfig.fromEnv(1, PEERS, Path.of("d"), 10,
        Map.of(ReplicationConfig.LOG_PRESERVE_ENTRIES, "-5")))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("ODGM_RAFT_LOG_PRESERVE_ENTRIES='-5' is invalid; accepted: an integer 0..2147483647");
  }

  @Test
  void blankVariablesMeanTheDefaults() {
    assertThat(ReplicationConfig.fromEnv(1, PEERS, Path.of("d"), 10, Map.of(ReplicationConfig.ELECTION_TIMEOUT_MS, " ",
        ReplicationConfig.READ_LEASE, ""))).isEqualTo(ReplicationConfig.fromEnv(1, PEERS, Path.of("d"), 10, Map.of()));
  }

  @Test
  void theDefaultsOfOfAreTheDeclaredOnes() {
    ReplicationConfig c = ReplicationConfig.of(1, PEERS, Path.of("d"));
    assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.snapshotThreshold()).isEqualTo(100_000);
    assertThat(c.logSegmentBytes()).isEqualTo(8L << 20);
    assertThat(c.metaCacheSize()).isEqualTo(65_536);
  }

  @Test
  void theLogEntriesPreservedBehindASnapshotAreGivenToRatis() {
    RaftProperties p = RaftReplication.properties(ReplicationConfig.of(1, PEERS, Path.of("d")).withLogPreserveEntries(123));
    assertThat(RaftServerConfigKeys.Log.purgePreservationLogNum(p)).isEqualTo(123);
    assertThat(RaftServerConfigKeys.Log.purgeUptoSnapshotIndex(p)).isTrue();
  }

  @Test
  void theNodeMustBeAmongThePeers() {
    assertThatThrownBy(() -> ReplicationConfig.of(3, PEERS, Path.of("d")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("this node's id 3");
  }

  @Test
  void aReplicaSetWithoutThisNodeWithAStrangerOrADuplicateIsRefusedByName(@TempDir Path dir) {
    Map<Long, InetSocketAddress> peers = Map.of(1L, new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), RaftTestCluster.freePort()),
        2L, new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), RaftTestCluster.freePort()));
    try (RaftReplication r = RaftReplication.start(ReplicationConfig.of(1, peers, dir))) {
      assertThatThrownBy(() -> r.group(List.of(2L))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("does not contain this node 1");
      assertThatThrownBy(() -> r.group(List.of(1L, 9L))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("node 9 is not a member");
      assertThatThrownBy(() -> r.group(List.of(1L, 1L))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("duplicate");
    }
  }

  @Test
  void aSingleMemberGroupLeadsAloneAndTheSameSetInAnyOrderIsTheSameGroup(@TempDir Path dir) {
    Map<Long, InetSocketAddress> peers = Map.of(1L, new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), RaftTestCluster.freePort()),
        2L, new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), RaftTestCluster.freePort()));
    try (RaftReplication r = RaftReplication.start(ReplicationConfig.of(1, peers, dir))) {
      ReplicaGroup g = r.group(List.of(1L));
      RaftTestCluster.await("the single member to lead", g::isLeaderReady);
      assertThat(g.leaderId()).hasValue(1L);
      assertThat(g.members()).containsExactly(1L);
      assertThat(r.group(List.of(2L, 1L)).id()).isEqualTo(r.group(List.of(1L, 2L)).id()).isNotEqualTo(g.id());
    }
  }
}
