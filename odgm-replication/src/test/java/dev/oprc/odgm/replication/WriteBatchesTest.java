package dev.oprc.odgm.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.UInt64AddOperator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

class WriteBatchesTest {
  static {
    RocksDB.loadLibrary();
  }

  @TempDir
  Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] le(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }

  @Test
  void joinedBatchesApplyAsOneBatchWithEveryRecordInOrder() throws RocksDBException {
    byte[] first;
    byte[] second;
    try (WriteBatch w1 = new WriteBatch(); WriteBatch w2 = new WriteBatch()) {
      w1.put(b("a"), b("1"));
      w1.merge(b("count"), le(1));
      w2.put(b("b"), b("2"));
      w2.delete(b("a"));
      w2.merge(b("count"), le(2));
      first = w1.data();
      second = w2.data();
    }
    byte[] joined = WriteBatches.join(List.of(first, second));
    try (UInt64AddOperator add = new UInt64AddOperator();
        Options o = new Options().setCreateIfMissing(true).setMergeOperator(add);
        RocksDB db = RocksDB.open(o, dir.toString());
        WriteBatch w = new WriteBatch(joined);
        WriteOptions wo = new WriteOptions()) {
      assertThat(w.count()).isEqualTo(5);
      db.write(wo, w);
      assertThat(db.get(b("a"))).isNull();
      assertThat(db.get(b("b"))).isEqualTo(b("2"));
      assertThat(ByteBuffer.wrap(db.get(b("count"))).order(ByteOrder.LITTLE_ENDIAN).getLong()).isEqualTo(3);
    }
  }

  @Test
  void aSingleBatchIsPassedThroughUnchanged() {
    byte[] one = new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assertThat(WriteBatches.join(List.of(one))).isSameAs(one);
  }
}
