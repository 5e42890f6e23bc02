package dev.oprc.odgm.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import java.util.List;
import org.slf4j.ILoggerFactory;

/**
 * The logback-specific half of {@link Logging}, in its own class so that nothing of logback is
 * loaded unless logback is the backend. Call from one thread (the process's start).
 */
final class LogbackBackend {
  /** The console appender of {@code logback.xml}. */
  static final String CONSOLE = "CONSOLE";

  private LogbackBackend() {}

  /** Sets the levels and the format on {@code factory}, a logback {@link LoggerContext}; returns warnings. */
  static List<String> apply(ILoggerFactory factory, LogFilter filter, LogFormat format) {
    LoggerContext ctx = (LoggerContext) factory;
    if (filter.defaultLevel() != null) {
      ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(filter.defaultLevel()));
    }
    filter.levels().forEach((logger, level) -> ctx.getLogger(logger).setLevel(Level.toLevel(level)));
    if (format == LogFormat.JSON && !useJson(ctx)) {
      return List.of("LOG_FORMAT=json applies to the node's console appender; the logback configuration in use has "
          + "none named " + CONSOLE + ", so it keeps its own format");
    }
    return List.of();
  }

  private static boolean useJson(LoggerContext ctx) {
    Appender<ILoggingEvent> a = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender(CONSOLE);
    if (!(a instanceof ConsoleAppender<ILoggingEvent> console)) {
      return false;
    }
    JsonEncoder json = new JsonEncoder();
    json.setContext(ctx);
    // the text a reader expects in "message", not SLF4J's template with the values beside it
    json.setWithFormattedMessage(true);
    json.setWithMessage(false);
    json.setWithArguments(false);
    json.setWithContext(false); // the same logger-context object on every line
    json.start();
    console.stop(); // swapping the encoder of a running appender could tear a line
    console.setEncoder(json);
    console.start();
    return true;
  }
}
