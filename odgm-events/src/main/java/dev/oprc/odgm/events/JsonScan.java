package dev.oprc.odgm.events;

import com.google.protobuf.ByteString;

/**
 * Allocation-free reading of JSON inside an entry value, for trigger filters: resolving a JSON
 * pointer to the span of one value, comparing a span's text, and comparing two spans token by
 * token. Only the part of the document that leads to the member is read: the rest is not
 * validated (a filter reads one member of a value, it does not check the whole value). The first
 * of duplicate member names wins.
 *
 * <p>Spans are packed into a long ({@code start << 32 | end}); {@link #MISSING} when the pointer
 * does not resolve or the JSON on the way is malformed. Strings with escapes are decoded into a
 * per-thread scratch buffer (grown on demand; a buffer grown past 64 KiB is not kept).
 *
 * <p>Stateless apart from the scratch buffers; thread-safe.
 */
final class JsonScan {
  static final long MISSING = -1L;
  private static final int MAX_RETAINED_SCRATCH = 64 * 1024;
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private JsonScan() {}

  /** Two reusable decode buffers (one per side of an equality test). */
  static final class Scratch {
    byte[] a = new byte[256];
    byte[] b = new byte[256];
  }

  static long span(int start, int end) {
    return ((long) start << 32) | (end & 0xFFFF_FFFFL);
  }

  static int start(long span) {
    return (int) (span >>> 32);
  }

  static int end(long span) {
    return (int) span;
  }

