package dev.oprc.odgm.events;

import dev.oprc.odgm.proto.FilterAttributes;
import dev.oprc.odgm.proto.TriggerFilter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A straightforward evaluator of TriggerFilter protos, written independently of the compiled
 * filter: values are parsed whole into Java objects, numbers compared as BigDecimal, strings
 * built and compared with String methods. Slow, allocating and obviously correct; the property
 * tests compare the compiled filter with it. It reads the compact JSON the generators write.
 */
final class ReferenceFilter {
  private ReferenceFilter() {}

  /** A JSON number, kept as written. */
  record Num(String text) {}

  /** JSON null (a Java null means "absent"). */
  enum Null { NULL }

  static boolean test(TriggerFilter f, EventContext e) {
    return switch (f.getDialectCase()) {
      case EXACT -> every(f.getExact(), e, "exact");
      case PREFIX -> every(f.getPrefix(), e, "prefix");
      case SUFFIX -> every(f.getSuffix(), e, "suffix");
      case LT -> every(f.getLt(), e, "lt");
      case LE -> every(f.getLe(), e, "le");
      case GT -> every(f.getGt(), e, "gt");
      case GE -> every(f.getGe(), e, "ge");
      case ALL -> f.getAll().getFiltersList().stream().allMatch(c -> test(c, e));
      case ANY -> f.getAny().getFiltersList().stream().anyMatch(c -> test(c, e));
      case NOT -> !test(f.getNot(), e);
      case CHANGED -> changed(f.getChanged(), e);
      case DIALECT_NOT_SET -> throw new IllegalArgumentException("no dialect");
    };
  }

  private static boolean every(FilterAttributes a, EventContext e, String op) {
    for (Map.Entry<String, String> en : a.getAttributesMap().entrySet()) {
      if (!one(en.getKey(), en.getValue(), e, op)) {
        return false;
      }
    }
    return true;
  }

  private static boolean one(String name, String lit, EventContext e, String op) {
    if (name.equals("depth") || name.equals("partition")) {
      long v = name.equals("depth") ? e.depth() : Integer.toUnsignedLong(e.partitionId());
      if (op.equals("exact")) {
        return Long.toString(v).equals(lit);
      }
      return numeric(op, new BigDecimal(v).compareTo(new BigDecimal(lit)));
    }
    if (name.equals("new") || name.equals("old") || name.startsWith("new/") || name.startsWith("old/")) {
      return value(name, lit, e, op);
    }
    String v = attribute(name, e);
    return v != null && text(op, v, lit);
  }

  private static String attribute(String name, EventContext e) {
    boolean data = e.type().isData();
    return switch (name) {
      case "type" -> (data ? "data." : "func.") + switch (e.type()) {
        case DATA_CREATE -> "create";
        case DATA_UPDATE -> "update";
        case DATA_DELETE -> "delete";
        case FUNC_COMPLETE -> "complete";
        case FUNC_ERROR -> "error";
      };
      case "subject" -> e.subject();
      case "key" -> data ? e.subject() : null;
      case "fn" -> data ? null : e.subject();
      case "object" -> e.objectId();
      case "cls" -> e.clsId();
      case "fnstatus" -> data ? null : e.status() != null ? e.status() : e.type() == EventType.FUNC_COMPLETE ? "OKAY" : null;
      case "error" -> data ? null : e.error();
      default -> throw new IllegalArgumentException(name);
    };
  }

  private static boolean value(String name, String lit, EventContext e, String op) {
    var bytes = name.startsWith("new") ? e.newValue() : e.oldValue();
    if (bytes == null) {
      return false;
    }
    String whole = bytes.toString(StandardCharsets.UTF_8);
    if (name.length() == 3) {
      if (op.length() == 2) {
        BigDecimal d = number(trimAscii(whole));
        return d != null && numeric(op, d.compareTo(new BigDecimal(lit)));
      }
      return text(op, whole, lit);
    }
    Object node = resolve(parse(whole), name.substring(3));
    if (node == null) {
      return false;
    }
    if (op.length() == 2) {
      BigDecimal d = node instanceof Num n ? number(n.text()) : node instanceof String s ? number(s) : null;
      return d != null && numeric(op, d.compareTo(new BigDecimal(lit)));
    }
    return text(op, node instanceof String s ? s : write(node), lit);
  }

  private static boolean changed(String pointer, EventContext e) {
    if (pointer.isEmpty()) {
      return !Objects.equals(e.newValue(), e.oldValue());
    }
    Object n = e.newValue() == null ? null : resolve(parse(e.newValue().toStringUtf8()), pointer);
    Object o = e.oldValue() == null ? null : resolve(parse(e.oldValue().toStringUtf8()), pointer);
    if (n == null || o == null) {
      return (n == null) != (o == null);
    }
    return !same(n, o);
  }

