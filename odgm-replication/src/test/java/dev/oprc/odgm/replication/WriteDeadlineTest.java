package dev.oprc.odgm.replication;

import static dev.oprc.odgm.replication.RaftTestCluster.put;
import static dev.oprc.odgm.replication.RaftTestCluster.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.storage.ShardStorage;
import dev.oprc.odgm.storage.WriteDeadline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A write carries its caller's deadline to the point where it would be proposed to Raft. */
class WriteDeadlineTest {
  @TempDir
  Path dir;
  private RaftTestCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private long leader;

  private ShardStorage leaderShard() {
    cluster = new RaftTestCluster(dir, 3, UnaryOperator.identity());
    leader = cluster.awaitLeader();
    return cluster.shard(leader, 0);
  }

  @Test
  void aWriteWhoseDeadlinePassedIsNotProposedAndLeavesNoTrace() {
    ShardStorage s = leaderShard();
    List<dev.oprc.odgm.events.OutboxRecord> seen = new ArrayList<>();
    WriteDeadline past = new WriteDeadline(System.currentTimeMillis() - 1, () -> false);
    assertThatThrownBy(() -> WriteDeadline.call(past, () -> put(s, "o1", "late", seen)))
        .isInstanceOfSatisfying(WriteNotProposedException.class, e -> assertThat(e.cancelled()).isFalse())
        .hasMessageContaining("deadline passed").hasMessageContaining("not applied");
    assertThat(seen).isEmpty();
    assertThat(value(s, "o1")).isNull();
    assertThat(s.outbox().pendingCount()).isZero();
    assertThat(put(s, "o1", "next", seen)).as("the dropped write used no version").isEqualTo(1);
    assertThat(cluster.nodes.get(leader).batcher().expired()).as("counted as not proposed").isEqualTo(1);
  }

  @Test
  void aCancelledWriteIsNotProposed() {
    ShardStorage s = leaderShard();
    WriteDeadline cancelled = new WriteDeadline(WriteDeadline.NONE.epochMillis(), () -> true);
    assertThatThrownBy(() -> WriteDeadline.call(cancelled, () -> put(s, "o1", "gone", new ArrayList<>())))
        .isInstanceOfSatisfying(WriteNotProposedException.class, e -> assertThat(e.cancelled()).isTrue());
    assertThat(value(s, "o1")).isNull();
  }

  @Test
  void aWriteWithinItsDeadlineIsApplied() {
    ShardStorage s = leaderShard();
    WriteDeadline live = new WriteDeadline(System.currentTimeMillis() + 600_000, () -> false);
    assertThat(WriteDeadline.call(live, () -> put(s, "o1", "on time", new ArrayList<>()))).isEqualTo(1);
    assertThat(value(s, "o1")).isEqualTo("on time");
  }
}
