package dev.oprc.odgm.events;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Invocation ids that are a function of what was dispatched, so a record replayed from the outbox
 * (after a router outage, a crash, or a leader change) carries the id of its first delivery and a
 * receiver can suppress the duplicate. The id is about 124 bits of SHA-256 over (collection, partition,
 * object id, object version, event type, key or function id, target index, nonce), written as 21
 * characters of upstream's nanoid alphabet ({@code A-Za-z0-9_-}). Data events need no nonce: the
 * object version is unique per write because versions never go back, even across delete and
 * re-create. Function events pass the id of the invocation that completed (or a fresh one) and
 * version 0, so a re-run of that invocation maps to the same ids whatever it did to the object.
 *
 * <p>Stateless; thread-safe (one digest per thread).
 */
public final class DeterministicInvocationIds {
  private static final char[] ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".toCharArray();
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  });

  private DeterministicInvocationIds() {}

  /** The id of dispatching event {@code ctx} to the target at {@code targetIndex} of its trigger list. */
  public static String of(EventContext ctx, int targetIndex, String nonce) {
    return of(ctx.clsId(), ctx.partitionId(), ctx.objectId(), ctx.objectVersion(), ctx.type(), ctx.subject(),
        targetIndex, nonce);
  }

  /** The id for the given identity; {@code nonce} may be null. */
  public static String of(String cls, int partition, String objectId, long version, EventType type, String subject,
      int targetIndex, String nonce) {
    MessageDigest d = SHA256.get();
    d.reset();
    field(d, cls);
    int32(d, partition);
    field(d, objectId);
    int32(d, (int) (version >>> 32));
    int32(d, (int) version);
    int32(d, type.number());
    field(d, subject);
    int32(d, targetIndex);
    field(d, nonce == null ? "" : nonce);
    byte[] h = d.digest();
    char[] id = new char[21];
    long hi = bits(h, 0);
    long lo = bits(h, 8);
    for (int i = 0; i < 10; i++) {
      id[i] = ALPHABET[(int) (hi >>> (6 * i)) & 63];
      id[10 + i] = ALPHABET[(int) (lo >>> (6 * i)) & 63];
    }
    id[20] = ALPHABET[(int) ((hi >>> 60) ^ (lo >>> 58)) & 63];
    return new String(id);
  }

  private static void field(MessageDigest d, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    int32(d, b.length); // length-prefixed: ("ab","c") and ("a","bc") differ
    d.update(b);
  }

  private static void int32(MessageDigest d, int v) {
    d.update((byte) (v >>> 24));
    d.update((byte) (v >>> 16));
    d.update((byte) (v >>> 8));
    d.update((byte) v);
  }

  private static long bits(byte[] h, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (h[off + i] & 0xff);
    }
    return v;
  }
}
