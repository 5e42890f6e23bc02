package dev.oprc.odgm.events;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.TriggerFilter;

/**
 * A trigger target's {@link TriggerFilter}, validated and compiled once (by
 * {@link TriggerFilters#compile}) into a tree of small predicates. {@link #test} evaluates it
 * against an event without allocating (strings with JSON escapes are decoded into a per-thread
 * scratch buffer).
 *
 * <p>Immutable and thread-safe.
 */
public final class CompiledFilter {
  private final Node root;
  private final TriggerFilter source;
  private final boolean readsValues;

  CompiledFilter(Node root, TriggerFilter source, boolean readsValues) {
    this.root = root;
    this.source = source;
    this.readsValues = readsValues;
  }

  /** True when the event passes the filter. */
  public boolean test(EventContext e) {
    return root.test(e);
  }

  /** The filter as configured. */
  public TriggerFilter source() {
    return source;
  }

  /** True when the filter reads the entry's new or old value. */
  public boolean readsValues() {
    return readsValues;
  }

  @Override
  public String toString() {
    return "CompiledFilter[" + root + "]";
  }

  // ------------------------------------------------------------------ predicates

  /** One predicate of the tree. */
  abstract static class Node {
    abstract boolean test(EventContext e);

    /**
     * A rough relative cost, so all/any evaluate cheap children first (predicates are pure: the
     * order changes the time a verdict takes, never the verdict): 1 for an attribute, 10 for a
     * lookup in one value, 20 for one in both.
     */
    int cost() {
      return 1;
    }

    /** {@code nodes} stably sorted by cost. */
    static Node[] cheapestFirst(Node[] nodes) {
      Node[] sorted = nodes.clone();
      java.util.Arrays.sort(sorted, java.util.Comparator.comparingInt(Node::cost));
      return sorted;
    }
  }

  /** The event attributes a filter can name, with how to read them. */
  enum Attr {
    TYPE("type"), SUBJECT("subject"), KEY("key"), FN("fn"), OBJECT("object"), CLS("cls"),
    PARTITION("partition"), DEPTH("depth"), FNSTATUS("fnstatus"), ERROR("error"), NEW("new"), OLD("old");

    private static final String[] TYPE_NAMES = {null, "func.complete", "func.error", "data.create", "data.update",
        "data.delete"};
    final String label;

    Attr(String label) {
      this.label = label;
    }

    static String typeName(EventType t) {
      return TYPE_NAMES[t.number()];
    }

    static boolean isTypeName(String s) {
      for (int i = 1; i < TYPE_NAMES.length; i++) {
        if (TYPE_NAMES[i].equals(s)) {
          return true;
        }
      }
      return false;
    }

    boolean numeric() {
      return this == PARTITION || this == DEPTH;
    }

    boolean value() {
      return this == NEW || this == OLD;
    }

    /** The text of a string attribute, or null when the event does not have it. */
    String text(EventContext e) {
      boolean data = e.type().isData();
      return switch (this) {
        case TYPE -> typeName(e.type());
        case SUBJECT -> e.subject();
        case KEY -> data ? e.subject() : null;
        case FN -> data ? null : e.subject();
        case OBJECT -> e.objectId();
        case CLS -> e.clsId();
        case FNSTATUS -> data ? null : e.status() != null ? e.status()
            : e.type() == EventType.FUNC_COMPLETE ? "OKAY" : null;
        case ERROR -> data ? null : e.error();
        default -> throw new IllegalStateException(label + " is not a string attribute");
      };
    }

    long number(EventContext e) {
      return this == DEPTH ? e.depth() : Integer.toUnsignedLong(e.partitionId());
    }

    ByteString bytes(EventContext e) {
      return this == NEW ? e.newValue() : e.oldValue();
    }
  }

  /** exact/prefix/suffix on a string attribute. */
  static final class TextNode extends Node {
    final Attr attr;
    final TextMatch mode;
    final String lit;

