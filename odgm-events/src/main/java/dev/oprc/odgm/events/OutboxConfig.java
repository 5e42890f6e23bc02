package dev.oprc.odgm.events;

import java.util.Locale;
import java.util.Map;

/**
 * Settings of a shard's event outbox, read from {@code ODGM_*} variables by {@link #fromEnv(Map)}:
 * <table>
 *   <caption>variables</caption>
 *   <tr><td>{@code ODGM_OUTBOX_MAX_BYTES}</td><td>268435456</td><td>stored records per shard, in bytes (records stay 1.5 router leases after they were sent)</td></tr>
 *   <tr><td>{@code ODGM_OUTBOX_FULL}</td><td>drop-new</td><td>drop-new (counted) | reject-writes (RESOURCE_EXHAUSTED)</td></tr>
 *   <tr><td>{@code ODGM_OUTBOX_TTL_MS}</td><td>86400000</td><td>a record older than this when it could be sent is expired (counted)</td></tr>
 *   <tr><td>{@code ODGM_OUTBOX_MEMORY_BYTES}</td><td>8388608</td><td>records held in memory while the link is down; beyond, re-read from storage</td></tr>
 *   <tr><td>{@code ODGM_EVENT_ACK_TIMEOUT_MS}</td><td>5000</td><td>acknowledged targets: wait for the result this long, doubling per attempt</td></tr>
 *   <tr><td>{@code ODGM_EVENT_ACK_MAX_ATTEMPTS}</td><td>5</td><td>acknowledged targets: sends before the dead-letter key</td></tr>
 *   <tr><td>{@code ODGM_OUTBOX_RESUME_DELAY_MS}</td><td>1000</td><td>after the router link comes back, wait this long before publishing (subscribers re-declare)</td></tr>
 * </table>
 *
 * <p>Immutable and thread-safe.
 */
public record OutboxConfig(long maxBytes, FullPolicy fullPolicy, long ttlMillis, long memoryBytes,
    long ackTimeoutMillis, int ackMaxAttempts, long resumeDelayMillis) {

  public static final String MAX_BYTES = "ODGM_OUTBOX_MAX_BYTES";
  public static final String FULL = "ODGM_OUTBOX_FULL";
  public static final String TTL_MS = "ODGM_OUTBOX_TTL_MS";
  public static final String MEMORY_BYTES = "ODGM_OUTBOX_MEMORY_BYTES";
  public static final String ACK_TIMEOUT_MS = "ODGM_EVENT_ACK_TIMEOUT_MS";
  public static final String ACK_MAX_ATTEMPTS = "ODGM_EVENT_ACK_MAX_ATTEMPTS";
  public static final String RESUME_DELAY_MS = "ODGM_OUTBOX_RESUME_DELAY_MS";

  /** What a write does when its records do not fit in the outbox. */
  public enum FullPolicy {
    /** The write succeeds; the records that do not fit are dropped and counted. */
    DROP_NEW,
    /** The write fails (RESOURCE_EXHAUSTED) and nothing is written. */
    REJECT_WRITES
  }

  public OutboxConfig {
    java.util.Objects.requireNonNull(fullPolicy, "fullPolicy");
    check(maxBytes >= 1024 && maxBytes <= (1L << 40), MAX_BYTES, maxBytes, "bytes 1024..2^40");
    check(ttlMillis >= 1, TTL_MS, ttlMillis, "milliseconds >= 1");
    check(memoryBytes >= 1024, MEMORY_BYTES, memoryBytes, "bytes >= 1024");
    check(ackTimeoutMillis >= 1 && ackTimeoutMillis <= 3_600_000, ACK_TIMEOUT_MS, ackTimeoutMillis,
        "milliseconds 1..3600000");
    check(ackMaxAttempts >= 1 && ackMaxAttempts <= 100, ACK_MAX_ATTEMPTS, ackMaxAttempts, "an integer 1..100");
    check(resumeDelayMillis >= 0 && resumeDelayMillis <= 600_000, RESUME_DELAY_MS, resumeDelayMillis,
        "milliseconds 0..600000");
  }

  public static OutboxConfig defaults() {
    return fromEnv(Map.of());
  }

  /** Reads {@code env}; throws {@link EventConfigException} naming the first invalid variable. */
  public static OutboxConfig fromEnv(Map<String, String> env) {
    return new OutboxConfig(
        EventConfig.integer(env, MAX_BYTES, 256L << 20),
        policy(env.get(FULL)),
        EventConfig.integer(env, TTL_MS, 86_400_000L),
        EventConfig.integer(env, MEMORY_BYTES, 8L << 20),
        EventConfig.integer(env, ACK_TIMEOUT_MS, 5_000),
        (int) EventConfig.integer(env, ACK_MAX_ATTEMPTS, 5),
        EventConfig.integer(env, RESUME_DELAY_MS, 1_000));
  }

  private static FullPolicy policy(String raw) {
    if (raw == null || raw.isBlank()) {
      return FullPolicy.DROP_NEW;
    }
    return switch (raw.trim().toLowerCase(Locale.ROOT)) {
      case "drop-new" -> FullPolicy.DROP_NEW;
      case "reject-writes" -> FullPolicy.REJECT_WRITES;
      default -> throw new EventConfigException(FULL + "='" + raw + "' is invalid; accepted: drop-new, reject-writes");
    };
  }

  private static void check(boolean ok, String name, long value, String accepted) {
    if (!ok) {
      throw new EventConfigException(name + "=" + value + " is out of range; accepted: " + accepted);
    }
  }

  public OutboxConfig withMaxBytes(long b) {
    return new OutboxConfig(b, fullPolicy, ttlMillis, memoryBytes, ackTimeoutMillis, ackMaxAttempts, resumeDelayMillis);
  }

  public OutboxConfig withFullPolicy(FullPolicy p) {
    return new OutboxConfig(maxBytes, p, ttlMillis, memoryBytes, ackTimeoutMillis, ackMaxAttempts, resumeDelayMillis);
  }

  public OutboxConfig withTtlMillis(long t) {
    return new OutboxConfig(maxBytes, fullPolicy, t, memoryBytes, ackTimeoutMillis, ackMaxAttempts, resumeDelayMillis);
  }

  public OutboxConfig withMemoryBytes(long b) {
    return new OutboxConfig(maxBytes, fullPolicy, ttlMillis, b, ackTimeoutMillis, ackMaxAttempts, resumeDelayMillis);
  }

  public OutboxConfig withResumeDelayMillis(long ms) {
    return new OutboxConfig(maxBytes, fullPolicy, ttlMillis, memoryBytes, ackTimeoutMillis, ackMaxAttempts, ms);
  }

  public OutboxConfig withAck(long timeoutMillis, int maxAttempts) {
    return new OutboxConfig(maxBytes, fullPolicy, ttlMillis, memoryBytes, timeoutMillis, maxAttempts, resumeDelayMillis);
  }
}
