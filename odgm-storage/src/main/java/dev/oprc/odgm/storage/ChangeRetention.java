package dev.oprc.odgm.storage;

import dev.oprc.odgm.events.ChangeEvents;

/**
 * How much of a partition's change log is kept: at most {@code maxCount} events, about
 * {@code maxBytes}, none older than {@code maxAgeMillis}. {@link #enforce} trims the oldest events
 * beyond any bound; it runs on a trimming thread, never on a writer.
 *
 * <p>Immutable and thread-safe.
 */
public record ChangeRetention(long maxCount, long maxBytes, long maxAgeMillis) {
  /** Events whose age is checked per round at most (the rest wait for the next round). */
  static final int AGE_SCAN = 100_000;

  public ChangeRetention {
    if (maxCount < 1 || maxBytes < 1 || maxAgeMillis < 1) {
      throw new IllegalArgumentException("change log bounds must be >= 1, were count " + maxCount + ", bytes "
          + maxBytes + ", age " + maxAgeMillis + " ms");
    }
  }

  /** Trims {@code log} to these bounds at {@code nowMillis}; returns how many events it trimmed. */
  public long enforce(ChangeLog log, long nowMillis) {
    long last = log.lastSeq();
    long oldest = log.oldestSeq();
    long count = last - oldest + 1;
    if (count <= 0) {
      return 0;
    }
    long through = oldest - 1;
    if (count > maxCount) {
      through = last - maxCount;
    }
    long bytes = log.approximateBytes();
    if (bytes > maxBytes) {
      long keep = (long) (count * ((double) maxBytes / bytes));
      through = Math.max(through, last - keep);
    }
    long cutoff = nowMillis - maxAgeMillis;
    long[] aged = {through};
    log.scan(through, last, AGE_SCAN, (seq, body) -> {
      if (ChangeEvents.timestamp(body) >= cutoff) {
        return false;
      }
      aged[0] = seq;
      return true;
    });
    through = aged[0];
    if (through < oldest) {
      return 0;
    }
    log.trimThrough(through);
    return through - oldest + 1;
  }
}
