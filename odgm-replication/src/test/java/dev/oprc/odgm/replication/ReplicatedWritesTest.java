package dev.oprc.odgm.replication;

import static dev.oprc.odgm.replication.RaftTestCluster.put;
import static dev.oprc.odgm.replication.RaftTestCluster.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.events.OutboxRecord;
import dev.oprc.odgm.storage.ShardStorage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A 3-replica group on loopback: where writes and reads are served, and what survives a leader's loss. */
class ReplicatedWritesTest {
  @TempDir
  Path dir;
  private RaftTestCluster cluster;

  private RaftTestCluster cluster(UnaryOperator<ReplicationConfig> tune) {
    cluster = new RaftTestCluster(dir, 3, tune);
    return cluster;
  }

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aWriteOnTheLeaderIsReadableOnTheNewLeaderAfterTheOldLeaderIsClosed() {
    RaftTestCluster c = cluster(UnaryOperator.identity());
    long leader = c.awaitLeader();
    for (long id : c.members) {
      c.shard(id, 3); // opened on every replica first: the new leader reloads it, it is not opened fresh
    }
    put(c.shard(leader, 3), "o1", "hello", new ArrayList<>());
    put(c.shard(leader, 3), "o1", "hello", new ArrayList<>());
    c.stop(leader);
    long next = c.awaitLeader();
    assertThat(next).isNotEqualTo(leader);
    ShardStorage s = c.shard(next, 3);
    assertThat(value(s, "o1")).isEqualTo("hello");
    assertThat(s.meta("o1").version()).isEqualTo(2);
    assertThat(s.count()).isEqualTo(1);
    assertThat(s.outbox().pendingCount()).isEqualTo(2);
    assertThat(put(s, "o1", "again", new ArrayList<>())).as("the next version").isEqualTo(3);
  }

  @Test
  void aWriteOnAFollowerThrowsNotLeaderNamingTheLeaderAndCallsNoListener() {
    RaftTestCluster c = cluster(UnaryOperator.identity());
    long leader = c.awaitLeader();
    long follower = c.follower(leader);
    RaftTestCluster.await("the follower to know the leader", () -> c.group(follower).leaderId().isPresent());
    List<OutboxRecord> seen = new ArrayList<>();
    assertThatThrownBy(() -> put(c.shard(follower, 0), "o1", "x", seen))
        .isInstanceOfSatisfying(NotLeaderException.class,
            e -> assertThat(e.leaderHint()).isEqualTo(OptionalLong.of(leader)))
        .hasMessageContaining("node " + follower).hasMessageContaining("the leader is node " + leader);
    assertThat(seen).isEmpty();
  }

  @Test
  void aReadOnAFollowerThrowsNotLeader() {
    RaftTestCluster c = cluster(UnaryOperator.identity());
    long leader = c.awaitLeader();
    put(c.shard(leader, 0), "o1", "x", new ArrayList<>());
    long follower = c.follower(leader);
    assertThatThrownBy(() -> c.shard(follower, 0).entry("o1", "v")).isInstanceOf(NotLeaderException.class);
    assertThatThrownBy(() -> c.shard(follower, 0).meta("o1")).isInstanceOf(NotLeaderException.class);
  }

  @Test
  void theRecordsOfAWriteReachTheWritingLeadersListenerWithTheirSeqs() {
    RaftTestCluster c = cluster(UnaryOperator.identity());
    long leader = c.awaitLeader();
    List<OutboxRecord> seen = new ArrayList<>();
    put(c.shard(leader, 0), "o1", "a", seen);
    put(c.shard(leader, 0), "o1", "b", seen);
    assertThat(seen).extracting(OutboxRecord::seq).containsExactly(1L, 2L);
    assertThat(seen).extracting(OutboxRecord::invocationId).containsExactly("o1-1", "o1-2");
    assertThat(c.shard(leader, 0).outbox().pendingCount()).isEqualTo(2);
  }

  @Test
  void aNewLeadersOutboxHoldsTheUnretiredRecordsUnderTheirIds() {
    RaftTestCluster c = cluster(UnaryOperator.identity());
    long leader = c.awaitLeader();
    for (long id : c.members) {
      c.shard(id, 5);
    }
    ShardStorage s = c.shard(leader, 5);
    List<OutboxRecord> seen = new ArrayList<>();
    put(s, "o1", "a", seen);
    put(s, "o2", "b", seen);
    put(s, "o3", "c", seen);
    OutboxRecord first = seen.get(0);
    s.outbox().retire(new long[] {first.seq()}, new int[] {first.sizeBytes()}, 1);
    put(s, "o4", "d", seen); // commits after the retire: the retire is in every replica's log prefix
    c.stop(leader);
    long next = c.awaitLeader();
    List<OutboxRecord> scanned = new ArrayList<>();
    c.shard(next, 5).outbox().scan(-1, 100, scanned::add);
    assertThat(scanned).containsExactlyElementsOf(seen.subList(1, 4));
    assertThat(c.shard(next, 5).outbox().pendingCount()).isEqualTo(3);
  }

  @Test
  void aWriteWithoutAQuorumFailsAsOutcomeUnknownNotAsSuccess() {
    // a long election timeout: the leader keeps believing it leads while its followers are gone
    RaftTestCluster c = cluster(cfg -> cfg.withRequestTimeout(Duration.ofMillis(300))
        .withElectionTimeout(Duration.ofSeconds(4), Duration.ofSeconds(6)));
    long leader = c.awaitLeader();
    ShardStorage s = c.shard(leader, 0);
    put(s, "o1", "a", new ArrayList<>());
    for (long id : new ArrayList<>(c.nodes.keySet())) {
      if (id != leader) {
        c.stop(id);
      }
    }
    List<OutboxRecord> seen = new ArrayList<>();
    assertThatThrownBy(() -> put(s, "o1", "b", seen)).isInstanceOf(WriteOutcomeUnknownException.class)
        .hasMessageContaining("may or may not have been applied");
    assertThat(seen).isEmpty();
  }
}
