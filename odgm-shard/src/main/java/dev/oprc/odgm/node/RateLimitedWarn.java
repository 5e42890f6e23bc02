package dev.oprc.odgm.node;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs at WARN at most once per interval and at DEBUG otherwise, so hostile or broken input cannot
 * flood the log. Thread-safe.
 */
final class RateLimitedWarn {
  private final Logger log;
  private final long intervalNanos;
  private final AtomicLong last = new AtomicLong(System.nanoTime() - TimeUnit.DAYS.toNanos(1));

  RateLimitedWarn(Logger log, long intervalMillis) {
    this.log = log;
    this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
  }

  void warn(String fmt, Object... args) {
    long now = System.nanoTime();
    long prev = last.get();
    if (now - prev > intervalNanos && last.compareAndSet(prev, now)) {
      log.warn(fmt, args);
    } else if (log.isDebugEnabled()) {
      log.debug(fmt, args);
    }
  }
}
