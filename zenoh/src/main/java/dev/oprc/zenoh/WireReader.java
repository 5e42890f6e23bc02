package dev.oprc.zenoh;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Bounds-checked cursor over a received byte range. Every read that would pass the limit throws
 * {@link ZenohDecodeException}; lengths are checked against the remaining bytes before any
 * allocation, so a hostile length can never allocate more than the batch holds. Not thread-safe.
 */
final class WireReader {
    private final byte[] buf;
    private int pos;
    private final int limit;

    WireReader(byte[] buf, int off, int len) {
        if (off < 0 || len < 0 || off + len > buf.length) {
            throw new IllegalArgumentException("bad range " + off + "+" + len + " of " + buf.length);
        }
        this.buf = buf;
        this.pos = off;
        this.limit = off + len;
    }

    WireReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    int remaining() {
        return limit - pos;
    }

    int position() {
        return pos;
    }

    byte[] buffer() {
        return buf;
    }

    boolean hasRemaining() {
        return pos < limit;
    }

    int peek() {
        need(1);
        return buf[pos] & 0xFF;
    }

    int u8() {
        need(1);
        return buf[pos++] & 0xFF;
    }

    int u16le() {
        need(2);
        int v = (buf[pos] & 0xFF) | ((buf[pos + 1] & 0xFF) << 8);
        pos += 2;
        return v;
    }

    private void need(int n) {
        if (n > limit - pos) {
            throw new ZenohDecodeException("truncated message: need " + n + " bytes, " + (limit - pos) + " left");
        }
    }

    long vle() {
        long v = 0;
        int shift = 0;
        for (int i = 0; i < 8; i++) {
            int b = u8();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
            shift += 7;
        }
        return v | ((long) u8() << 56);
    }

    long vle(long max, String what) {
        long v = vle();
        if (Long.compareUnsigned(v, max) > 0) {
            throw new ZenohDecodeException(what + " " + Long.toUnsignedString(v) + " exceeds " + max);
        }
        return v;
    }

    int vleU16(String what) {
        return (int) vle(0xFFFF, what);
    }

    long vleU32(String what) {
        return vle(0xFFFF_FFFFL, what);
    }

    /** A length prefix, checked against the remaining bytes. */
    int length(String what) {
        long n = vle(0xFFFF_FFFFL, what);
        if (n > remaining()) {
            throw new ZenohDecodeException(what + " " + n + " exceeds the " + remaining() + " bytes left");
        }
        return (int) n;
    }

    byte[] bytes(int n) {
        need(n);
        byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return out;
    }

    void skip(int n) {
        need(n);
        pos += n;
    }

    byte[] zbytes(String what) {
        return bytes(length(what));
    }

    String zstring(String what) {
        int n = length(what);
        if (n > 0xFFFF) {
            throw new ZenohDecodeException(what + " length " + n + " exceeds 65535");
        }
        String s = utf8(buf, pos, n, what);
        pos += n;
        return s;
    }

    static String utf8(byte[] b, int off, int n, String what) {
        boolean ascii = true;
        for (int i = off; i < off + n; i++) {
            if (b[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(b, off, n, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, off, n)).toString();
        } catch (CharacterCodingException e) {
            throw new ZenohDecodeException(what + " is not valid UTF-8");
        }
    }
}
