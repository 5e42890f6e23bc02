package dev.oprc.zenoh;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Growable little-endian byte sink for Zenoh encodings (VLE, zbytes). Not thread-safe. */
final class WireWriter {
    private byte[] buf;
    private int pos;

    WireWriter(int initial) {
        buf = new byte[Math.max(16, initial)];
    }

    WireWriter() {
        this(64);
    }

    int position() {
        return pos;
    }

    void reset() {
        pos = 0;
    }

    byte[] array() {
        return buf;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }

    private void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }

    WireWriter u8(int b) {
        ensure(1);
        buf[pos++] = (byte) b;
        return this;
    }

    WireWriter u16le(int v) {
        ensure(2);
        buf[pos++] = (byte) v;
        buf[pos++] = (byte) (v >>> 8);
        return this;
    }

    void putU16leAt(int at, int v) {
        buf[at] = (byte) v;
        buf[at + 1] = (byte) (v >>> 8);
    }

    /** Zenoh VLE: 7 bits per byte, little-endian groups; a 9th byte carries the last 8 bits raw. */
    WireWriter vle(long v) {
        ensure(9);
        int n = 0;
        while ((v & ~0x7FL) != 0 && n < 8) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
            n++;
        }
        buf[pos++] = (byte) v;
        return this;
    }

    static int vleSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0 && n < 9) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    WireWriter bytes(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, pos, len);
        pos += len;
        return this;
    }

    WireWriter bytes(byte[] b) {
        return bytes(b, 0, b.length);
    }

    /** VLE length + bytes. */
    WireWriter zbytes(byte[] b) {
        vle(b.length);
        return bytes(b);
    }

    WireWriter zstring(String s) {
        return zbytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
