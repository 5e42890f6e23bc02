package dev.oprc.odgm.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.proto.FilterAttributes;
import dev.oprc.odgm.proto.FilterList;
import dev.oprc.odgm.proto.TriggerFilter;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property: on random events and random filters, the compiled filter's verdict equals
 * {@link ReferenceFilter}'s. Values are random JSON documents (objects, arrays, strings with
 * escapes, numbers in several spellings) or plain text; filters nest every dialect.
 */
class TriggerFilterPropertyTest {
  // repeated names are drawn more often: most documents have the members most filters read
  private static final String[] KEYS = {"status", "status", "status", "amount", "amount", "amount", "a", "b", "a/b",
      "0"};
  private static final String[] STRINGS = {"shipped", "paid", "x\"y", "1000", "é", "", "back\\slash", "line\nbreak",
      "1e3"};
  private static final String[] NUMBERS = {"0", "1000", "1000.0", "1e3", "-5", "999.99", "1500", "-0", "0.001",
      "12345678901234567890", "1000", "2.5", "1", "3"};
  private static final String[] TEXTS = {"", "1000", " 42 ", "shipped", "abc", "-0.5", "+7", "1e2", "login alice"};
  private static final String[] ATTR_LITERALS = {"order", "audit.", "status", "charge", "data.update", "data.",
      ".create", "func.", "OKAY", "APP_ERROR", "APP", "declined", "orders", "order-1", "o", "1"};
  private static final String[] VALUE_NAMES = {"new", "old", "new/status", "old/status", "new/amount",
      "old/amount", "new/a/b", "new/a~1b", "new/0", "new/a/0", "old/b", "new/missing"};
  private static final String[] TEXT_LITERALS = {"shipped", "paid", "x\"y", "1000", "é", "sh", "ed", "{", "}",
      "true", "null", "[", "\"", "1e3", "login", "alice", "42"};

  @Property(tries = 3000)
  boolean compiledFilterAgreesWithTheReference(@ForAll("filters") TriggerFilter filter,
      @ForAll("events") EventContext event) {
    boolean compiled = TriggerFilters.compile(filter, TriggerFilters.Scope.ANY).test(event);
    return compiled == ReferenceFilter.test(filter, event);
  }

  @Property(tries = 5000)
  void compiledLeafFilterAgreesWithTheReference(@ForAll("leaves") TriggerFilter filter,
      @ForAll("events") EventContext event) {
    boolean compiled = TriggerFilters.compile(filter, TriggerFilters.Scope.ANY).test(event);
    net.jqwik.api.statistics.Statistics.collect(compiled);
    net.jqwik.api.statistics.Statistics.coverage(c -> {
      c.check(true).percentage(p -> p > 5); // a property that is almost always false proves little
      c.check(false).percentage(p -> p > 10);
    });
    assertThat(compiled).as("%s on %s", filter, event).isEqualTo(ReferenceFilter.test(filter, event));
  }

  @Property(tries = 500)
  void generatedValuesParseAsTheirOwnJson(@ForAll("jsonValues") Object value) {
    // guards the generators: the reference must read back what they write, or the property is vacuous
    assertThat(ReferenceFilter.parse(ReferenceFilter.write(value))).isNotNull();
  }

  // ------------------------------------------------------------------ events

