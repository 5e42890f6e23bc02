package dev.oprc.odgm.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.proto.ValData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.WriteBatch;

/** Change events get their per-partition seq where the write commits, in the same batch as the data. */
class ChangeLogSeqTest {
  @TempDir
  Path dir;
  private RocksStorageEngine engine;

  @AfterEach
  void close() {
    if (engine != null) {
      engine.close();
    }
  }

  private ShardStorage open() {
    engine = RocksStorageEngine.open(dir, SyncMode.GROUP);
    return engine.shard("orders", 0, ev -> TriggerIndex.EMPTY, 100, 1 << 20);
  }

  private static byte[] body(String oid) {
    return ("{\"object_id\":\"" + oid + "\",\"v\":1").getBytes(StandardCharsets.UTF_8);
  }

  private static void write(ShardStorage s, String oid) {
    s.write(oid, txn -> {
      txn.put("k", ValData.newBuilder().setData(ByteString.copyFromUtf8("v")).build());
      txn.setMeta(new ObjectMeta(txn.nextVersion(), 1, TriggerIndex.EMPTY));
      txn.stageChange(body(oid));
      return null;
    }, CommitListener.NONE).awaitDurable();
  }

  @Test
  void seqsAreGapFreePerPartitionAndContinueAfterReopen() {
    List<Long> seqs = new ArrayList<>();
    ShardStorage s = open();
    s.onChanges((b, seq, t) -> seqs.add(seq));
    write(s, "a");
    write(s, "b");
    s.close();
    engine.close();
    engine = null;
    ShardStorage again = open();
    again.onChanges((b, seq, t) -> seqs.add(seq));
    write(again, "a");
    assertThat(seqs).containsExactly(1L, 2L, 3L);
  }

  @Test
  void anAbortedWriteTakesNoSeqAndReachesNoSink() {
    List<Long> seqs = new ArrayList<>();
    ShardStorage s = open();
    s.onChanges((b, seq, t) -> seqs.add(seq));
    assertThatThrownBy(() -> s.write("a", txn -> {
      txn.stageChange(body("a"));
      throw new IllegalStateException("version mismatch");
    }, CommitListener.NONE)).isInstanceOf(IllegalStateException.class);
    write(s, "a");
    assertThat(seqs).containsExactly(1L);
  }

  @Test
  void logDataRecordsAreFoundAmongEveryKindOfRecordAWriteBatchHolds() throws Exception {
    open();
    byte[] p = RocksKeys.shardPrefix("orders", 2);
    try (WriteBatch b = new WriteBatch()) {
      b.put(engine.metaCf, "k".getBytes(StandardCharsets.UTF_8), new byte[300]);
      b.putLogData(ChangeLogData.encode(p, body("x")));
      b.delete(engine.entriesCf, "d".getBytes(StandardCharsets.UTF_8));
      b.deleteRange(engine.outboxCf, new byte[] {1}, new byte[] {2});
      b.merge(engine.shardCf, "c".getBytes(StandardCharsets.UTF_8), RocksKeys.le64(1));
      b.put("plain".getBytes(StandardCharsets.UTF_8), new byte[] {1});
      b.putLogData("someone else's".getBytes(StandardCharsets.UTF_8));
      b.putLogData(ChangeLogData.encode(p, body("y")));
      List<ChangeLogData.Found> found = ChangeLogData.find(b.data());
      assertThat(found).extracting(f -> new String(f.body(), StandardCharsets.UTF_8))
          .containsExactly(new String(body("x"), StandardCharsets.UTF_8), new String(body("y"), StandardCharsets.UTF_8));
      assertThat(found.get(0).prefix()).isEqualTo(p);
    }
  }

  @Test
  void aBatchWithoutTheMagicIsNotParsedAndAValueHoldingItIsNoChangeRecord() throws Exception {
    open();
    try (WriteBatch b = new WriteBatch()) {
      b.put(engine.metaCf, "k".getBytes(StandardCharsets.UTF_8), new byte[300]);
      b.putLogData("someone else's".getBytes(StandardCharsets.UTF_8));
      assertThat(ChangeLogData.mayHoldChanges(b.data())).isFalse();
      b.put(engine.entriesCf, "v".getBytes(StandardCharsets.UTF_8), ChangeLogData.encode(new byte[] {1}, body("z")));
      assertThat(ChangeLogData.mayHoldChanges(b.data())).isTrue();
      assertThat(ChangeLogData.find(b.data())).isEmpty();
    }
  }

  @Test
  void aReplicatedApplyGivesEachPartitionItsNextSeqAndWritesItWithTheBatch() throws Exception {
    open();
    byte[] p0 = RocksKeys.shardPrefix("orders", 0);
    byte[] p1 = RocksKeys.shardPrefix("orders", 1);
    List<Long> seqs = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      try (WriteBatch b = new WriteBatch()) {
        b.putLogData(ChangeLogData.encode(p0, body("a")));
        b.putLogData(ChangeLogData.encode(p1, body("b")));
        b.putLogData(ChangeLogData.encode(p0, body("c")));
        for (RocksStorageEngine.AppliedChange c : engine.applyReplicated(b.data(), new LogPosition(1, i))) {
          seqs.add(c.seq());
          assertThat(c.collection()).isEqualTo("orders");
        }
      }
    }
    assertThat(seqs).containsExactly(1L, 1L, 2L, 3L, 2L, 4L);
    assertThat(RocksKeys.readBe64(engine.db().get(engine.shardCf, RocksKeys.changeSeq(p0)), 0)).isEqualTo(4);
    assertThat(engine.db().get(engine.changesCf, RocksKeys.change(p1, 2))).isEqualTo(body("b"));
  }
}
