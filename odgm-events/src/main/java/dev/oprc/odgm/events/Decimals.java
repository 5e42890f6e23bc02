package dev.oprc.odgm.events;

import com.google.protobuf.ByteString;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Exact comparison of decimal numbers written as text ({@code [+-]digits[.digits][e[+-]digits]},
 * at least one mantissa digit; JSON numbers are a subset) without converting them: no rounding,
 * no allocation. Numbers are compared as {@code 0.d1d2d3... x 10^exp} with the significant digits
 * and the exponent read from the text.
 *
 * <p>Stateless; thread-safe.
 */
final class Decimals {
  /** Returned by the comparisons when a text is not a number. */
  static final int NOT_NUMERIC = Integer.MIN_VALUE;
  private static final long EXP_LIMIT = 1_000_000_000L;

  private Decimals() {}

  /**
   * A filter's number, parsed once: {@code signum}, the significant digits (ASCII, no leading or
   * trailing zeros) and the exponent; {@code floor}/{@code ceil} (clamped to long) for comparing
   * integers. Immutable.
   */
  @SuppressWarnings("ArrayRecordComponent") // digits are private to the compiled filter, never handed out
  record Literal(String text, int signum, byte[] digits, long exp, long floor, long ceil) {
    static Literal parse(String text) {
      BigDecimal v;
      try {
        v = new BigDecimal(text.trim());
      } catch (NumberFormatException e) {
        return null;
      }
      BigDecimal abs = v.abs().stripTrailingZeros();
      String digits = v.signum() == 0 ? "" : abs.unscaledValue().toString();
      long exp = (long) digits.length() - abs.scale();
      return new Literal(text, v.signum(), digits.getBytes(java.nio.charset.StandardCharsets.US_ASCII), exp,
          clamp(v.setScale(0, RoundingMode.FLOOR)), clamp(v.setScale(0, RoundingMode.CEILING)));
    }