    TextNode(Attr attr, TextMatch mode, String lit) {
      this.attr = attr;
      this.mode = mode;
      this.lit = lit;
    }

    @Override
    boolean test(EventContext e) {
      String v = attr.text(e);
      return v != null && mode.test(v, lit);
    }

    @Override
    public String toString() {
      return mode.dialect() + " " + attr.label + " '" + lit + "'";
    }
  }

  /** exact on a numeric attribute. */
  static final class IntEquals extends Node {
    final Attr attr;
    final long lit;

    IntEquals(Attr attr, long lit) {
      this.attr = attr;
      this.lit = lit;
    }

    @Override
    boolean test(EventContext e) {
      return attr.number(e) == lit;
    }

    @Override
    public String toString() {
      return "exact " + attr.label + " " + lit;
    }
  }

  /** lt/le/gt/ge, which the compiler turns into a comparison with the literal's floor or ceiling. */
  enum Cmp {
    LT, LE, GT, GE;

    boolean holds(int sign) {
      return switch (this) {
        case LT -> sign < 0;
        case LE -> sign <= 0;
        case GT -> sign > 0;
        case GE -> sign >= 0;
      };
    }

  }

  /**
   * lt/le/gt/ge on a numeric attribute, compiled to a range: for an integer v and any decimal L,
   * {@code v < L} is {@code v <= ceil(L) - 1}, {@code v <= L} is {@code v <= floor(L)},
   * {@code v > L} is {@code v >= floor(L) + 1} and {@code v >= L} is {@code v >= ceil(L)}.
   */
  static final class IntRange extends Node {
    final Attr attr;
    final long min;
    final long max;
    final String text;

    IntRange(Attr attr, Cmp cmp, Decimals.Literal lit) {
      this.attr = attr;
      this.text = cmp.name().toLowerCase(java.util.Locale.ROOT) + " " + attr.label + " " + lit.text();
      long lo = Long.MIN_VALUE;
      long hi = Long.MAX_VALUE;
      switch (cmp) {
        case LT -> hi = lit.ceil() == Long.MIN_VALUE ? Long.MIN_VALUE : lit.ceil() - 1;
        case LE -> hi = lit.floor();
        case GT -> lo = lit.floor() == Long.MAX_VALUE ? Long.MAX_VALUE : lit.floor() + 1;
        case GE -> lo = lit.ceil();
      }
      this.min = lo;
      this.max = hi;
    }

