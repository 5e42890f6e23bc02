package dev.oprc.odgm.tracing;

import java.nio.charset.StandardCharsets;

/**
 * Finds and replaces the {@code traceparent} option inside an encoded invocation envelope
 * ({@code InvocationRequest} / {@code ObjectInvocationRequest}, options at field 5) without
 * decoding it, so a dispatch span can become the parent of the invocation it publishes. A
 * version-00 traceparent is always 55 ASCII bytes, so the replacement has the same length and the
 * envelope's framing is unchanged. Stateless; thread-safe.
 */
public final class EnvelopeTraceparent {
  /** Length of a version-00 W3C traceparent. */
  public static final int LENGTH = 55;
  private static final byte[] KEY = "traceparent".getBytes(StandardCharsets.US_ASCII);
  private static final int OPTIONS = 5;

  private EnvelopeTraceparent() {}

  /** The traceparent option of {@code envelope}, or null when it has none (or not a 55-byte one). */
  public static String find(byte[] envelope) {
    int at = offset(envelope);
    return at < 0 ? null : new String(envelope, at, LENGTH, StandardCharsets.US_ASCII);
  }

  /**
   * A copy of {@code envelope} whose traceparent option is {@code traceparent}; {@code envelope}
   * itself when it has none or {@code traceparent} is null or not 55 bytes.
   */
  public static byte[] replace(byte[] envelope, String traceparent) {
    int at = offset(envelope);
    if (at < 0 || traceparent == null || traceparent.length() != LENGTH) {
      return envelope;
    }
    byte[] out = envelope.clone();
    for (int i = 0; i < LENGTH; i++) {
      out[at + i] = (byte) traceparent.charAt(i);
    }
    return out;
  }

  /** Offset of the 55-byte traceparent value in {@code b}, or -1; -1 too for bytes that are not a message. */
  static int offset(byte[] b) {
    int[] pos = {0};
    while (pos[0] < b.length) {
      long tag = varint(b, pos);
      if (tag < 0) {
        return -1;
      }
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (wire == 2) {
        long len = varint(b, pos);
        if (len < 0 || len > b.length - pos[0]) {
          return -1;
        }
        int start = pos[0];
        pos[0] += (int) len;
        if (field == OPTIONS) {
          int v = entryValue(b, start, pos[0]);
          if (v >= 0) {
            return v;
          }
        }
      } else if (!skip(b, pos, wire)) {
        return -1;
      }
    }
    return -1;
  }

  /** In the map entry {@code b[start, end)}: the value offset when the key is traceparent and the value 55 bytes. */
  private static int entryValue(byte[] b, int start, int end) {
    int k = start;
    if (end - k < 2 + KEY.length + 2 || b[k] != 0x0A || b[k + 1] != KEY.length) {
      return -1;
    }
    for (int i = 0; i < KEY.length; i++) {
      if (b[k + 2 + i] != KEY[i]) {
        return -1;
      }
    }
    int v = k + 2 + KEY.length;
    if (b[v] != 0x12 || b[v + 1] != LENGTH || end - (v + 2) != LENGTH) {
      return -1;
    }
    return v + 2;
  }

  private static boolean skip(byte[] b, int[] pos, int wire) {
    switch (wire) {
      case 0 -> {
        return varint(b, pos) >= 0;
      }
      case 1 -> pos[0] += 8;
      case 5 -> pos[0] += 4;
      default -> {
        return false;
      }
    }
    return pos[0] <= b.length;
  }

  /** Reads a varint at {@code pos[0]}, advancing it; -1 when truncated or longer than 10 bytes. */
  private static long varint(byte[] b, int[] pos) {
    long v = 0;
    for (int shift = 0; shift < 64 && pos[0] < b.length; shift += 7) {
      byte x = b[pos[0]++];
      v |= (long) (x & 0x7F) << shift;
      if (x >= 0) {
        return v;
      }
    }
    return -1;
  }
}
