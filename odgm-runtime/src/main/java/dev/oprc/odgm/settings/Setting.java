package dev.oprc.odgm.settings;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The one declaration of a variable: its name, default (and how the default reads in the README),
 * how its text is parsed and checked, what it accepts (for error messages) and a one-line doc.
 * Modules declare each of theirs once, as a constant, and read it with {@link Settings#get}.
 * Values are trimmed before parsing. Immutable and thread-safe.
 *
 * @param <T> the parsed value
 */
public final class Setting<T> {
  private final String name;
  private final T defaultValue;
  private final String defaultText;
  private final Function<String, T> parser;
  private final Predicate<T> check;
  private final String accepted;
  private final String doc;
  private final boolean blankIsUnset;
  private final boolean ignored;

  private Setting(String name, T defaultValue, String defaultText, Function<String, T> parser, Predicate<T> check,
      String accepted, String doc, boolean blankIsUnset, boolean ignored) {
    this.name = Objects.requireNonNull(name, "name");
    this.defaultValue = defaultValue;
    this.defaultText = Objects.requireNonNull(defaultText, "defaultText");
    this.parser = Objects.requireNonNull(parser, "parser");
    this.check = Objects.requireNonNull(check, "check");
    this.accepted = Objects.requireNonNull(accepted, "accepted");
    this.doc = Objects.requireNonNull(doc, "doc");
    this.blankIsUnset = blankIsUnset;
    this.ignored = ignored;
    if (!name.matches("[A-Z][A-Z0-9_]*")) {
      throw new IllegalArgumentException("a variable name is upper case letters, digits and '_', was '" + name + "'");
    }
    if (defaultValue != null && !check.test(defaultValue)) {
      throw new IllegalArgumentException(name + ": the default " + defaultValue + " is not " + accepted);
    }
  }

  /** An integer in {@code min..max}. */
  public static Setting<Integer> integer(String name, int dflt, int min, int max, String doc) {
    return new Setting<>(name, dflt, Integer.toString(dflt), Integer::valueOf, v -> v >= min && v <= max,
        "an integer " + range(min, max, Integer.MAX_VALUE), doc, false, false);
  }

  /** A 64-bit integer in {@code min..max}. */
  public static Setting<Long> longInteger(String name, long dflt, long min, long max, String doc) {
    return new Setting<>(name, dflt, Long.toString(dflt), Long::valueOf, v -> v >= min && v <= max,
        "an integer " + range(min, max, Long.MAX_VALUE), doc, false, false);
  }

  /** A duration in whole milliseconds, {@code min..max}. */
  public static Setting<Long> millis(String name, long dflt, long min, long max, String doc) {
    return longInteger(name, dflt, min, max, doc).accepting("milliseconds " + range(min, max, Long.MAX_VALUE));
  }

  /** A size in bytes (a plain integer), {@code min..max}. */
  public static Setting<Long> bytes(String name, long dflt, long min, long max, String doc) {
    return longInteger(name, dflt, min, max, doc).accepting("bytes " + range(min, max, Long.MAX_VALUE));
  }

  /** {@code true | false | 1 | 0}, in any case. */
  public static Setting<Boolean> bool(String name, boolean dflt, String doc) {
    return new Setting<>(name, dflt, Boolean.toString(dflt), Setting::parseBool, v -> true,
        "true | false | 1 | 0", doc, false, false);
  }

  /**
   * One of {@code choices} (keys in lower case, matched in any case), in the order given.
   */
  public static <T> Setting<T> choice(String name, T dflt, Map<String, T> choices, String doc) {
    Map<String, T> copy = new LinkedHashMap<>(choices);
    String dfltText = copy.entrySet().stream().filter(e -> e.getValue().equals(dflt)).map(Map.Entry::getKey)
        .findFirst().orElseThrow(() -> new IllegalArgumentException(name + ": the default is not a choice"));
    Function<String, T> parse = s -> {
      T v = copy.get(s.toLowerCase(Locale.ROOT));
      if (v == null) {
        throw new IllegalArgumentException("not a choice");
      }
      return v;
    };
    return new Setting<>(name, dflt, dfltText, parse, copy::containsValue, String.join(" | ", copy.keySet()), doc,
        false, false);
  }

  /**
   * A value of any type parsed by {@code parser} (which throws an {@link IllegalArgumentException}
   * for a bad text); {@code dflt} may be null, {@code defaultText} says what unset means.
   */
  public static <T> Setting<T> of(String name, T dflt, String defaultText, Function<String, T> parser,
      String accepted, String doc) {
    return new Setting<>(name, dflt, defaultText, parser, v -> true, accepted, doc, false, false);
  }

  /**
   * Text the owning module parses itself (a JSON document, a member list); {@code defaultText} says
   * what unset means. Blank is unset.
   */
  public static Setting<String> text(String name, String defaultText, String accepted, String doc) {
    return new Setting<>(name, null, defaultText, s -> s, v -> true, accepted, doc, true, false);
  }

  /**
   * A variable that upstream's deployments set and this node accepts and ignores: it is documented
   * and never reported as unknown.
   */
  public static Setting<String> ignored(String name, String doc) {
    return new Setting<>(name, null, "ignored", s -> s, v -> true, "anything (ignored)", doc, true, true);
  }

  /** A copy with a default that is not a fixed value: {@code defaultValue} now, read as {@code text}. */
  public Setting<T> withDefault(T value, String text) {
    return new Setting<>(name, value, text, parser, check, accepted, doc, blankIsUnset, ignored);
  }

  /** A copy whose error messages say it accepts {@code text}. */
  public Setting<T> accepting(String text) {
    return new Setting<>(name, defaultValue, defaultText, parser, check, text, doc, blankIsUnset, ignored);
  }

  /** A copy for which a blank value means unset (the default), as some variables have always been read. */
  public Setting<T> blankIsUnset(boolean blank) {
    return new Setting<>(name, defaultValue, defaultText, parser, check, accepted, doc, blank, ignored);
  }

  public String name() {
    return name;
  }

  /** The value when unset; null when there is none (the owner decides, e.g. a random node id). */
  public T defaultValue() {
    return defaultValue;
  }

  /** The default as the README shows it. */
  public String defaultText() {
    return defaultText;
  }

  /** What the variable accepts, as error messages say it. */
  public String accepted() {
    return accepted;
  }

  /** One line saying what the variable does (the README's "meaning"). */
  public String doc() {
    return doc;
  }

  /** True when a blank value means unset; else a blank value is invalid. */
  public boolean blankIsUnset() {
    return blankIsUnset;
  }

  /** True for a variable that is known and ignored. */
  public boolean ignored() {
    return ignored;
  }

  /**
   * Parses and checks the text of the variable (trimmed).
   *
   * @throws ConfigException naming the variable, {@code raw} and what it accepts
   */
  public T parse(String raw) {
    T v;
    try {
      v = parser.apply(raw.trim());
    } catch (IllegalArgumentException e) { // NumberFormatException, InvalidPathException, a parser's refusal
      throw invalid(raw);
    }
    if (!check.test(v)) {
      throw invalid(raw);
    }
    return v;
  }

  /**
   * Checks a value given through the Java API (a record's constructor).
   *
   * @throws ConfigException naming the variable, the value and what it accepts
   */
  public T check(T value) {
    if (!check.test(value)) {
      throw invalid(String.valueOf(value));
    }
    return value;
  }

  /** The error for {@code value}. */
  public ConfigException invalid(String value) {
    return ConfigException.invalid(name, value, accepted);
  }

  @Override
  public String toString() {
    return name;
  }

  private static Boolean parseBool(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw new IllegalArgumentException("not a boolean");
    };
  }

  private static String range(long min, long max, long top) {
    if (max == top) {
      return ">= " + min;
    }
    return min + ".." + max;
  }
}
