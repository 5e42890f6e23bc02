package dev.oprc.odgm.events;

import dev.oprc.odgm.settings.Settings;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the event pipeline, read by {@link #fromEnv(Map)} from the variables declared in
 * {@link EventSettings} (names, defaults, accepted values and docs live there). Every setting is
 * used: {@code ODGM_EVENT_DISPATCH_THREADS} sizes {@link DispatchPool} (each shard stays on one
 * thread, so per-object order holds).
 *
 * <p>Immutable and thread-safe.
 */
public record EventConfig(
    boolean enabled,
    int maxTriggerDepth,
    long triggerTimeoutMillis,
    int queueBound,
    int maxBatchFanout,
    PayloadFormat payloadFormat,
    int dispatchThreads,
    boolean updateOnSameValue,
    int maxValueBytes) {

  public static final String ENABLED = EventSettings.ENABLED.name();
  public static final String MAX_TRIGGER_DEPTH = EventSettings.MAX_TRIGGER_DEPTH.name();
  public static final String TRIGGER_TIMEOUT_MS = EventSettings.TRIGGER_TIMEOUT_MS.name();
  public static final String QUEUE_BOUND = EventSettings.QUEUE_BOUND.name();
  public static final String MAX_BATCH_FANOUT = EventSettings.MAX_BATCH_FANOUT.name();
  public static final String PAYLOAD_FORMAT = EventSettings.PAYLOAD_FORMAT.name();
  public static final String DISPATCH_THREADS = EventSettings.DISPATCH_THREADS.name();
  static final int DEFAULT_DISPATCH_THREADS = EventSettings.DEFAULT_DISPATCH_THREADS;
  public static final String UPDATE_ON_SAME_VALUE = EventSettings.UPDATE_ON_SAME_VALUE.name();
  public static final String MAX_VALUE_BYTES = EventSettings.MAX_VALUE_BYTES.name();
  /** Default of {@link #MAX_VALUE_BYTES}. */
  public static final int DEFAULT_MAX_VALUE_BYTES = EventSettings.MAX_VALUE_BYTES.defaultValue();

  /**
   * Checks every value against its declaration.
   *
   * @throws dev.oprc.odgm.settings.ConfigException naming the variable of a value out of range
   */
  public EventConfig {
    Objects.requireNonNull(payloadFormat, "payloadFormat");
    EventSettings.MAX_TRIGGER_DEPTH.check(maxTriggerDepth);
    EventSettings.TRIGGER_TIMEOUT_MS.check(triggerTimeoutMillis);
    EventSettings.QUEUE_BOUND.check(queueBound);
    EventSettings.MAX_BATCH_FANOUT.check(maxBatchFanout);
    EventSettings.DISPATCH_THREADS.check(dispatchThreads);
    EventSettings.MAX_VALUE_BYTES.check(maxValueBytes);
  }

  /** The settings without {@link #MAX_VALUE_BYTES} (its default). */
  public EventConfig(boolean enabled, int maxTriggerDepth, long triggerTimeoutMillis, int queueBound,
      int maxBatchFanout, PayloadFormat payloadFormat, int dispatchThreads, boolean updateOnSameValue) {
    this(enabled, maxTriggerDepth, triggerTimeoutMillis, queueBound, maxBatchFanout, payloadFormat, dispatchThreads,
        updateOnSameValue, DEFAULT_MAX_VALUE_BYTES);
  }

  /** The declared defaults ({@link EventSettings}). */
  public static EventConfig defaults() {
    return fromEnv(Map.of());
  }

  /** Reads the process environment. */
  public static EventConfig fromEnv() {
    return fromEnv(System.getenv());
  }

  /**
   * Reads {@code env}; unset variables take their defaults.
   *
   * @throws dev.oprc.odgm.settings.ConfigException naming the first invalid variable, its value and what it accepts
   */
  public static EventConfig fromEnv(Map<String, String> env) {
    Settings s = Settings.of(env);
    return new EventConfig(
        s.get(EventSettings.ENABLED),
        s.get(EventSettings.MAX_TRIGGER_DEPTH),
        s.get(EventSettings.TRIGGER_TIMEOUT_MS),
        s.get(EventSettings.QUEUE_BOUND),
        s.get(EventSettings.MAX_BATCH_FANOUT),
        s.get(EventSettings.PAYLOAD_FORMAT),
        s.get(EventSettings.DISPATCH_THREADS),
        s.get(EventSettings.UPDATE_ON_SAME_VALUE),
        s.get(EventSettings.MAX_VALUE_BYTES));
  }

  /** A copy with a different queue bound. */
  public EventConfig withQueueBound(int bound) {
    return new EventConfig(enabled, maxTriggerDepth, triggerTimeoutMillis, bound, maxBatchFanout, payloadFormat,
        dispatchThreads, updateOnSameValue, maxValueBytes);
  }

  /** A copy with a different payload format. */
  public EventConfig withPayloadFormat(PayloadFormat format) {
    return new EventConfig(enabled, maxTriggerDepth, triggerTimeoutMillis, queueBound, maxBatchFanout, format,
        dispatchThreads, updateOnSameValue, maxValueBytes);
  }

  /** A copy with a different maximum depth. */
  public EventConfig withMaxTriggerDepth(int depth) {
    return new EventConfig(enabled, depth, triggerTimeoutMillis, queueBound, maxBatchFanout, payloadFormat,
        dispatchThreads, updateOnSameValue, maxValueBytes);
  }

  /** A copy with a different fan-out cap. */
  public EventConfig withMaxBatchFanout(int fanout) {
    return new EventConfig(enabled, maxTriggerDepth, triggerTimeoutMillis, queueBound, fanout, payloadFormat,
        dispatchThreads, updateOnSameValue, maxValueBytes);
  }

  /** A copy with events switched on or off. */
  public EventConfig withEnabled(boolean on) {
    return new EventConfig(on, maxTriggerDepth, triggerTimeoutMillis, queueBound, maxBatchFanout, payloadFormat,
        dispatchThreads, updateOnSameValue, maxValueBytes);
  }

  /** A copy with upstream's "always UPDATE on rewrite" behaviour switched on or off. */
  public EventConfig withUpdateOnSameValue(boolean on) {
    return new EventConfig(enabled, maxTriggerDepth, triggerTimeoutMillis, queueBound, maxBatchFanout, payloadFormat,
        dispatchThreads, on, maxValueBytes);
  }

  /** A copy with a different cap on the entry values carried in payloads. */
  public EventConfig withMaxValueBytes(int bytes) {
    return new EventConfig(enabled, maxTriggerDepth, triggerTimeoutMillis, queueBound, maxBatchFanout, payloadFormat,
        dispatchThreads, updateOnSameValue, bytes);
  }

  /** A copy with a different number of dispatch threads. */
  public EventConfig withDispatchThreads(int threads) {
    return new EventConfig(enabled, maxTriggerDepth, triggerTimeoutMillis, queueBound, maxBatchFanout, payloadFormat,
        threads, updateOnSameValue, maxValueBytes);
  }

  /** A copy with a different trigger timeout. */
  public EventConfig withTriggerTimeoutMillis(long ms) {
    return new EventConfig(enabled, maxTriggerDepth, ms, queueBound, maxBatchFanout, payloadFormat,
        dispatchThreads, updateOnSameValue, maxValueBytes);
  }
}
