package dev.oprc.odgm.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/** Prefix-and-cursor paging over sorted maps, shared by the engines. Stateless. */
final class Pages {
  private Pages() {}

  /** The part of {@code m} at or after {@code prefix} and strictly after {@code after}. */
  static <V> NavigableMap<String, V> tail(NavigableMap<String, V> m, String prefix, String after) {
    String from = prefix;
    boolean inclusive = true;
    if (after != null && (from == null || after.compareTo(from) >= 0)) {
      from = after;
      inclusive = false;
    }
    return from == null ? m : m.tailMap(from, inclusive);
  }

  /** Up to {@code limit} entries of {@code m} with {@code prefix}, after {@code after}. */
  static <V> List<Map.Entry<String, V>> page(NavigableMap<String, V> m, String prefix, String after, int limit) {
    List<Map.Entry<String, V>> out = new ArrayList<>();
    for (Map.Entry<String, V> e : tail(m, prefix, after).entrySet()) {
      if (prefix != null && !e.getKey().startsWith(prefix)) {
        break;
      }
      out.add(Map.entry(e.getKey(), e.getValue()));
      if (out.size() >= limit) {
        break;
      }
    }
    return out;
  }
}
