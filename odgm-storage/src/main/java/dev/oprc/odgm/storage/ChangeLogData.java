package dev.oprc.odgm.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a raft partition's change event travels in its write batch without a seq: as a RocksDB
 * {@code LogData} record (carried by the batch and the raft log, never written to a column
 * family): magic, the shard prefix (2-byte length) and the event body. Each replica's apply finds
 * these records ({@link #find}) and writes them to the change log under the partition's next seq,
 * so every replica assigns the same seqs in the same (log) order. A batch in which the magic occurs
 * nowhere is not parsed at all (a byte scan, no allocation): with change streams off no batch holds it.
 *
 * <p>Stateless; thread-safe.
 */
final class ChangeLogData {
  private static final byte[] MAGIC = "odgm.chg".getBytes(StandardCharsets.US_ASCII);
  private static final int HEADER = 12; // sequence (8) + count (4)

  private ChangeLogData() {}

  /** A change of the shard with {@code prefix}: prefix and body. */
  @SuppressWarnings("ArrayRecordComponent") // read once, never modified
  record Found(byte[] prefix, byte[] body) {}

  static byte[] encode(byte[] prefix, byte[] body) {
    return ByteBuffer.allocate(MAGIC.length + 2 + prefix.length + body.length).put(MAGIC)
        .putShort((short) prefix.length).put(prefix).put(body).array();
  }

  /**
   * The change records of a serialized write batch, in batch order (empty when it has none).
   *
   * @throws StorageException when the batch holds a record kind this node never writes
   */
  static List<Found> find(byte[] batch) {
    if (!mayHoldChanges(batch)) {
      return List.of(); // the common case with change streams off: one pass over bytes, no parsing
    }
    List<Found> out = null;
    int[] pos = {HEADER};
    while (pos[0] < batch.length) {
      int tag = batch[pos[0]++] & 0xff;
      switch (tag) {
        case 0x0, 0x7 -> skip(batch, pos, 1); // deletion, single deletion: key
        case 0x1, 0x2, 0xF -> skip(batch, pos, 2); // value, merge: key, value; range deletion: begin, end
        case 0x4, 0x8 -> cfThen(batch, pos, 1); // column family deletion / single deletion
        case 0x5, 0x6, 0xE -> cfThen(batch, pos, 2); // column family value, merge, range deletion
        case 0xD -> { } // noop
        case 0x3 -> {
          byte[] blob = slice(batch, pos);
          Found f = decode(blob);
          if (f != null) {
            out = out == null ? new ArrayList<>(4) : out;
            out.add(f);
          }
        }
        default -> throw new StorageException("unexpected record kind " + tag + " at byte " + (pos[0] - 1)
            + " of a replicated write batch");
      }
    }
    return out == null ? List.of() : out;
  }

  /** False when {@code batch} cannot hold a change record: the magic occurs nowhere in it. */
  static boolean mayHoldChanges(byte[] batch) {
    byte first = MAGIC[0];
    for (int i = HEADER, last = batch.length - MAGIC.length; i <= last; i++) {
      if (batch[i] == first && Arrays.equals(batch, i, i + MAGIC.length, MAGIC, 0, MAGIC.length)) {
        return true;
      }
    }
    return false;
  }

  private static Found decode(byte[] blob) {
    if (blob.length < MAGIC.length + 2 || !Arrays.equals(blob, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      return null;
    }
    int plen = ((blob[MAGIC.length] & 0xff) << 8) | (blob[MAGIC.length + 1] & 0xff);
    int from = MAGIC.length + 2;
    return new Found(Arrays.copyOfRange(blob, from, from + plen), Arrays.copyOfRange(blob, from + plen, blob.length));
  }

  private static void cfThen(byte[] b, int[] pos, int strings) {
    varint(b, pos);
    skip(b, pos, strings);
  }

  private static void skip(byte[] b, int[] pos, int strings) {
    for (int i = 0; i < strings; i++) {
      int len = varint(b, pos);
      pos[0] += len;
    }
  }

  private static byte[] slice(byte[] b, int[] pos) {
    int len = varint(b, pos);
    byte[] out = Arrays.copyOfRange(b, pos[0], pos[0] + len);
    pos[0] += len;
    return out;
  }

  private static int varint(byte[] b, int[] pos) {
    int result = 0;
    for (int shift = 0; shift <= 28; shift += 7) {
      int x = b[pos[0]++] & 0xff;
      result |= (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        return result;
      }
    }
    throw new StorageException("malformed varint in a replicated write batch");
  }
}
