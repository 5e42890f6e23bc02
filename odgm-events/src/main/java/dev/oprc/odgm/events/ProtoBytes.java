package dev.oprc.odgm.events;

import java.nio.charset.StandardCharsets;

/**
 * The few protobuf wire-format primitives the payload and envelope encoders need, writing into an
 * exactly sized array. Strings use an ASCII fast path; anything else goes through
 * {@link String#getBytes} with the same replacement of unpaired surrogates ({@code '?'}) that
 * protobuf-java applies, so the bytes equal the generated {@code toByteArray()}.
 *
 * <p>Stateless; thread-safe.
 */
final class ProtoBytes {
  static final int LEN = 2; // wire type: length-delimited
  static final int VARINT = 0;

  private ProtoBytes() {}

  static int tag(int field, int wireType) {
    return (field << 3) | wireType;
  }

  /** Bytes of {@code v} as an unsigned varint. */
  static int varintSize(long v) {
    // 1 byte per 7 bits, at least 1
    return v == 0 ? 1 : (63 - Long.numberOfLeadingZeros(v)) / 7 + 1;
  }

  /** Bytes of {@code v} as a uint32 varint (negative ints are 32-bit unsigned). */
  static int uint32Size(int v) {
    return varintSize(Integer.toUnsignedLong(v));
  }

  static int putVarint(byte[] b, int pos, long v) {
    while ((v & ~0x7FL) != 0) {
      b[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    b[pos++] = (byte) v;
    return pos;
  }

  /** UTF-8 length of {@code s}, counting an unpaired surrogate as one byte ({@code '?'}). */
  static int utf8Length(String s) {
    int n = s.length();
    int i = 0;
    while (i < n && s.charAt(i) < 0x80) {
      i++;
    }
    if (i == n) {
      return n;
    }
    int len = i;
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        len += 1;
      } else if (c < 0x800) {
        len += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        len += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        len += 1;
      } else {
        len += 3;
      }
    }
    return len;
  }

  /** Size of a length-delimited field {@code field} holding {@code len} bytes. */
  static int fieldSize(int field, int len) {
    return varintSize(tag(field, LEN)) + varintSize(len) + len;
  }

  static int putString(byte[] b, int pos, int field, String s, int utf8Len) {
    pos = putVarint(b, pos, tag(field, LEN));
    pos = putVarint(b, pos, utf8Len);
    int n = s.length();
    if (utf8Len == n) { // all ASCII, or as many lone surrogates as multi-byte chars: check as we go
      int i = 0;
      while (i < n) {
        char c = s.charAt(i);
        if (c >= 0x80) {
          break;
        }
        b[pos + i] = (byte) c;
        i++;
      }
      if (i == n) {
        return pos + n;
      }
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(utf8, 0, b, pos, utf8.length);
    return pos + utf8.length;
  }

  static int putBytes(byte[] b, int pos, int field, byte[] data) {
    pos = putVarint(b, pos, tag(field, LEN));
    pos = putVarint(b, pos, data.length);
    System.arraycopy(data, 0, b, pos, data.length);
    return pos + data.length;
  }

  static int putUInt64(byte[] b, int pos, int field, long v) {
    pos = putVarint(b, pos, tag(field, VARINT));
    return putVarint(b, pos, v);
  }

  static int uint64FieldSize(int field, long v) {
    return varintSize(tag(field, VARINT)) + varintSize(v);
  }

  /** Number of decimal digits of {@code v >= 0}. */
  static int decimalLength(long v) {
    int n = 1;
    while (v >= 10) {
      v /= 10;
      n++;
    }
    return n;
  }

  /** Writes the {@code len} ASCII decimal digits of {@code v >= 0}; returns the new position. */
  static int putDecimal(byte[] b, int pos, long v, int len) {
    int end = pos + len;
    for (int i = end - 1; i >= pos; i--) {
      b[i] = (byte) ('0' + (int) (v % 10));
      v /= 10;
    }
    return end;
  }
}
