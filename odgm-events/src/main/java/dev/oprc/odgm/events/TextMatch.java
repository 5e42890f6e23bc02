package dev.oprc.odgm.events;

import com.google.protobuf.ByteString;

/**
 * The three string dialects of a trigger filter ({@code exact}, {@code prefix}, {@code suffix}),
 * case-sensitive, on Java strings or on UTF-8 bytes (UTF-8 keeps code-point prefixes and
 * suffixes, so byte and character comparison agree). Allocation-free; thread-safe.
 */
enum TextMatch {
  EXACT,
  PREFIX,
  SUFFIX;

  boolean test(String value, String lit) {
    return switch (this) {
      case EXACT -> value.equals(lit);
      case PREFIX -> value.startsWith(lit);
      case SUFFIX -> value.endsWith(lit);
    };
  }

  /** Tests bytes {@code [s, e)} of {@code b}. */
  boolean test(ByteString b, int s, int e, byte[] lit) {
    int len = e - s;
    if (len < lit.length || (this == EXACT && len != lit.length)) {
      return false;
    }
    int from = this == SUFFIX ? e - lit.length : s;
    for (int i = 0; i < lit.length; i++) {
      if (b.byteAt(from + i) != lit[i]) {
        return false;
      }
    }
    return true;
  }

  /** Tests the first {@code len} bytes of {@code b}. */
  boolean test(byte[] b, int len, byte[] lit) {
    if (len < lit.length || (this == EXACT && len != lit.length)) {
      return false;
    }
    int from = this == SUFFIX ? len - lit.length : 0;
    return java.util.Arrays.equals(b, from, from + lit.length, lit, 0, lit.length);
  }

  /** The dialect's name as written in a filter. */
  String dialect() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