  static boolean isWs(byte c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  static int skipWs(ByteString b, int p, int n) {
    while (p < n && isWs(b.byteAt(p))) {
      p++;
    }
    return p;
  }

  /**
   * The span of the value at the pointer given by {@code names} (member names, UTF-8) and
   * {@code indexes} (the same tokens as array indexes, -1 when a token is not one).
   */
  static long find(ByteString b, byte[][] names, int[] indexes) {
    int n = b.size();
    int p = skipWs(b, 0, n);
    for (int t = 0; t < names.length && p >= 0; t++) {
      if (p >= n) {
        return MISSING;
      }
      byte c = b.byteAt(p);
      if (c == '{') {
        p = member(b, p + 1, n, names[t]);
      } else if (c == '[' && indexes[t] >= 0) {
        p = element(b, p + 1, n, indexes[t]);
      } else {
        return MISSING;
      }
    }
    if (p < 0 || p >= n) {
      return MISSING;
    }
    int end = skipValue(b, p, n);
    return end < 0 ? MISSING : span(p, end);
  }

  /** Start of the value of member {@code name} of the object whose body starts at {@code p}, or -1. */
  private static int member(ByteString b, int p, int n, byte[] name) {
    while (true) {
      p = skipWs(b, p, n);
      if (p >= n || b.byteAt(p) != '"') {
        return -1; // '}' (not found) or malformed
      }
      long key = key(b, p, n, name);
      if (key < 0) {
        return -1;
      }
      p = skipWs(b, (int) (key >>> 1), n);
      if (p >= n || b.byteAt(p) != ':') {
        return -1;
      }
      p = skipWs(b, p + 1, n);
      if ((key & 1) != 0) {
        return p;
      }
      p = skipValue(b, p, n);
      if (p < 0) {
        return -1;
      }
      p = skipWs(b, p, n);
      if (p >= n || b.byteAt(p) != ',') {
        return -1;
      }
      p++;
    }
  }

  /**
   * Reads the member name starting at the quote at {@code p} in one pass, comparing it with
   * {@code name} (a name with escapes is decoded apart): {@code end << 1 | matched}, end being
   * just after the closing quote; -1 when the string does not end.
   */
  private static long key(ByteString b, int p, int n, byte[] name) {
    int q = p + 1;
    int matched = 0;
    boolean equal = true;
    boolean escaped = false;
    while (q < n) {
      byte c = b.byteAt(q);
      if (c == '"') {
        boolean match = escaped ? textEquals(b, p + 1, q, name, 0) : equal && matched == name.length;
        return ((long) (q + 1) << 1) | (match ? 1 : 0);
      }
      if (c == '\\') {
        escaped = true;
        q += 2;
        continue;
      }
      if (equal && matched < name.length && name[matched] == c) {
        matched++;
      } else {
        equal = false;
      }
      q++;
    }
    return -1;
  }

  /** Start of element {@code index} of the array whose body starts at {@code p}, or -1. */
  private static int element(ByteString b, int p, int n, int index) {
    p = skipWs(b, p, n);
    if (p >= n || b.byteAt(p) == ']') {
      return -1;
    }
    for (int i = 0; ; i++) {
      if (i == index) {
        return p;
      }
      p = skipValue(b, p, n);
      if (p < 0) {
        return -1;
      }
      p = skipWs(b, p, n);
      if (p >= n || b.byteAt(p) != ',') {
        return -1;
      }
      p = skipWs(b, p + 1, n);
    }
  }

  /** The end (exclusive) of the value starting at {@code p}, or -1 when malformed. */
  static int skipValue(ByteString b, int p, int n) {
    byte c = b.byteAt(p);
    if (c == '"') {
      return skipString(b, p, n);
    }
    if (c == '{' || c == '[') {
      int depth = 0;
      while (p < n) {
        c = b.byteAt(p);
        if (c == '"') {
          p = skipString(b, p, n);
          if (p < 0) {
            return -1;
          }
          continue;
        }
        if (c == '{' || c == '[') {
          depth++;
        } else if ((c == '}' || c == ']') && --depth == 0) {
          return p + 1;
        }
        p++;
      }
      return -1;
    }
    int s = p;
    while (p < n) {
      c = b.byteAt(p);
      if (c == ',' || c == '}' || c == ']' || c == ':' || isWs(c)) {
        break;
      }
      p++;
    }
    return p > s ? p : -1;
  }

  /** The end (after the closing quote) of the string starting at {@code p}, or -1. */
  static int skipString(ByteString b, int p, int n) {
    p++;
    while (p < n) {
      byte c = b.byteAt(p);
      if (c == '\\') {
        p += 2;
      } else if (c == '"') {
        return p + 1;
      } else {
        p++;
      }
    }
    return -1;
  }

  static boolean hasEscape(ByteString b, int s, int e) {
    for (int i = s; i < e; i++) {
      if (b.byteAt(i) == '\\') {
        return true;
      }
    }
    return false;
  }

  /** Whether the raw string contents {@code [s, e)} decode to {@code lit}. */
  private static boolean textEquals(ByteString b, int s, int e, byte[] lit, int which) {
    if (!hasEscape(b, s, e)) {
      return TextMatch.EXACT.test(b, s, e, lit);
    }
    Scratch sc = SCRATCH.get();
    int len = decode(b, s, e, sc, which);
    boolean r = len >= 0 && TextMatch.EXACT.test(which == 0 ? sc.a : sc.b, len, lit);
    release(sc);
    return r;
  }

  /**
   * Tests the text of the value in {@code span} (a string's decoded contents, any other value's
   * JSON text) against {@code lit}.
   */
  static boolean textMatches(ByteString b, long span, TextMatch mode, byte[] lit) {
    int s = start(span);
    int e = end(span);
    if (b.byteAt(s) != '"') {
      return mode.test(b, s, e, lit);
    }
    if (!hasEscape(b, s + 1, e - 1)) {
      return mode.test(b, s + 1, e - 1, lit);
    }
    Scratch sc = SCRATCH.get();
    int len = decode(b, s + 1, e - 1, sc, 0);
    boolean r = len >= 0 && mode.test(sc.a, len, lit);
    release(sc);
    return r;
  }

  /**
   * Compares the number in {@code span} (a JSON number, or a string of numeric text without
   * escapes) with {@code lit}; {@link Decimals#NOT_NUMERIC} otherwise.
   */
  static int compareNumber(ByteString b, long span, Decimals.Literal lit) {
    int s = start(span);
    int e = end(span);
    if (b.byteAt(s) == '"') {
      s++;
      e--;
    }
    return Decimals.compare(b, s, e, lit);
  }

  /**
   * True when the values in the two spans are the same JSON: the same tokens in the same order,
   * strings equal after decoding, numbers equal as decimals, whitespace ignored.
   */
  static boolean sameJson(ByteString x, long xs, ByteString y, long ys) {
    int p = start(xs);
    int pe = end(xs);
    int q = start(ys);
    int qe = end(ys);
    while (true) {
      p = skipWs(x, p, pe);
      q = skipWs(y, q, qe);
      if (p >= pe || q >= qe) {
        return p >= pe && q >= qe;
      }
      byte c = x.byteAt(p);
      byte d = y.byteAt(q);
      if (c == '"' || d == '"') {
        int pEnd = c == '"' ? skipString(x, p, pe) : -1;
        int qEnd = d == '"' ? skipString(y, q, qe) : -1;
        if (pEnd < 0 || qEnd < 0 || !sameString(x, p + 1, pEnd - 1, y, q + 1, qEnd - 1)) {
          return false;
        }
        p = pEnd;
        q = qEnd;
      } else if (isStructural(c) || isStructural(d)) {
        if (c != d) {
          return false;
        }
        p++;
        q++;
      } else {
        int pEnd = scalarEnd(x, p, pe);
        int qEnd = scalarEnd(y, q, qe);
        if (!sameScalar(x, p, pEnd, y, q, qEnd)) {
          return false;
        }
        p = pEnd;
        q = qEnd;
      }
    }
  }

  private static boolean isStructural(byte c) {
    return c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':';
  }

  private static int scalarEnd(ByteString b, int p, int n) {
    while (p < n && !isStructural(b.byteAt(p)) && !isWs(b.byteAt(p)) && b.byteAt(p) != '"') {
      p++;
    }
    return p;
  }

  private static boolean sameScalar(ByteString x, int p, int pe, ByteString y, int q, int qe) {
    byte c = x.byteAt(p);
    if (c == '-' || (c >= '0' && c <= '9')) {
      return Decimals.compare(x, p, pe, y, q, qe) == 0;
    }
    return sameBytes(x, p, pe, y, q, qe);
  }

  static boolean sameBytes(ByteString x, int p, int pe, ByteString y, int q, int qe) {
    if (pe - p != qe - q) {
      return false;
    }
    for (int i = 0; i < pe - p; i++) {
      if (x.byteAt(p + i) != y.byteAt(q + i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameString(ByteString x, int p, int pe, ByteString y, int q, int qe) {
    if (!hasEscape(x, p, pe) && !hasEscape(y, q, qe)) {
      return sameBytes(x, p, pe, y, q, qe);
    }
    Scratch sc = SCRATCH.get();
    int a = decode(x, p, pe, sc, 0);
    int b = decode(y, q, qe, sc, 1);
    boolean r = a >= 0 && a == b && java.util.Arrays.equals(sc.a, 0, a, sc.b, 0, b);
    release(sc);
    return r;
  }

  private static void release(Scratch sc) {
    if (sc.a.length > MAX_RETAINED_SCRATCH || sc.b.length > MAX_RETAINED_SCRATCH) {
      SCRATCH.remove();
    }
  }

  /**
   * Decodes the JSON string contents {@code [s, e)} into scratch buffer {@code which} (0 = a,
   * 1 = b) as UTF-8; returns the length, or -1 for an invalid escape. The output is never longer
   * than the input (an escape is 2, 6 or 12 bytes and decodes to 1, at most 3, or 4).
   */
  static int decode(ByteString b, int s, int e, Scratch sc, int which) {
    byte[] out = which == 0 ? sc.a : sc.b;
    if (out.length < e - s) {
      out = new byte[Math.max(e - s, out.length * 2)];
      if (which == 0) {
        sc.a = out;
      } else {
        sc.b = out;
      }
    }
    int o = 0;
    int p = s;
    while (p < e) {
      byte c = b.byteAt(p);
      if (c != '\\') {
        out[o++] = c;
        p++;
        continue;
      }
      long r = escape(b, p + 1, e, out, o);
      if (r < 0) {
        return -1;
      }
      p = (int) (r >>> 32);
      o = (int) r;
    }
    return o;
  }

  /** Decodes the escape after the backslash at {@code p - 1}: {@code next p << 32 | next o}, or -1. */
  private static long escape(ByteString b, int p, int e, byte[] out, int o) {
    if (p >= e) {
      return -1;
    }
    byte x = b.byteAt(p++);
    switch (x) {
      case '"', '\\', '/' -> out[o++] = x;
      case 'b' -> out[o++] = '\b';
      case 'f' -> out[o++] = '\f';
      case 'n' -> out[o++] = '\n';
      case 'r' -> out[o++] = '\r';
      case 't' -> out[o++] = '\t';
      case 'u' -> {
        int cp = hex4(b, p, e);
        if (cp < 0) {
          return -1;
        }
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && p + 6 <= e && b.byteAt(p) == '\\' && b.byteAt(p + 1) == 'u') {
          int lo = hex4(b, p + 2, e);
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
          }
        }
        o = utf8(out, o, cp);
      }
      default -> {
        return -1;
      }
    }
    return ((long) p << 32) | o;
  }

  private static int hex4(ByteString b, int p, int e) {
    if (p + 4 > e) {
      return -1;
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(b.byteAt(p + i), 16);
      if (d < 0) {
        return -1;
      }
      v = v * 16 + d;
    }
    return v;
  }

  private static int utf8(byte[] out, int o, int cp) {
    if (cp < 0x80) {
      out[o++] = (byte) cp;
    } else if (cp < 0x800) {
      out[o++] = (byte) (0xC0 | (cp >> 6));
      out[o++] = (byte) (0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out[o++] = (byte) (0xE0 | (cp >> 12));
      out[o++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
      out[o++] = (byte) (0x80 | (cp & 0x3F));
    } else {
      out[o++] = (byte) (0xF0 | (cp >> 18));
      out[o++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
      out[o++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
      out[o++] = (byte) (0x80 | (cp & 0x3F));
    }
    return o;
  }
}
