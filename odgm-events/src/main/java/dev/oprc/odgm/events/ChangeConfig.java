package dev.oprc.odgm.events;

import dev.oprc.odgm.settings.Settings;
import java.util.Map;

/**
 * Settings of change streams, read by {@link #fromEnv(Map)} from the variables declared in
 * {@link ChangeSettings}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param publish whether committed writes produce change events at all
 * @param values whether events carry new values
 * @param maxValueBytes the cap on a carried value
 * @param queueBound committed events waiting to be published, node-wide
 * @param logMaxCount change events retained per partition
 * @param logMaxBytes about how many bytes of them
 * @param logMaxAgeMillis how old they may get
 */
public record ChangeConfig(boolean publish, boolean values, int maxValueBytes, int queueBound, long logMaxCount,
    long logMaxBytes, long logMaxAgeMillis) {
  /** Change streams off (the default). */
  public static final ChangeConfig OFF = new ChangeConfig(false, false, ChangeSettings.MAX_VALUE_BYTES.defaultValue(),
      ChangeSettings.QUEUE_BOUND.defaultValue(), ChangeSettings.LOG_MAX_COUNT.defaultValue(),
      ChangeSettings.LOG_MAX_BYTES.defaultValue(), ChangeSettings.LOG_MAX_AGE_MS.defaultValue());

  /**
   * Checks every value against its declaration.
   *
   * @throws dev.oprc.odgm.settings.ConfigException naming the variable of a value out of range
   */
  public ChangeConfig {
    ChangeSettings.MAX_VALUE_BYTES.check(maxValueBytes);
    ChangeSettings.QUEUE_BOUND.check(queueBound);
    ChangeSettings.LOG_MAX_COUNT.check(logMaxCount);
    ChangeSettings.LOG_MAX_BYTES.check(logMaxBytes);
    ChangeSettings.LOG_MAX_AGE_MS.check(logMaxAgeMillis);
  }

  /** Reads {@code env}; unset variables take their defaults. */
  public static ChangeConfig fromEnv(Map<String, String> env) {
    Settings s = Settings.of(env);
    return new ChangeConfig(s.get(ChangeSettings.PUBLISH), s.get(ChangeSettings.VALUES),
        s.get(ChangeSettings.MAX_VALUE_BYTES), s.get(ChangeSettings.QUEUE_BOUND), s.get(ChangeSettings.LOG_MAX_COUNT),
        s.get(ChangeSettings.LOG_MAX_BYTES), s.get(ChangeSettings.LOG_MAX_AGE_MS));
  }

  /** Change streams on, with the other defaults. */
  public static ChangeConfig on() {
    return new ChangeConfig(true, false, OFF.maxValueBytes, OFF.queueBound, OFF.logMaxCount, OFF.logMaxBytes,
        OFF.logMaxAgeMillis);
  }

  /** A copy carrying values cut to {@code maxBytes}. */
  public ChangeConfig withValues(int maxBytes) {
    return new ChangeConfig(publish, true, maxBytes, queueBound, logMaxCount, logMaxBytes, logMaxAgeMillis);
  }

  /** A copy with another queue bound. */
  public ChangeConfig withQueueBound(int bound) {
    return new ChangeConfig(publish, values, maxValueBytes, bound, logMaxCount, logMaxBytes, logMaxAgeMillis);
  }

  /** A copy retaining at most {@code count} events per partition. */
  public ChangeConfig withLogMaxCount(long count) {
    return new ChangeConfig(publish, values, maxValueBytes, queueBound, count, logMaxBytes, logMaxAgeMillis);
  }
}