  @Provide
  Arbitrary<EventContext> events() {
    Arbitrary<EventContext> data = Combinators.combine(
        Arbitraries.of(EventType.DATA_CREATE, EventType.DATA_UPDATE, EventType.DATA_DELETE),
        Arbitraries.of("order", "audit.x", "status", "charge"), valueText(), valueText(),
        Arbitraries.integers().between(0, 3))
        .as((type, key, nv, ov, depth) -> FilterEvents.data(type, key,
            type == EventType.DATA_DELETE ? null : nv, type == EventType.DATA_CREATE ? null : ov, depth));
    Arbitrary<EventContext> fn = Combinators.combine(
        Arbitraries.of(EventType.FUNC_COMPLETE, EventType.FUNC_ERROR), Arbitraries.of("charge", "ship"),
        Arbitraries.of("OKAY", "APP_ERROR", "SYSTEM_ERROR"), Arbitraries.of("APP_ERROR: card declined", "boom"),
        Arbitraries.integers().between(0, 3))
        .as((type, name, status, error, depth) -> FilterEvents.function(type, name,
            type == EventType.FUNC_COMPLETE ? "OKAY" : status, type == EventType.FUNC_ERROR ? error : null, depth));
    Arbitrary<EventContext> update = Combinators.combine(jsonObjects(), Arbitraries.integers().between(0, 3),
        Arbitraries.of(KEYS), json(1), Arbitraries.integers().between(0, 2))
        .as((doc, edit, key, replacement, depth) -> {
          @SuppressWarnings("unchecked") // jsonObjects() makes LinkedHashMap<String, Object>
          Map<String, Object> old = new LinkedHashMap<>((Map<String, Object>) doc);
          switch (edit) {
            case 0 -> { } // the same document: nothing changed
            case 1 -> old.replaceAll((k, v) -> respell(v)); // the same numbers, spelt differently
            case 2 -> old.put(key, replacement);
            default -> old.remove(key);
          }
          return FilterEvents.data(EventType.DATA_UPDATE, "order", ReferenceFilter.write(doc),
              ReferenceFilter.write(old), depth);
        });
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, data), net.jqwik.api.Tuple.of(2, update), net.jqwik.api.Tuple.of(1, fn));
  }

  /** The same value with its top-level number written another way (1000 -> 1000.0 -> 1e3 -> 1000). */
  private static Object respell(Object v) {
    if (v instanceof ReferenceFilter.Num n) {
      return switch (n.text()) {
        case "1000" -> new ReferenceFilter.Num("1000.0");
        case "1000.0" -> new ReferenceFilter.Num("1e3");
        case "1e3" -> new ReferenceFilter.Num("1000");
        case "0" -> new ReferenceFilter.Num("-0");
        default -> new ReferenceFilter.Num(n.text() + (n.text().contains(".") || n.text().contains("e") ? "" : ".00"));
      };
    }
    return v;
  }

  /** A value's text: JSON (usually an object), plain text, or both sides the same (unchanged). */
  private Arbitrary<String> valueText() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, jsonObjects().map(ReferenceFilter::write)),
        net.jqwik.api.Tuple.of(1, jsonValues().map(ReferenceFilter::write)),
        net.jqwik.api.Tuple.of(2, Arbitraries.of(TEXTS)));
  }

  @Provide
  Arbitrary<Object> jsonValues() {
    return json(2);
  }

  private Arbitrary<Object> jsonObjects() {
    return Arbitraries.lazy(() -> object(2));
  }

  private Arbitrary<Object> json(int depth) {
    Arbitrary<Object> scalar = Arbitraries.oneOf(
        Arbitraries.of(STRINGS).map(s -> (Object) s),
        Arbitraries.of(NUMBERS).map(n -> (Object) new ReferenceFilter.Num(n)),
        Arbitraries.of(true, false, ReferenceFilter.Null.NULL).map(x -> (Object) x));
    if (depth == 0) {
      return scalar;
    }
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, scalar),
        net.jqwik.api.Tuple.of(2, Arbitraries.lazy(() -> object(depth - 1))),
        net.jqwik.api.Tuple.of(1, Arbitraries.lazy(() -> json(depth - 1)).list().ofMaxSize(3).map(l -> (Object) l)));
  }

  private Arbitrary<Object> object(int depth) {
    return Combinators.combine(Arbitraries.of(KEYS).list().ofMaxSize(4), json(depth).list().ofSize(4))
        .as((keys, values) -> {
          Map<String, Object> m = new LinkedHashMap<>();
          for (int i = 0; i < keys.size(); i++) {
            m.putIfAbsent(keys.get(i), values.get(i));
          }
          return (Object) m;
        });
  }

  // ------------------------------------------------------------------ filters

  @Provide
  Arbitrary<TriggerFilter> filters() {
    return filter(3);
  }

  @Provide
  Arbitrary<TriggerFilter> leaves() {
    return filter(0);
  }

  private Arbitrary<TriggerFilter> filter(int depth) {
    Arbitrary<TriggerFilter> leaf = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, attributeText()),
        net.jqwik.api.Tuple.of(4, valueTextFilter()),
        net.jqwik.api.Tuple.of(3, numeric()),
        net.jqwik.api.Tuple.of(2, Arbitraries.of("", "/status", "/amount", "/a", "/a/0", "/b")
            .map(p -> TriggerFilter.newBuilder().setChanged(p).build())));
    if (depth == 0) {
      return leaf;
    }
    Arbitrary<TriggerFilter> nested = Arbitraries.lazy(() -> filter(depth - 1));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, leaf),
        net.jqwik.api.Tuple.of(1, nested.list().ofMinSize(1).ofMaxSize(3)
            .map(l -> TriggerFilter.newBuilder().setAll(FilterList.newBuilder().addAllFilters(l)).build())),
        net.jqwik.api.Tuple.of(1, nested.list().ofMinSize(1).ofMaxSize(3)
            .map(l -> TriggerFilter.newBuilder().setAny(FilterList.newBuilder().addAllFilters(l)).build())),
        net.jqwik.api.Tuple.of(1, nested.map(f -> TriggerFilter.newBuilder().setNot(f).build())));
  }

  private Arbitrary<TriggerFilter> attributeText() {
    return Combinators.combine(Arbitraries.of("exact", "prefix", "suffix"),
        Arbitraries.of("subject", "key", "fn", "object", "cls", "fnstatus", "error"), Arbitraries.of(ATTR_LITERALS))
        .as((op, attr, lit) -> with(op, Map.of(attr, lit)));
  }

  private Arbitrary<TriggerFilter> valueTextFilter() {
    return Combinators.combine(Arbitraries.of("exact", "prefix", "suffix"), Arbitraries.of(VALUE_NAMES),
        Arbitraries.of(TEXT_LITERALS)).as((op, name, lit) -> with(op, Map.of(name, lit)));
  }

  private Arbitrary<TriggerFilter> numeric() {
    Arbitrary<String> names = Arbitraries.of("depth", "partition", "new", "old", "new/amount", "old/amount",
        "new/status", "new/0", "new/a");
    Arbitrary<String> lits = Arbitraries.of("0", "1", "2.5", "1000", "1000.0", "-5", "1e3", "999.99", "3", "0.5");
    Arbitrary<TriggerFilter> single = Combinators.combine(Arbitraries.of("lt", "le", "gt", "ge"), names, lits)
        .as((op, name, lit) -> with(op, Map.of(name, lit)));
    Arbitrary<TriggerFilter> exactInt = Combinators.combine(Arbitraries.of("depth", "partition"),
        Arbitraries.of("0", "1", "2", "3")).as((name, lit) -> with("exact", Map.of(name, lit)));
    Arbitrary<TriggerFilter> two = Combinators.combine(Arbitraries.of("exact", "prefix"),
        Arbitraries.of(ATTR_LITERALS), Arbitraries.of(TEXT_LITERALS))
        .as((op, a, b) -> with(op, Map.of("subject", a, "new/status", b)));
    return Arbitraries.oneOf(single, exactInt, two);
  }

  private static TriggerFilter with(String op, Map<String, String> attributes) {
    FilterAttributes a = FilterAttributes.newBuilder().putAllAttributes(attributes).build();
    TriggerFilter.Builder b = TriggerFilter.newBuilder();
    switch (op) {
      case "exact" -> b.setExact(a);
      case "prefix" -> b.setPrefix(a);
      case "suffix" -> b.setSuffix(a);
      case "lt" -> b.setLt(a);
      case "le" -> b.setLe(a);
      case "gt" -> b.setGt(a);
      case "ge" -> b.setGe(a);
      default -> throw new IllegalArgumentException(op);
    }
    return b.build();
  }

}
