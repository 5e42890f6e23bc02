package dev.oprc.odgm.events;

import dev.oprc.odgm.events.CompiledFilter.Attr;
import dev.oprc.odgm.events.CompiledFilter.Cmp;
import dev.oprc.odgm.events.CompiledFilter.Node;
import dev.oprc.odgm.events.CompiledFilter.ValueRef;
import dev.oprc.odgm.proto.FilterAttributes;
import dev.oprc.odgm.proto.FilterList;
import dev.oprc.odgm.proto.TriggerFilter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Validates and compiles {@link TriggerFilter}s. The rules (the CloudEvents Subscriptions API's
 * where it has them): exactly one dialect per filter; exact/prefix/suffix/lt/le/gt/ge name at
 * least one attribute, every name known and usable for the trigger's kind of event, every value
 * non-empty; lt/le/gt/ge values and exact values of numeric attributes are numbers; all/any hold
 * at least one filter; not holds one; JSON pointers follow RFC 6901; filters nest at most
 * {@value #MAX_DEPTH} deep and hold at most {@value #MAX_NODES} predicates.
 *
 * <p>Stateless; thread-safe.
 */
public final class TriggerFilters {
  /** How deep filters may nest. */
  public static final int MAX_DEPTH = 32;
  /** How many predicates one target's filter may hold. */
  public static final int MAX_NODES = 256;

  /** Which events a filter will see, which decides the attributes it may use. */
  public enum Scope {
    /** Data triggers (create/update/delete of an entry). */
    DATA,
    /** Function triggers (on_complete/on_error). */
    FUNCTION,
    /** Either (no attribute is refused for its kind). */
    ANY
  }

  private TriggerFilters() {}

  /**
   * Reads a filter written as CloudEvents Subscriptions API JSON:
   * {@code {"exact": {"type": "data.update"}}}, {@code {"all": [ ... ]}}, {@code {"not": { ... }}},
   * {@code {"gt": {"new/amount": "1000"}}}, {@code {"changed": "/status"}}. A top-level array
   * (the API's {@code filters} property) means all of its filters. Structure only: the result
   * is validated when it is compiled.
   *
   * @throws IllegalArgumentException when the text is not JSON of that shape
   */
  public static TriggerFilter fromJson(String json) {
    try (com.fasterxml.jackson.core.JsonParser p = JSON.createParser(json)) {
      p.nextToken();
      TriggerFilter f = p.currentToken() == com.fasterxml.jackson.core.JsonToken.START_ARRAY
          ? TriggerFilter.newBuilder().setAll(readList(p)).build() : readFilter(p);
      if (p.nextToken() != null) {
        throw new IllegalArgumentException("filter JSON has text after the filter");
      }
      return f;
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("filter JSON is malformed: " + e.getMessage(), e);
    }
  }

  private static final com.fasterxml.jackson.core.JsonFactory JSON = new com.fasterxml.jackson.core.JsonFactory();

  private static TriggerFilter readFilter(com.fasterxml.jackson.core.JsonParser p) throws java.io.IOException {
    if (p.currentToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
      throw new IllegalArgumentException("a filter is a JSON object {\"dialect\": ...}, found " + p.currentToken());
    }
    if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
      throw new IllegalArgumentException("a filter object names one dialect, found none");
    }
    String dialect = p.currentName();
    p.nextToken();
    TriggerFilter.Builder b = TriggerFilter.newBuilder();
    switch (dialect) {
      case "exact" -> b.setExact(readAttributes(p));
      case "prefix" -> b.setPrefix(readAttributes(p));
      case "suffix" -> b.setSuffix(readAttributes(p));
      case "lt" -> b.setLt(readAttributes(p));
      case "le" -> b.setLe(readAttributes(p));
      case "gt" -> b.setGt(readAttributes(p));
      case "ge" -> b.setGe(readAttributes(p));
      case "all" -> b.setAll(readList(p));
      case "any" -> b.setAny(readList(p));
      case "not" -> b.setNot(readFilter(p));
      case "changed" -> b.setChanged(p.getValueAsString(""));
      default -> throw new IllegalArgumentException("unsupported filter dialect '" + dialect
          + "' (supported: exact, prefix, suffix, all, any, not, lt, le, gt, ge, changed)");
    }
    if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.END_OBJECT) {
      throw new IllegalArgumentException("a filter object names exactly one dialect; '" + dialect
          + "' is followed by '" + p.currentName() + "'");
    }
    return b.build();
  }

  private static FilterAttributes readAttributes(com.fasterxml.jackson.core.JsonParser p) throws java.io.IOException {
    if (p.currentToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
      throw new IllegalArgumentException("expected {\"attribute\": \"value\", ...}, found " + p.currentToken());
    }
    FilterAttributes.Builder a = FilterAttributes.newBuilder();
    while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
      String name = p.currentName();
      com.fasterxml.jackson.core.JsonToken v = p.nextToken();
      if (!v.isScalarValue()) {
        throw new IllegalArgumentException("attribute '" + name + "' needs a string or number value");
      }
      a.putAttributes(name, p.getText());
    }
    return a.build();
  }

  private static FilterList readList(com.fasterxml.jackson.core.JsonParser p) throws java.io.IOException {
    if (p.currentToken() != com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
      throw new IllegalArgumentException("all/any take an array of filters, found " + p.currentToken());
    }
    FilterList.Builder l = FilterList.newBuilder();
    while (p.nextToken() != com.fasterxml.jackson.core.JsonToken.END_ARRAY) {
      l.addFilters(readFilter(p));
    }
    return l.build();
  }

  /**
   * Compiles {@code filter} for targets of {@code scope}.
   *
   * @throws InvalidTriggerTargetException naming the filter's bad part ({@code filter.all[1].exact['x']: ...})
   */
  public static CompiledFilter compile(TriggerFilter filter, Scope scope) {
    Objects.requireNonNull(filter, "filter");
    Objects.requireNonNull(scope, "scope");
    Compiler c = new Compiler(scope);
    Node root = c.node(filter, "filter", 1);
    return new CompiledFilter(root, filter, c.readsValues);
  }

  /** One compilation: the scope, and what it counted so far. */
  private static final class Compiler {
    final Scope scope;
    int nodes;
    boolean readsValues;

    Compiler(Scope scope) {
      this.scope = scope;
    }

    Node node(TriggerFilter f, String where, int depth) {
      if (depth > MAX_DEPTH) {
        throw bad(where, "nests deeper than " + MAX_DEPTH + " levels");
      }
      return switch (f.getDialectCase()) {
        case EXACT -> attributes(f.getExact(), where + ".exact", Op.EXACT);
        case PREFIX -> attributes(f.getPrefix(), where + ".prefix", Op.PREFIX);
        case SUFFIX -> attributes(f.getSuffix(), where + ".suffix", Op.SUFFIX);
        case LT -> attributes(f.getLt(), where + ".lt", Op.LT);
        case LE -> attributes(f.getLe(), where + ".le", Op.LE);
        case GT -> attributes(f.getGt(), where + ".gt", Op.GT);
        case GE -> attributes(f.getGe(), where + ".ge", Op.GE);
        case ALL -> new CompiledFilter.All(list(f.getAll(), where + ".all", depth));
        case ANY -> new CompiledFilter.Any(list(f.getAny(), where + ".any", depth));
        case NOT -> new CompiledFilter.Not(node(f.getNot(), where + ".not", depth + 1));
        case CHANGED -> changed(f.getChanged(), where + ".changed");
        case DIALECT_NOT_SET -> throw bad(where, "sets no dialect (one of exact, prefix, suffix, all, any, not, "
            + "lt, le, gt, ge, changed)");
      };
    }

    Node[] list(FilterList l, String where, int depth) {
      if (l.getFiltersCount() == 0) {
        throw bad(where, "holds no filter (at least one is required)");
      }
      Node[] out = new Node[l.getFiltersCount()];
      for (int i = 0; i < out.length; i++) {
        out[i] = node(l.getFilters(i), where + "[" + i + "]", depth + 1);
      }
      return out;
    }

    Node attributes(FilterAttributes a, String where, Op op) {
      if (a.getAttributesCount() == 0) {
        throw bad(where, "names no attribute (at least one is required)");
      }
      List<Node> out = new ArrayList<>(a.getAttributesCount());
      // sorted: the compiled order (and so the error reported first) does not depend on map order
      for (Map.Entry<String, String> e : new TreeMap<>(a.getAttributesMap()).entrySet()) {
        out.add(predicate(e.getKey(), e.getValue(), where + "['" + e.getKey() + "']", op));
      }
      return out.size() == 1 ? out.get(0) : new CompiledFilter.All(out.toArray(new Node[0]));
    }

    Node predicate(String name, String value, String where, Op op) {
      if (++nodes > MAX_NODES) {
        throw bad(where, "makes the filter hold more than " + MAX_NODES + " predicates");
      }
      if (value.isEmpty()) {
        throw bad(where, "has an empty value (values must not be empty)");
      }
      if (name.startsWith("new/") || name.startsWith("old/") || name.equals("new") || name.equals("old")) {
        return valuePredicate(name, value, where, op);
      }
      Attr attr = attribute(name, where);
      if (attr.numeric()) {
        return numericAttribute(attr, value, where, op);
      }
      if (op.cmp != null) {
        throw bad(where, "compares '" + name + "' as a number; " + op.label
            + " applies to depth, partition, new, old and their JSON pointers");
      }
      if (attr == Attr.TYPE && op.text == TextMatch.EXACT && !Attr.isTypeName(value)) {
        throw bad(where, "type '" + value + "' is not one of data.create, data.update, data.delete, "
            + "func.complete, func.error");
      }
      return new CompiledFilter.TextNode(attr, op.text, value);
    }

    Attr attribute(String name, String where) {
      for (Attr a : Attr.values()) {
        if (a.label.equals(name) && !a.value()) {
          String refusal = refusal(a);
          if (refusal != null) {
            throw bad(where, "attribute '" + name + "' " + refusal);
          }
          return a;
        }
      }
      throw bad(where, "unknown attribute '" + name + "' (known: type, subject, key, fn, object, cls, partition, "
          + "depth, fnstatus, error, new, old, new/<json pointer>, old/<json pointer>)");
    }

    /** Why {@code a} cannot be used in this scope, or null. */
    String refusal(Attr a) {
      boolean funcOnly = a == Attr.FN || a == Attr.FNSTATUS || a == Attr.ERROR;
      boolean dataOnly = a == Attr.KEY || a == Attr.NEW || a == Attr.OLD;
      if (scope == Scope.DATA && funcOnly) {
        return "is only set on function events, and this target is a data trigger's";
      }
      if (scope == Scope.FUNCTION && dataOnly) {
        return "is only set on data events, and this target is a function trigger's";
      }
      return null;
    }

    Node numericAttribute(Attr attr, String value, String where, Op op) {
      if (op.cmp == null && op.text != TextMatch.EXACT) {
        throw bad(where, op.label + " on the number '" + attr.label + "' is not supported; use exact, lt, le, gt "
            + "or ge");
      }
      if (op.cmp == null) {
        if (!value.matches("0|[1-9][0-9]{0,18}")) {
          throw bad(where, attr.label + " '" + value + "' is not a non-negative integer in canonical form");
        }
        return new CompiledFilter.IntEquals(attr, Long.parseLong(value));
      }
      return new CompiledFilter.IntRange(attr, op.cmp, number(value, where));
    }

    Node valuePredicate(String name, String value, String where, Op op) {
      ValueRef ref = valueRef(name, where);
      if (op.cmp != null) {
        return new CompiledFilter.ValueCompare(ref, op.cmp, number(value, where));
      }
      return new CompiledFilter.ValueText(ref, op.text, value.getBytes(StandardCharsets.UTF_8));
    }

    ValueRef valueRef(String name, String where) {
      Attr side = name.startsWith("new") ? Attr.NEW : Attr.OLD;
      String refusal = refusal(side);
      if (refusal != null) {
        throw bad(where, "attribute '" + name + "' " + refusal);
      }
      readsValues = true;
      return ref(side, name.length() == 3 ? null : name.substring(3), where);
    }

    Node changed(String pointer, String where) {
      if (++nodes > MAX_NODES) {
        throw bad(where, "makes the filter hold more than " + MAX_NODES + " predicates");
      }
      String refusal = refusal(Attr.NEW);
      if (refusal != null) {
        throw bad(where, "compares entry values, which " + refusal.replace("is only", "are only"));
      }
      readsValues = true;
      String p = pointer.isEmpty() ? null : pointer;
      return new CompiledFilter.Changed(ref(Attr.NEW, p, where), ref(Attr.OLD, p, where));
    }

    static ValueRef ref(Attr side, String pointer, String where) {
      if (pointer == null) {
        return new ValueRef(side, null, new byte[0][], new int[0]);
      }
      if (pointer.charAt(0) != '/') {
        throw bad(where, "JSON pointer '" + pointer + "' does not start with '/'");
      }
      String[] tokens = pointer.substring(1).split("/", -1);
      byte[][] names = new byte[tokens.length][];
      int[] indexes = new int[tokens.length];
      for (int i = 0; i < tokens.length; i++) {
        String t = unescape(tokens[i], pointer, where);
        names[i] = t.getBytes(StandardCharsets.UTF_8);
        indexes[i] = t.matches("0|[1-9][0-9]{0,8}") ? Integer.parseInt(t) : -1;
      }
      return new ValueRef(side, pointer, names, indexes);
    }

    static String unescape(String token, String pointer, String where) {
      StringBuilder b = new StringBuilder(token.length());
      int i = 0;
      while (i < token.length()) {
        char c = token.charAt(i);
        if (c != '~') {
          b.append(c);
          i++;
          continue;
        }
        char next = i + 1 < token.length() ? token.charAt(i + 1) : ' ';
        if (next != '0' && next != '1') {
          throw bad(where, "JSON pointer '" + pointer + "' has '~' not followed by 0 or 1 (RFC 6901)");
        }
        b.append(next == '0' ? '~' : '/');
        i += 2;
      }
      return b.toString();
    }

    static Decimals.Literal number(String value, String where) {
      Decimals.Literal lit = Decimals.Literal.parse(value);
      if (lit == null || !value.equals(value.trim())) {
        throw bad(where, "'" + value + "' is not a decimal number");
      }
      return lit;
    }

    static InvalidTriggerTargetException bad(String where, String problem) {
      return new InvalidTriggerTargetException(where + " " + problem);
    }
  }

  /** The dialects that name attributes. */
  private enum Op {
    EXACT(TextMatch.EXACT, null), PREFIX(TextMatch.PREFIX, null), SUFFIX(TextMatch.SUFFIX, null),
    LT(null, Cmp.LT), LE(null, Cmp.LE), GT(null, Cmp.GT), GE(null, Cmp.GE);

    final TextMatch text;
    final Cmp cmp;
    final String label;

    Op(TextMatch text, Cmp cmp) {
      this.text = text;
      this.cmp = cmp;
      this.label = name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
