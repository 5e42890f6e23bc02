package dev.oprc.odgm.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link LogFilter} and {@link LogFormat} to the logback backend once, at start, before
 * the node logs anything of its own. Call from one thread (the process's start).
 */
public final class Logging {
  /** The console appender of {@code logback.xml}. */
  static final String CONSOLE = "CONSOLE";

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
    if (!(factory instanceof LoggerContext ctx)) {
      if (!filter.equals(LogFilter.DEFAULT) || format != LogFormat.TEXT) {
        warnings.add("ODGM_LOG and LOG_FORMAT are not applied: the logging backend on the class path is "
            + factory.getClass().getName() + ", not logback");
      }
      return warnings;
    }
    if (filter.defaultLevel() != null) {
      ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(filter.defaultLevel()));
    }
    filter.levels().forEach((logger, level) -> ctx.getLogger(logger).setLevel(Level.toLevel(level)));
    if (format == LogFormat.JSON && !useJson(ctx)) {
      warnings.add("LOG_FORMAT=json applies to the node's console appender; the logback configuration in use has "
          + "none named " + CONSOLE + ", so it keeps its own format");
    }
    return warnings;
  }

  private static boolean useJson(LoggerContext ctx) {
    Appender<ILoggingEvent> a = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender(CONSOLE);
    if (!(a instanceof ConsoleAppender<ILoggingEvent> console)) {
      return false;
    }
    JsonEncoder json = new JsonEncoder();
    json.setContext(ctx);
    json.start();
    console.stop(); // swapping the encoder of a running appender could tear a line
    console.setEncoder(json);
    console.start();
    return true;
  }
}
