package dev.oprc.odgm.replication;

import static dev.oprc.odgm.replication.RaftTestCluster.COLLECTION;
import static dev.oprc.odgm.replication.RaftTestCluster.put;
import static dev.oprc.odgm.replication.RaftTestCluster.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.storage.ShardStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import org.apache.ratis.server.RaftServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Log compaction, snapshot install on a lagging follower, and replay after a restart. */
class SnapshotAndRestartTest {
  @TempDir
  Path dir;
  private RaftTestCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private Group group(long id) {
    return cluster.nodes.get(id).hosted(cluster.members);
  }

  private RaftServer.Division division(long id) {
    try {
      return cluster.nodes.get(id).server().getDivision(RaftReplication.groupId(cluster.members));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** A plain (unreplicated) reader of a node's group database, to check a follower's copy. */
  private ShardStorage localReader(long id, int partition) {
    return group(id).machine().engine().shard(COLLECTION, partition, ev -> TriggerIndex.EMPTY, 100, 1L << 20);
  }

  @Test
  void aFollowerLaggingByFewerEntriesThanThePreservedLogCatchesUpFromTheLog() {
    cluster = new RaftTestCluster(dir, 3,
        c -> c.withSnapshotThreshold(20).withLogSegmentBytes(1024).withLogPreserveEntries(1000));
    long leader = cluster.awaitLeader();
    ShardStorage s = cluster.shard(leader, 0);
    put(s, "before", "x", new ArrayList<>());
    long follower = cluster.follower(leader);
    cluster.stop(follower);
    for (int i = 0; i < 200; i++) {
      put(s, "o" + i, "v" + i, new ArrayList<>());
    }
    RaftServer.Division ld = division(leader);
    RaftTestCluster.await("the leader to snapshot past the stopped follower's end",
        () -> group(leader).machine().getLatestSnapshot() != null
            && group(leader).machine().getLatestSnapshot().getIndex() > 100);

    cluster.start(follower);
    long leaderApplied = ld.getInfo().getLastAppliedIndex();
    RaftTestCluster.await("the follower to apply everything",
        () -> division(follower).getInfo().getLastAppliedIndex() >= leaderApplied);
    assertThat(group(follower).machine().snapshotInstalls()).as("snapshots installed on the follower").isZero();
    try (ShardStorage copy = localReader(follower, 0)) {
      assertThat(value(copy, "o199")).isEqualTo("v199");
      assertThat(copy.count()).isEqualTo(201);
    }
  }

  @Test
  void aFollowerRestartedAfterTheLogWasCompactedCatchesUpThroughASnapshot() {
    cluster = new RaftTestCluster(dir, 3,
        c -> c.withSnapshotThreshold(20).withLogSegmentBytes(1024).withLogPreserveEntries(10));
    long leader = cluster.awaitLeader();
    ShardStorage s = cluster.shard(leader, 0);
    put(s, "before", "x", new ArrayList<>());
    long follower = cluster.follower(leader);
    long followerLast = division(follower).getRaftLog().getLastEntryTermIndex().getIndex();
    cluster.stop(follower);
    for (int i = 0; i < 200; i++) {
      put(s, "o" + i, "v" + i, new ArrayList<>());
    }
    RaftServer.Division ld = division(leader);
    RaftTestCluster.await("the leader to purge its log past the stopped follower's end",
        () -> ld.getRaftLog().getStartIndex() > followerLast + 1);

    cluster.start(follower);
    RaftTestCluster.await("the follower to install a snapshot", () -> group(follower).machine().snapshotInstalls() >= 1);
    long leaderApplied = ld.getInfo().getLastAppliedIndex();
    RaftTestCluster.await("the follower to apply everything",
        () -> division(follower).getInfo().getLastAppliedIndex() >= leaderApplied);

    try (ShardStorage copy = localReader(follower, 0)) {
      assertThat(value(copy, "before")).isEqualTo("x");
      assertThat(value(copy, "o0")).isEqualTo("v0");
      assertThat(value(copy, "o199")).isEqualTo("v199");
      assertThat(copy.count()).isEqualTo(201);
    }
  }

  @Test
  void aRestartReplaysTheLogWithoutApplyingAnEntryTwice() {
    cluster = new RaftTestCluster(dir, 3, c -> c);
    long leader = cluster.awaitLeader();
    for (int i = 0; i < 30; i++) {
      put(cluster.shard(leader, 2), "o" + i, "v" + i, new ArrayList<>());
    }
    for (long id : cluster.members) {
      cluster.stop(id);
    }
    for (long id : cluster.members) {
      cluster.start(id);
    }
    long next = cluster.awaitLeader();
    // the old leader had applied all 30 before answering them; its log replays from the start
    assertThat(group(leader).machine().skippedReplays()).as("entries found applied in the database at replay")
        .isGreaterThanOrEqualTo(30);
    ShardStorage s = cluster.shard(next, 2);
    // the live count is a merge (add) operand in each entry's batch: a second apply would double it
    assertThat(s.count()).isEqualTo(30);
    assertThat(value(s, "o29")).isEqualTo("v29");
    assertThat(s.meta("o29").version()).isEqualTo(1);
  }
}
