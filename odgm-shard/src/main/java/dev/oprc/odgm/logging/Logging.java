package dev.oprc.odgm.logging;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link LogFilter} and {@link LogFormat} to the logback backend once, at start, before
 * the node logs anything of its own. Logback is optional: with another SLF4J backend (a library
 * user's, the benchmarks' no-op one) nothing of logback is loaded and a non-default filter or
 * format is reported as not applied. Call from one thread (the process's start).
 */
public final class Logging {
  private static final String LOGBACK_CONTEXT = "ch.qos.logback.classic.LoggerContext";

  private Logging() {}

  /**
   * Sets the levels and the format; returns what could not be applied, one warning per line, for
   * the caller to log once the format is in place.
   */
  public static List<String> apply(LogFilter filter, LogFormat format) {
    List<String> warnings = new ArrayList<>();
    if (!filter.ignored().isEmpty()) {
      warnings.add("ODGM_LOG: no equivalent here for " + String.join(", ", filter.ignored()) + " (ignored)");
    }
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (!factory.getClass().getName().equals(LOGBACK_CONTEXT)) { // by name: logback may be absent
      if (!filter.equals(LogFilter.DEFAULT) || format != LogFormat.TEXT) {
        warnings.add("ODGM_LOG and LOG_FORMAT are not applied: the logging backend on the class path is "
            + factory.getClass().getName() + ", not logback");
      }
      return warnings;
    }
    warnings.addAll(LogbackBackend.apply(factory, filter, format));
    return warnings;
  }
}
