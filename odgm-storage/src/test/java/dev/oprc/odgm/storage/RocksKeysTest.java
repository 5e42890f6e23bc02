package dev.oprc.odgm.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The documented key layouts, byte for byte, and the orderings the engine relies on. */
class RocksKeysTest {
  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  @Test
  void shardPrefixIsCollectionNulAndBigEndianPartition() {
    assertThat(hex(RocksKeys.shardPrefix("ab", 258))).isEqualTo("6162" + "00" + "00000102");
  }

  @Test
  void entryKeysAreObjectIdNulKeyAfterThePrefix() {
    byte[] p = RocksKeys.shardPrefix("c", 0);
    assertThat(hex(RocksKeys.entry(RocksKeys.entriesOf(p, "o1"), "k"))).isEqualTo(hex(p) + "6f31" + "00" + "6b");
    assertThat(hex(RocksKeys.meta(p, "o1"))).isEqualTo(hex(p) + "6f31");
  }

  @Test
  void anObjectsEntriesSortBeforeAnyLongerObjectIdSharingItsStart() {
    byte[] p = RocksKeys.shardPrefix("c", 0);
    byte[] entryOfA = RocksKeys.entry(RocksKeys.entriesOf(p, "a"), "zzz");
    byte[] entryOfAdotB = RocksKeys.entry(RocksKeys.entriesOf(p, "a.b"), "k");
    assertThat(Arrays.compareUnsigned(entryOfA, entryOfAdotB)).isNegative();
    assertThat(RocksKeys.startsWith(entryOfAdotB, RocksKeys.entriesOf(p, "a"))).isFalse();
  }

  @Test
  void outboxKeysSortBySeqAndPartitionsDoNotOverlap() {
    byte[] p0 = RocksKeys.shardPrefix("c", 0);
    byte[] p1 = RocksKeys.shardPrefix("c", 1);
    assertThat(Arrays.compareUnsigned(RocksKeys.outbox(p0, 255), RocksKeys.outbox(p0, 256))).isNegative();
    assertThat(Arrays.compareUnsigned(RocksKeys.outbox(p0, Long.MAX_VALUE), RocksKeys.outbox(p1, 1))).isNegative();
  }

  @Test
  void countOperandsAreLittleEndianForUint64Add() {
    assertThat(hex(RocksKeys.le64(1))).isEqualTo("0100000000000000");
    assertThat(hex(RocksKeys.le64(-1))).isEqualTo("ffffffffffffffff");
    assertThat(RocksKeys.readLe64(RocksKeys.le64(42))).isEqualTo(42);
  }
}
