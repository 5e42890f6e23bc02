package dev.oprc.odgm.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.storage.CommitListener;
import dev.oprc.odgm.storage.ObjectMeta;
import dev.oprc.odgm.storage.ShardStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A raft partition's change seqs are assigned by the replicated apply: a new leader continues the numbering. */
class ReplicatedChangeSeqTest {
  @TempDir
  Path dir;
  private RaftTestCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static void write(ShardStorage s, String oid) {
    s.write(oid, txn -> {
      txn.put("v", RaftTestCluster.val(oid));
      txn.setMeta(new ObjectMeta(txn.nextVersion(), 1, TriggerIndex.EMPTY));
      txn.stageChange(("{\"object_id\":\"" + oid + "\"").getBytes(StandardCharsets.UTF_8));
      return null;
    }, CommitListener.NONE).awaitDurable();
  }

  @Test
  void theLeaderHearsEachCommittedChangeWithItsSeqAndTheNextLeaderContinuesTheNumbering() {
    cluster = new RaftTestCluster(dir, 3, UnaryOperator.identity());
    long leader = cluster.awaitLeader();
    List<Long> seqs = new CopyOnWriteArrayList<>();
    for (long id : cluster.members) {
      cluster.shard(id, 0).onChanges((body, seq, ticket) -> seqs.add(seq)); // only a ready leader's sink hears
    }
    write(cluster.shard(leader, 0), "a");
    write(cluster.shard(leader, 0), "b");
    RaftTestCluster.await("the leader's sink to hear both", () -> seqs.size() == 2);
    cluster.stop(leader);
    long next = cluster.awaitLeader();
    write(cluster.shard(next, 0), "c");
    RaftTestCluster.await("the new leader's sink to hear the third", () -> seqs.size() == 3);
    assertThat(seqs).containsExactly(1L, 2L, 3L);
    dev.oprc.odgm.storage.ChangeLog log = cluster.shard(next, 0).changeLog();
    List<Long> retained = new java.util.ArrayList<>();
    log.scan(0, log.durableSeq(), 100, (seq, body) -> retained.add(seq));
    assertThat(retained).as("the new leader's replica of the change log").containsExactly(1L, 2L, 3L);
    assertThat(log.oldestSeq()).isEqualTo(1);
  }
}
