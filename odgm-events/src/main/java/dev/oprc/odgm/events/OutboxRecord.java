package dev.oprc.odgm.events;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One (event, target) dispatch waiting in a shard's outbox: the Zenoh key (ending in the
 * invocation id), the encoded invocation envelope, when the write that produced it committed, and
 * whether the target asked for an end-to-end acknowledgement. It is written in the same atomic
 * batch as the write that matched it and deleted ("retired") once delivery is safe.
 *
 * <p>{@code seq} orders the records of one shard; it is assigned at commit ({@link #UNASSIGNED}
 * before). The stored form ({@link #encode()}) is versioned; {@link #decode} rejects anything
 * else with {@link CorruptOutboxRecordException}.
 *
 * <p>Immutable and thread-safe, provided callers do not mutate {@code envelope}.
 */
@SuppressWarnings("ArrayRecordComponent") // bytes are passed through, never compared or hashed
public record OutboxRecord(long seq, String key, byte[] envelope, long createdAtMillis, boolean ack) {
  /** The seq of a record not yet committed. */
  public static final long UNASSIGNED = -1;
  private static final byte FORMAT = 1;
  private static final int HEADER = 1 + 1 + 8 + 4;

  public OutboxRecord {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(envelope, "envelope");
  }

  /** A record built on the write path, before its seq is known. */
  public static OutboxRecord fresh(String key, byte[] envelope, long createdAtMillis, boolean ack) {
    return new OutboxRecord(UNASSIGNED, key, envelope, createdAtMillis, ack);
  }

  /** This record with its commit seq. */
  public OutboxRecord withSeq(long s) {
    return new OutboxRecord(s, key, envelope, createdAtMillis, ack);
  }

  /** The invocation id: the key's last segment. */
  public String invocationId() {
    return key.substring(key.lastIndexOf('/') + 1);
  }

  /** Bytes this record costs in the outbox bound (stored form plus a fixed key overhead). */
  public int sizeBytes() {
    return HEADER + key.length() + envelope.length + 16;
  }

  /** The stored form: format, flags, created-at, key length, key (UTF-8), envelope. */
  public byte[] encode() {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(HEADER + k.length + envelope.length);
    b.put(FORMAT).put((byte) (ack ? 1 : 0)).putLong(createdAtMillis).putInt(k.length).put(k).put(envelope);
    return b.array();
  }

  /** Reads a stored record; throws {@link CorruptOutboxRecordException} naming what is wrong. */
  public static OutboxRecord decode(long seq, byte[] stored) {
    if (stored == null || stored.length < HEADER) {
      throw new CorruptOutboxRecordException(seq, "record of " + (stored == null ? 0 : stored.length)
          + " bytes is shorter than its " + HEADER + "-byte header");
    }
    ByteBuffer b = ByteBuffer.wrap(stored);
    byte format = b.get();
    if (format != FORMAT) {
      throw new CorruptOutboxRecordException(seq, "unknown record format " + format);
    }
    int flags = b.get();
    long created = b.getLong();
    int keyLen = b.getInt();
    if (keyLen <= 0 || keyLen > b.remaining()) {
      throw new CorruptOutboxRecordException(seq, "key length " + keyLen + " exceeds the " + b.remaining()
          + " bytes left");
    }
    String key = new String(stored, HEADER, keyLen, StandardCharsets.UTF_8);
    byte[] env = new byte[stored.length - HEADER - keyLen];
    System.arraycopy(stored, HEADER + keyLen, env, 0, env.length);
    return new OutboxRecord(seq, key, env, created, (flags & 1) != 0);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OutboxRecord r && seq == r.seq && createdAtMillis == r.createdAtMillis && ack == r.ack
        && key.equals(r.key) && java.util.Arrays.equals(envelope, r.envelope);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(seq) * 31 + key.hashCode();
  }

  @Override
  public String toString() {
    return "OutboxRecord[" + seq + " " + key + " " + envelope.length + "B" + (ack ? " ack" : "") + "]";
  }
}