  private static boolean same(Object a, Object b) {
    if (a instanceof Num x && b instanceof Num y) {
      return new BigDecimal(x.text()).compareTo(new BigDecimal(y.text())) == 0;
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!same(x.get(i), y.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      List<? extends Map.Entry<?, ?>> xs = new ArrayList<>(x.entrySet());
      List<? extends Map.Entry<?, ?>> ys = new ArrayList<>(y.entrySet());
      if (xs.size() != ys.size()) {
        return false;
      }
      for (int i = 0; i < xs.size(); i++) {
        if (!xs.get(i).getKey().equals(ys.get(i).getKey()) || !same(xs.get(i).getValue(), ys.get(i).getValue())) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  private static boolean text(String op, String v, String lit) {
    return switch (op) {
      case "exact" -> v.equals(lit);
      case "prefix" -> v.startsWith(lit);
      case "suffix" -> v.endsWith(lit);
      default -> throw new IllegalArgumentException(op + " on text");
    };
  }

  private static boolean numeric(String op, int sign) {
    return switch (op) {
      case "lt" -> sign < 0;
      case "le" -> sign <= 0;
      case "gt" -> sign > 0;
      case "ge" -> sign >= 0;
      default -> throw new IllegalArgumentException(op);
    };
  }

  private static String trimAscii(String s) {
    int a = 0;
    int b = s.length();
    while (a < b && " \t\n\r".indexOf(s.charAt(a)) >= 0) {
      a++;
    }
    while (b > a && " \t\n\r".indexOf(s.charAt(b - 1)) >= 0) {
      b--;
    }
    return s.substring(a, b);
  }

  private static BigDecimal number(String s) {
    if (s.isEmpty() || !s.chars().allMatch(c -> "0123456789+-.eE".indexOf(c) >= 0)) {
      return null;
    }
    try {
      return new BigDecimal(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  // ------------------------------------------------------------------ pointers and JSON

  private static Object resolve(Object root, String pointer) {
    if (root == null) {
      return null;
    }
    Object node = root;
    for (String raw : pointer.substring(1).split("/", -1)) {
      String token = raw.replace("~1", "/").replace("~0", "~");
      if (node instanceof Map<?, ?> m) {
        node = m.get(token);
      } else if (node instanceof List<?> l && token.matches("0|[1-9][0-9]*")) {
        int i = Integer.parseInt(token);
        node = i < l.size() ? l.get(i) : null;
      } else {
        return null;
      }
      if (node == null) {
        return null;
      }
    }
    return node;
  }

  /** The compact JSON text of a parsed value (what the generators write). */
  static String write(Object v) {
    if (v instanceof String s) {
      StringBuilder b = new StringBuilder("\"");
      for (int ci = 0; ci < s.length(); ci++) {
        char c = s.charAt(ci);
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          default -> b.append(c);
        }
      }
      return b.append('"').toString();
    }
    if (v instanceof Num n) {
      return n.text();
    }
    if (v instanceof Boolean || v == Null.NULL) {
      return v == Null.NULL ? "null" : v.toString();
    }
    if (v instanceof List<?> l) {
      List<String> parts = new ArrayList<>();
      l.forEach(x -> parts.add(write(x)));
      return "[" + String.join(",", parts) + "]";
    }
    Map<?, ?> m = (Map<?, ?>) v;
    List<String> parts = new ArrayList<>();
    m.forEach((k, x) -> parts.add(write(k) + ":" + write(x)));
    return "{" + String.join(",", parts) + "}";
  }

  /** Parses the whole text as JSON; null when it is not JSON. */
  static Object parse(String s) {
    int[] pos = {0};
    try {
      Object v = parseValue(s, pos);
      skipWs(s, pos);
      return pos[0] == s.length() ? v : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static void skipWs(String s, int[] pos) {
    while (pos[0] < s.length() && " \t\n\r".indexOf(s.charAt(pos[0])) >= 0) {
      pos[0]++;
    }
  }

  private static Object parseValue(String s, int[] pos) {
    skipWs(s, pos);
    char c = s.charAt(pos[0]);
    if (c == '{') {
      Map<String, Object> m = new LinkedHashMap<>();
      pos[0]++;
      skipWs(s, pos);
      if (s.charAt(pos[0]) == '}') {
        pos[0]++;
        return m;
      }
      while (true) {
        skipWs(s, pos);
        String k = (String) parseValue(s, pos);
        skipWs(s, pos);
        expect(s, pos, ':');
        m.putIfAbsent(k, parseValue(s, pos));
        skipWs(s, pos);
        if (s.charAt(pos[0]++) == '}') {
          return m;
        }
      }
    }
    if (c == '[') {
      List<Object> l = new ArrayList<>();
      pos[0]++;
      skipWs(s, pos);
      if (s.charAt(pos[0]) == ']') {
        pos[0]++;
        return l;
      }
      while (true) {
        l.add(parseValue(s, pos));
        skipWs(s, pos);
        if (s.charAt(pos[0]++) == ']') {
          return l;
        }
      }
    }
    if (c == '"') {
      StringBuilder b = new StringBuilder();
      pos[0]++;
      while (s.charAt(pos[0]) != '"') {
        char x = s.charAt(pos[0]++);
        if (x == '\\') {
          char y = s.charAt(pos[0]++);
          switch (y) {
            case 'n' -> b.append('\n');
            case 't' -> b.append('\t');
            case 'u' -> {
              b.append((char) Integer.parseInt(s.substring(pos[0], pos[0] + 4), 16));
              pos[0] += 4;
            }
            default -> b.append(y);
          }
        } else {
          b.append(x);
        }
      }
      pos[0]++;
      return b.toString();
    }
    for (String lit : new String[] {"true", "false", "null"}) {
      if (s.startsWith(lit, pos[0])) {
        pos[0] += lit.length();
        return lit.equals("null") ? Null.NULL : Boolean.valueOf(lit);
      }
    }
    int start = pos[0];
    while (pos[0] < s.length() && "0123456789+-.eE".indexOf(s.charAt(pos[0])) >= 0) {
      pos[0]++;
    }
    String num = s.substring(start, pos[0]);
    new BigDecimal(num); // throws when it is not a number
    return new Num(num);
  }

  private static void expect(String s, int[] pos, char c) {
    if (s.charAt(pos[0]++) != c) {
      throw new IllegalArgumentException("expected " + c);
    }
  }
}