    private static long clamp(BigDecimal integer) {
      if (integer.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) >= 0) {
        return Long.MAX_VALUE;
      }
      if (integer.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) <= 0) {
        return Long.MIN_VALUE;
      }
      return integer.longValueExact();
    }
  }

  /** Sign of {@code (text at [s, e)) - lit}, or {@link #NOT_NUMERIC}. Surrounding ASCII whitespace is ignored. */
  static int compare(ByteString b, int s, int e, Literal lit) {
    while (s < e && JsonScan.isWs(b.byteAt(s))) {
      s++;
    }
    while (e > s && JsonScan.isWs(b.byteAt(e - 1))) {
      e--;
    }
    long shape = shape(b, s, e);
    if (shape == Long.MIN_VALUE) {
      return NOT_NUMERIC;
    }
    int sign = sign(b, s, shape);
    if (sign != lit.signum()) {
      return Integer.compare(sign, lit.signum());
    }
    if (sign == 0) {
      return 0;
    }
    long exp = exponent(b, s, shape);
    if (exp != lit.exp()) {
      return exp > lit.exp() ? sign : -sign;
    }
    return sign * compareDigits(b, s, mantissaEnd(shape), lit.digits());
  }

  /** Sign of {@code x - y} for two numeric texts, or {@link #NOT_NUMERIC}. */
  static int compare(ByteString x, int xs, int xe, ByteString y, int ys, int ye) {
    long sx = shape(x, xs, xe);
    long sy = shape(y, ys, ye);
    if (sx == Long.MIN_VALUE || sy == Long.MIN_VALUE) {
      return NOT_NUMERIC;
    }
    int signX = sign(x, xs, sx);
    int signY = sign(y, ys, sy);
    if (signX != signY || signX == 0) {
      return Integer.compare(signX, signY);
    }
    long ex = exponent(x, xs, sx);
    long ey = exponent(y, ys, sy);
    if (ex != ey) {
      return ex > ey ? signX : -signX;
    }
    int p = firstSignificant(x, xs, mantissaEnd(sx));
    int q = firstSignificant(y, ys, mantissaEnd(sy));
    int pe = mantissaEnd(sx);
    int qe = mantissaEnd(sy);
    while (true) {
      p = skipPoint(x, p, pe);
      q = skipPoint(y, q, qe);
      int dx = p < pe ? x.byteAt(p) : '0';
      int dy = q < qe ? y.byteAt(q) : '0';
      if (p >= pe && q >= qe) {
        return 0;
      }
      if (dx != dy) {
        return dx > dy ? signX : -signX;
      }
      p++;
      q++;
    }
  }

  /**
   * Validates the text and packs where its mantissa ends (low 32 bits) and its exponent (high
   * 32 bits, clamped); Long.MIN_VALUE when it is not a number.
   */
  private static long shape(ByteString b, int s, int e) {
    int p = s;
    if (p < e && (b.byteAt(p) == '-' || b.byteAt(p) == '+')) {
      p++;
    }
    int digits = 0;
    boolean point = false;
    while (p < e) {
      byte c = b.byteAt(p);
      if (c >= '0' && c <= '9') {
        digits++;
      } else if (c == '.' && !point) {
        point = true;
      } else {
        break;
      }
      p++;
    }
    if (digits == 0) {
      return Long.MIN_VALUE;
    }
    int mantissaEnd = p;
    long exp = 0;
    if (p < e && (b.byteAt(p) == 'e' || b.byteAt(p) == 'E')) {
      exp = exponentPart(b, p + 1, e);
      if (exp == Long.MIN_VALUE) {
        return Long.MIN_VALUE;
      }
    } else if (p != e) {
      return Long.MIN_VALUE;
    }
    return (exp << 32) | (mantissaEnd & 0xFFFF_FFFFL);
  }

  /** The exponent {@code [+-]digits} filling {@code [p, e)}, clamped; Long.MIN_VALUE when malformed. */
  private static long exponentPart(ByteString b, int p, int e) {
    boolean neg = p < e && b.byteAt(p) == '-';
    if (p < e && (b.byteAt(p) == '-' || b.byteAt(p) == '+')) {
      p++;
    }
    if (p == e) {
      return Long.MIN_VALUE;
    }
    long exp = 0;
    for (; p < e; p++) {
      byte c = b.byteAt(p);
      if (c < '0' || c > '9') {
        return Long.MIN_VALUE;
      }
      exp = Math.min(EXP_LIMIT, exp * 10 + (c - '0'));
    }
    return neg ? -exp : exp;
  }

  private static int mantissaEnd(long shape) {
    return (int) shape;
  }

  private static int sign(ByteString b, int s, long shape) {
    int end = mantissaEnd(shape);
    if (firstSignificant(b, s, end) >= end) {
      return 0;
    }
    return b.byteAt(s) == '-' ? -1 : 1;
  }

  /** Index of the first non-zero digit of the mantissa, or its end when it is zero. */
  private static int firstSignificant(ByteString b, int s, int end) {
    for (int p = s; p < end; p++) {
      byte c = b.byteAt(p);
      if (c >= '1' && c <= '9') {
        return p;
      }
    }
    return end;
  }

  /** The number's exponent as {@code 0.d1d2... x 10^exp}, for a non-zero number. */
  private static long exponent(ByteString b, int s, long shape) {
    int end = mantissaEnd(shape);
    long intDigits = 0;
    long leadingZeros = 0;
    boolean seenPoint = false;
    boolean significant = false;
    for (int p = s; p < end; p++) {
      byte c = b.byteAt(p);
      if (c == '.') {
        seenPoint = true;
      } else if (c >= '0' && c <= '9') {
        if (!seenPoint) {
          intDigits++;
        }
        if (!significant && c == '0') {
          leadingZeros++;
        } else {
          significant = true;
        }
      }
    }
    return intDigits - leadingZeros + (shape >> 32);
  }

  private static int skipPoint(ByteString b, int p, int end) {
    return p < end && b.byteAt(p) == '.' ? p + 1 : p;
  }

  /** Compares the significant digits of a same-sign, same-exponent number with {@code lit}. */
  private static int compareDigits(ByteString b, int s, int end, byte[] lit) {
    int p = firstSignificant(b, s, end);
    for (int i = 0; ; i++) {
      p = skipPoint(b, p, end);
      if (i >= lit.length) {
        for (; p < end; p++) {
          byte c = b.byteAt(p);
          if (c >= '1' && c <= '9') {
            return 1;
          }
        }
        return 0;
      }
      if (p >= end) {
        return -1; // lit has a (non-zero, since trailing zeros are stripped) digit left
      }
      byte c = b.byteAt(p);
      if (c != lit[i]) {
        return c > lit[i] ? 1 : -1;
      }
      p++;
    }
  }
}
