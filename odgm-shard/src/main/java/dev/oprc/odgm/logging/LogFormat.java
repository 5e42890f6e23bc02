package dev.oprc.odgm.logging;

/** How log lines are written ({@code LOG_FORMAT}, upstream's variable). */
public enum LogFormat {
  /** One line: time, level, thread, logger, message. */
  TEXT,
  /** One JSON object per line (logback's {@code JsonEncoder}). */
  JSON
}
