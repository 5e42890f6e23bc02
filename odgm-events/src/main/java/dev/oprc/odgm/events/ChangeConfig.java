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
 */
public record ChangeConfig(boolean publish, boolean values, int maxValueBytes, int queueBound) {
  /** Change streams off (the default). */
  public static final ChangeConfig OFF = new ChangeConfig(false, false, ChangeSettings.MAX_VALUE_BYTES.defaultValue(),
      ChangeSettings.QUEUE_BOUND.defaultValue());

  /**
   * Checks every value against its declaration.
   *
   * @throws dev.oprc.odgm.settings.ConfigException naming the variable of a value out of range
   */
  public ChangeConfig {
    ChangeSettings.MAX_VALUE_BYTES.check(maxValueBytes);
    ChangeSettings.QUEUE_BOUND.check(queueBound);
  }

  /** Reads {@code env}; unset variables take their defaults. */
  public static ChangeConfig fromEnv(Map<String, String> env) {
    Settings s = Settings.of(env);
    return new ChangeConfig(s.get(ChangeSettings.PUBLISH), s.get(ChangeSettings.VALUES),
        s.get(ChangeSettings.MAX_VALUE_BYTES), s.get(ChangeSettings.QUEUE_BOUND));
  }

  /** Change streams on, with the other defaults. */
  public static ChangeConfig on() {
    return new ChangeConfig(true, false, OFF.maxValueBytes, OFF.queueBound);
  }

  /** A copy carrying values cut to {@code maxBytes}. */
  public ChangeConfig withValues(int maxBytes) {
    return new ChangeConfig(publish, true, maxBytes, queueBound);
  }

  /** A copy with another queue bound. */
  public ChangeConfig withQueueBound(int bound) {
    return new ChangeConfig(publish, values, maxValueBytes, bound);
  }
}
