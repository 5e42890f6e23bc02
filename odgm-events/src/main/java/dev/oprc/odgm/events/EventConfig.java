package dev.oprc.odgm.events;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the event pipeline, read from {@code ODGM_*} variables by {@link #fromEnv(Map)}.
 * Every setting is used:
 * <table>
 *   <caption>variables</caption>
 *   <tr><td>{@code ODGM_EVENTS_ENABLED}</td><td>true</td><td>false: no trigger is matched or dispatched</td></tr>
 *   <tr><td>{@code ODGM_MAX_TRIGGER_DEPTH}</td><td>10</td><td>events at this depth or deeper are not dispatched (counted)</td></tr>
 *   <tr><td>{@code ODGM_TRIGGER_TIMEOUT_MS}</td><td>30000</td><td>bounds each remote function call</td></tr>
 *   <tr><td>{@code ODGM_EVENT_QUEUE_BOUND}</td><td>8192</td><td>dispatch queue capacity per dispatcher; full → dropped (counted)</td></tr>
 *   <tr><td>{@code ODGM_MAX_BATCH_TRIGGER_FANOUT}</td><td>256</td><td>changed keys evaluated per write; the rest are counted</td></tr>
 *   <tr><td>{@code ODGM_EVENT_PAYLOAD_FORMAT}</td><td>json</td><td>json | protobuf</td></tr>
 *   <tr><td>{@code ODGM_EVENT_DISPATCH_THREADS}</td><td>cores, at most 4</td><td>threads shared by every shard's outbox ({@link DispatchPool}; each shard stays on one, so per-object order holds)</td></tr>
 *   <tr><td>{@code ODGM_EVENT_UPDATE_ON_SAME_VALUE}</td><td>false</td><td>true restores upstream's UPDATE for an identical rewrite</td></tr>
 *   <tr><td>{@code ODGM_EVENT_MAX_VALUE_BYTES}</td><td>65536</td><td>entry values a target asks for ({@code include_values}) are cut to this many bytes in its payload (counted, flagged in the context)</td></tr>
 * </table>
 *
 * <p>The default queue bound of 8192 absorbs a burst of 32 full-fan-out writes (256 keys each)
 * while bounding memory to about 8192 queued contexts (well under 2 MiB); upstream's 1024 drops
 * under one large Set with triggers on every key.
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

  public static final String ENABLED = "ODGM_EVENTS_ENABLED";
  public static final String MAX_TRIGGER_DEPTH = "ODGM_MAX_TRIGGER_DEPTH";
  public static final String TRIGGER_TIMEOUT_MS = "ODGM_TRIGGER_TIMEOUT_MS";
  public static final String QUEUE_BOUND = "ODGM_EVENT_QUEUE_BOUND";
  public static final String MAX_BATCH_FANOUT = "ODGM_MAX_BATCH_TRIGGER_FANOUT";
  public static final String PAYLOAD_FORMAT = "ODGM_EVENT_PAYLOAD_FORMAT";
  public static final String DISPATCH_THREADS = "ODGM_EVENT_DISPATCH_THREADS";
  /** About the number of cores: dispatch is CPU work, more threads only add switches. */
  static final int DEFAULT_DISPATCH_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
  public static final String UPDATE_ON_SAME_VALUE = "ODGM_EVENT_UPDATE_ON_SAME_VALUE";
  public static final String MAX_VALUE_BYTES = "ODGM_EVENT_MAX_VALUE_BYTES";
  /** Default of {@link #MAX_VALUE_BYTES}. */
  public static final int DEFAULT_MAX_VALUE_BYTES = 64 * 1024;

  public EventConfig {
    Objects.requireNonNull(payloadFormat, "payloadFormat");
    check(maxTriggerDepth >= 0 && maxTriggerDepth <= 1_000, MAX_TRIGGER_DEPTH, maxTriggerDepth, "an integer 0..1000");
    check(triggerTimeoutMillis >= 1 && triggerTimeoutMillis <= 3_600_000, TRIGGER_TIMEOUT_MS, triggerTimeoutMillis,
        "milliseconds 1..3600000");
    check(queueBound >= 1 && queueBound <= (1 << 24), QUEUE_BOUND, queueBound, "an integer 1..16777216");
    check(maxBatchFanout >= 1, MAX_BATCH_FANOUT, maxBatchFanout, "an integer >= 1");
    check(dispatchThreads >= 1 && dispatchThreads <= 64, DISPATCH_THREADS, dispatchThreads, "an integer 1..64");
    check(maxValueBytes >= 0 && maxValueBytes <= (16 << 20), MAX_VALUE_BYTES, maxValueBytes, "bytes 0..16777216");
  }

  /** The settings without {@link #MAX_VALUE_BYTES} (its default). */
  public EventConfig(boolean enabled, int maxTriggerDepth, long triggerTimeoutMillis, int queueBound,
      int maxBatchFanout, PayloadFormat payloadFormat, int dispatchThreads, boolean updateOnSameValue) {
    this(enabled, maxTriggerDepth, triggerTimeoutMillis, queueBound, maxBatchFanout, payloadFormat, dispatchThreads,
        updateOnSameValue, DEFAULT_MAX_VALUE_BYTES);
  }

  /** Upstream's defaults (queue bound aside, see the class comment). */
  public static EventConfig defaults() {
    return new EventConfig(true, 10, 30_000, 8192, 256, PayloadFormat.JSON, DEFAULT_DISPATCH_THREADS, false);
  }

  /** Reads the process environment. */
  public static EventConfig fromEnv() {
    return fromEnv(System.getenv());
  }

  /**
   * Reads {@code env}; unset variables take their defaults.
   *
   * @throws EventConfigException naming the first invalid variable, its value and what it accepts
   */
  public static EventConfig fromEnv(Map<String, String> env) {
    EventConfig d = defaults();
    PayloadFormat format;
    String rawFormat = env.get(PAYLOAD_FORMAT);
    try {
      format = rawFormat == null ? d.payloadFormat() : PayloadFormat.parse(rawFormat);
    } catch (IllegalArgumentException e) {
      throw new EventConfigException(PAYLOAD_FORMAT + "='" + rawFormat + "' is invalid; accepted: json | protobuf");
    }
    return new EventConfig(
        bool(env, ENABLED, d.enabled()),
        (int) integer(env, MAX_TRIGGER_DEPTH, d.maxTriggerDepth()),
        integer(env, TRIGGER_TIMEOUT_MS, d.triggerTimeoutMillis()),
        (int) integer(env, QUEUE_BOUND, d.queueBound()),
        (int) integer(env, MAX_BATCH_FANOUT, d.maxBatchFanout()),
        format,
        (int) integer(env, DISPATCH_THREADS, d.dispatchThreads()),
        bool(env, UPDATE_ON_SAME_VALUE, d.updateOnSameValue()),
        (int) integer(env, MAX_VALUE_BYTES, d.maxValueBytes()));
  }

  /** Parses a boolean variable: true/false/1/0 (case-insensitive). */
  public static boolean bool(Map<String, String> env, String name, boolean dflt) {
    String v = env.get(name);
    if (v == null) {
      return dflt;
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw new EventConfigException(name + "='" + v + "' is invalid; accepted: true | false | 1 | 0");
    };
  }

  /** Parses an integer variable (range is checked by the record). */
  public static long integer(Map<String, String> env, String name, long dflt) {
    String v = env.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      long parsed = Long.parseLong(v.trim());
      if (parsed > Integer.MAX_VALUE || parsed < Integer.MIN_VALUE) {
        throw new NumberFormatException();
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new EventConfigException(name + "='" + v + "' is invalid; accepted: a decimal integer");
    }
  }

  private static void check(boolean ok, String name, long value, String accepted) {
    if (!ok) {
      throw new EventConfigException(name + "=" + value + " is out of range; accepted: " + accepted);
    }
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
        threads, updateOnSameValue);
  }

  /** A copy with a different trigger timeout. */
  public EventConfig withTriggerTimeoutMillis(long ms) {
    return new EventConfig(enabled, maxTriggerDepth, ms, queueBound, maxBatchFanout, payloadFormat,
        dispatchThreads, updateOnSameValue, maxValueBytes);
  }
}
