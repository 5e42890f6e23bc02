package dev.oprc.odgm.storage;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Key and value layouts of the RocksDB engine. {@code P} is the shard prefix:
 * UTF-8 collection name, 0x00, partition (4 bytes, big-endian).
 * <pre>
 * meta     P + object id                    -> 0x01, version (8 BE), entry count (4 BE), ObjectEvent bytes
 * entries  P + object id + 0x00 + entry key -> ValData bytes
 * outbox   P + seq (8 BE)                   -> OutboxRecord.encode()
 * shard    P + 'c'                          -> live object count (8 LE, uint64add merge operands)
 * shard    P + 'f' + stripe (2 BE)          -> version floor of the stripe (8 BE)
 * shard    P + 's'                          -> last change seq (8 BE)
 * changes  P + seq (8 BE)                   -> change event body (ChangeEvents.body)
 * </pre>
 * Object ids never contain 0x00 ({@code [a-z0-9._:-]+}), so an object's entries are contiguous
 * and sort after no other object's.
 */
final class RocksKeys {
  private RocksKeys() {}

  static byte[] shardPrefix(String collection, int partition) {
    byte[] c = collection.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(c.length + 5).put(c).put((byte) 0).putInt(partition).array();
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] meta(byte[] p, String oid) {
    return concat(p, utf8(oid));
  }

  /** The first key of {@code oid}'s entries (also the prefix they share). */
  static byte[] entriesOf(byte[] p, String oid) {
    byte[] o = utf8(oid);
    byte[] out = Arrays.copyOf(p, p.length + o.length + 1);
    System.arraycopy(o, 0, out, p.length, o.length);
    return out; // trailing 0x00 from copyOf
  }

  static byte[] entry(byte[] entriesPrefix, String key) {
    return concat(entriesPrefix, utf8(key));
  }

  static byte[] outbox(byte[] p, long seq) {
    return ByteBuffer.allocate(p.length + 8).put(p).putLong(seq).array();
  }

  static byte[] change(byte[] p, long seq) {
    return outbox(p, seq);
  }

  static byte[] changeSeq(byte[] p) {
    return concat(p, new byte[] {'s'});
  }

  static byte[] count(byte[] p) {
    return concat(p, new byte[] {'c'});
  }

  static byte[] floor(byte[] p, int stripe) {
    return ByteBuffer.allocate(p.length + 3).put(p).put((byte) 'f').putShort((short) stripe).array();
  }

  static byte[] floorPrefix(byte[] p) {
    return concat(p, new byte[] {'f'});
  }

  static byte[] le64(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }

  static long readLe64(byte[] b) {
    return b == null || b.length < 8 ? 0 : ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  static byte[] be64(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  static long readBe64(byte[] b, int off) {
    return ByteBuffer.wrap(b, off, 8).getLong();
  }

  static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** The smallest key greater than every key starting with {@code prefix}. */
  static byte[] after(byte[] prefix) {
    byte[] out = Arrays.copyOf(prefix, prefix.length + 1);
    out[prefix.length] = (byte) 0xff; // ids and keys are UTF-8: never 0xff
    return out;
  }
}
