package dev.oprc.odgm.logging;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Log levels parsed from {@code ODGM_LOG}, upstream's {@code RUST_LOG}-style directives
 * ({@code info,openraft=info,zenoh=info,oprc_odgm=debug}): a bare level sets the default, and
 * {@code target=level} sets the level of the Java loggers that do what the Rust crate did
 * ({@code oprc_odgm} → {@code dev.oprc.odgm}, {@code zenoh} → {@code dev.oprc.zenoh},
 * {@code openraft} → {@code org.apache.ratis}, {@code tonic}/{@code h2}/{@code hyper} →
 * {@code io.grpc}, {@code rocksdb} → {@code org.rocksdb}); a target with a dot is a Java logger
 * name and is taken as it is. Targets with no equivalent (another crate, a module path, a span
 * filter) are listed in {@link #ignored()}. Immutable.
 *
 * @param defaultLevel the root level, or null to keep the configured one
 * @param levels Java logger name → level (upper case: TRACE, DEBUG, INFO, WARN, ERROR, OFF)
 * @param ignored directives with no equivalent here, as written
 */
public record LogFilter(String defaultLevel, Map<String, String> levels, List<String> ignored) {
  /** Nothing set: the levels of {@code logback.xml}. */
  public static final LogFilter DEFAULT = new LogFilter(null, Map.of(), List.of());

  private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");
  private static final Map<String, List<String>> CRATES = Map.of(
      "oprc_odgm", List.of("dev.oprc.odgm"),
      "zenoh", List.of("dev.oprc.zenoh"),
      "openraft", List.of("org.apache.ratis"),
      "tonic", List.of("io.grpc"),
      "h2", List.of("io.grpc"),
      "hyper", List.of("io.grpc"),
      "rocksdb", List.of("org.rocksdb"));

  public LogFilter {
    if (defaultLevel != null && !LEVELS.contains(defaultLevel)) {
      throw new IllegalArgumentException("not a level: '" + defaultLevel + "'");
    }
    levels = Map.copyOf(levels);
    ignored = List.copyOf(ignored);
  }

  /**
   * Parses comma-separated directives; the last directive for a logger wins.
   *
   * @throws IllegalArgumentException naming the first directive whose level is not a level
   */
  public static LogFilter parse(String directives) {
    String dflt = null;
    Map<String, String> levels = new LinkedHashMap<>();
    List<String> ignored = new ArrayList<>();
    for (String raw : directives.split(",", -1)) {
      String d = raw.trim();
      if (d.isEmpty()) {
        continue;
      }
      int eq = d.indexOf('=');
      if (eq < 0 && level(d) != null) {
        dflt = level(d);
        continue;
      }
      String target = eq < 0 ? d : d.substring(0, eq).trim();
      String level = eq < 0 ? "TRACE" : level(d.substring(eq + 1)); // a bare target means all of it (RUST_LOG)
      if (level == null) {
        throw new IllegalArgumentException("directive '" + d + "' has no level (trace|debug|info|warn|error|off)");
      }
      List<String> loggers = loggers(target);
      if (loggers.isEmpty()) {
        ignored.add(d);
      }
      loggers.forEach(l -> levels.put(l, level));
    }
    return new LogFilter(dflt, levels, ignored);
  }

  private static String level(String text) {
    String l = text.trim().toUpperCase(Locale.ROOT);
    return LEVELS.contains(l) ? l : null;
  }

  /** The Java loggers standing for {@code target}; empty when nothing here corresponds to it. */
  private static List<String> loggers(String target) {
    if (target.contains("[") || target.contains("/") || target.contains("::")) {
      return List.of(); // span filters, regexes and module paths of a crate: no Java equivalent
    }
    if (target.contains(".")) {
      return List.of(target);
    }
    String crate = target.startsWith("zenoh") ? "zenoh" : target;
    return CRATES.getOrDefault(crate, List.of());
  }
}