    @Override
    boolean test(EventContext e) {
      long v = attr == Attr.DEPTH ? e.depth() : Integer.toUnsignedLong(e.partitionId());
      return v >= min && v <= max;
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /** Where a value attribute points: the whole value, or one member of its JSON. */
  static final class ValueRef {
    final Attr side;
    final String pointer; // null = the whole value as text
    final byte[][] names;
    final int[] indexes;

    ValueRef(Attr side, String pointer, byte[][] names, int[] indexes) {
      this.side = side;
      this.pointer = pointer;
      this.names = names;
      this.indexes = indexes;
    }

    /** The span of the referenced value in {@code b}, or {@link JsonScan#MISSING}. */
    long locate(ByteString b) {
      if (pointer == null) {
        return JsonScan.span(0, b.size());
      }
      return b.isEmpty() ? JsonScan.MISSING : JsonScan.find(b, names, indexes);
    }

    @Override
    public String toString() {
      return side.label + (pointer == null ? "" : pointer);
    }
  }

  /** exact/prefix/suffix on a value or a JSON member of it. */
  static final class ValueText extends Node {
    final ValueRef ref;
    final TextMatch mode;
    final byte[] lit;

    ValueText(ValueRef ref, TextMatch mode, byte[] lit) {
      this.ref = ref;
      this.mode = mode;
      this.lit = lit;
    }

    @Override
    boolean test(EventContext e) {
      ByteString b = ref.side.bytes(e);
      if (b == null) {
        return false;
      }
      if (ref.pointer == null) {
        return mode.test(b, 0, b.size(), lit);
      }
      long span = ref.locate(b);
      return span != JsonScan.MISSING && JsonScan.textMatches(b, span, mode, lit);
    }

    @Override
    int cost() {
      return ref.pointer == null ? 2 : 10;
    }

    @Override
    public String toString() {
      return mode.dialect() + " " + ref + " '" + new String(lit, java.nio.charset.StandardCharsets.UTF_8) + "'";
    }
  }

  /** lt/le/gt/ge on a value (numeric text) or a JSON member of it. */
  static final class ValueCompare extends Node {
    final ValueRef ref;
    final Cmp cmp;
    final Decimals.Literal lit;

    ValueCompare(ValueRef ref, Cmp cmp, Decimals.Literal lit) {
      this.ref = ref;
      this.cmp = cmp;
      this.lit = lit;
    }

    @Override
    boolean test(EventContext e) {
      ByteString b = ref.side.bytes(e);
      if (b == null) {
        return false;
      }
      long span = ref.locate(b);
      if (span == JsonScan.MISSING || JsonScan.start(span) == JsonScan.end(span)) {
        return false;
      }
      int sign = ref.pointer == null ? Decimals.compare(b, 0, b.size(), lit) : JsonScan.compareNumber(b, span, lit);
      return sign != Decimals.NOT_NUMERIC && cmp.holds(sign);
    }

    @Override
    int cost() {
      return 10;
    }

    @Override
    public String toString() {
      return cmp.name().toLowerCase(java.util.Locale.ROOT) + " " + ref + " " + lit.text();
    }
  }

  /** changed: old and new differ at a JSON pointer (or as bytes, for the whole value). */
  static final class Changed extends Node {
    final ValueRef newRef;
    final ValueRef oldRef;

    Changed(ValueRef newRef, ValueRef oldRef) {
      this.newRef = newRef;
      this.oldRef = oldRef;
    }

    @Override
    boolean test(EventContext e) {
      ByteString n = e.newValue();
      ByteString o = e.oldValue();
      if (newRef.pointer == null) {
        return (n == null || o == null) ? (n == null) != (o == null) : !n.equals(o);
      }
      long ns = n == null ? JsonScan.MISSING : newRef.locate(n);
      long os = o == null ? JsonScan.MISSING : oldRef.locate(o);
      if (ns == JsonScan.MISSING || os == JsonScan.MISSING) {
        return ns != os;
      }
      return !JsonScan.sameJson(n, ns, o, os);
    }

    @Override
    int cost() {
      return newRef.pointer == null ? 2 : 20;
    }

    @Override
    public String toString() {
      return "changed '" + (newRef.pointer == null ? "" : newRef.pointer) + "'";
    }
  }

  /** A node over children, tried cheapest first; it costs what they cost together. */
  abstract static class Composite extends Node {
    final Node[] children;

    Composite(Node[] children) {
      this.children = cheapestFirst(children);
    }

    @Override
    int cost() {
      int c = 0;
      for (Node n : children) {
        c += n.cost();
      }
      return c;
    }
  }

  /** all: every child is true. */
  static final class All extends Composite {
    All(Node[] children) {
      super(children);
    }

    @Override
    boolean test(EventContext e) {
      for (Node c : children) {
        if (!c.test(e)) {
          return false;
        }
      }
      return true;
    }

    @Override
    public String toString() {
      return "all" + java.util.Arrays.toString(children);
    }
  }

  /** any: some child is true. */
  static final class Any extends Composite {
    Any(Node[] children) {
      super(children);
    }

    @Override
    boolean test(EventContext e) {
      for (Node c : children) {
        if (c.test(e)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public String toString() {
      return "any" + java.util.Arrays.toString(children);
    }
  }

  /** not: the child is false. */
  static final class Not extends Node {
    final Node child;

    Not(Node child) {
      this.child = child;
    }

    @Override
    int cost() {
      return child.cost();
    }

    @Override
    boolean test(EventContext e) {
      return !child.test(e);
    }

    @Override
    public String toString() {
      return "not(" + child + ")";
    }
  }
}
