package dev.oprc.odgm.replication;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Joins serialized RocksDB write batches into one, so several writes travel as one Raft entry and
 * are applied in one atomic RocksDB write. RocksDB's batch representation is a 12-byte header
 * (sequence: fixed64, count: fixed32, little-endian) followed by {@code count} records; joining
 * keeps the records in order under one header with the summed count, which is what RocksDB's own
 * {@code WriteBatchInternal::Append} does.
 *
 * <p>Stateless; thread-safe.
 */
final class WriteBatches {
  static final int HEADER = 12;

  private WriteBatches() {}

  static byte[] join(List<byte[]> batches) {
    if (batches.size() == 1) {
      return batches.get(0);
    }
    int size = HEADER;
    long count = 0;
    for (byte[] b : batches) {
      if (b.length < HEADER) {
        throw new IllegalArgumentException("a serialized write batch has at least " + HEADER + " bytes, got "
            + b.length);
      }
      size += b.length - HEADER;
      count += ByteBuffer.wrap(b, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
    }
    ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(0).putInt((int) count);
    for (byte[] b : batches) {
      out.put(b, HEADER, b.length - HEADER);
    }
    return out.array();
  }
}
