package dev.oprc.odgm.events;

import dev.oprc.odgm.settings.Settings;
import java.util.Map;

/**
 * Settings of a shard's event outbox, read by {@link #fromEnv(Map)} from the variables declared in
 * {@link EventSettings} (names, defaults, accepted values and docs live there).
 *
 * <p>Immutable and thread-safe.
 */
public record OutboxConfig(long maxBytes, FullPolicy fullPolicy, long ttlMillis, long memoryBytes,
    long ackTimeoutMillis, int ackMaxAttempts, long resumeDelayMillis, long fullWaitMillis) {

  public static final String MAX_BYTES = EventSettings.OUTBOX_MAX_BYTES.name();
  public static final String FULL = EventSettings.OUTBOX_FULL.name();
  public static final String TTL_MS = EventSettings.OUTBOX_TTL_MS.name();
  public static final String MEMORY_BYTES = EventSettings.OUTBOX_MEMORY_BYTES.name();
  public static final String ACK_TIMEOUT_MS = EventSettings.ACK_TIMEOUT_MS.name();
  public static final String ACK_MAX_ATTEMPTS = EventSettings.ACK_MAX_ATTEMPTS.name();
  public static final String RESUME_DELAY_MS = EventSettings.OUTBOX_RESUME_DELAY_MS.name();
  public static final String FULL_WAIT_MS = EventSettings.OUTBOX_FULL_WAIT_MS.name();

  /** What a write does when its records do not fit in the outbox. */
  public enum FullPolicy {
    /** The write succeeds; the records that do not fit are dropped and counted. */
    DROP_NEW,
    /** The write fails (RESOURCE_EXHAUSTED) and nothing is written. */
    REJECT_WRITES,
    /**
     * The writer is slowed down: its write is tried again until the records fit or
     * {@link #fullWaitMillis()} passed, then it fails as with {@link #REJECT_WRITES}.
     */
    BACKPRESSURE
  }

  /**
   * Checks every value against its declaration.
   *
   * @throws dev.oprc.odgm.settings.ConfigException naming the variable of a value out of range
   */
  public OutboxConfig {
    java.util.Objects.requireNonNull(fullPolicy, "fullPolicy");
    EventSettings.OUTBOX_MAX_BYTES.check(maxBytes);
    EventSettings.OUTBOX_TTL_MS.check(ttlMillis);
    EventSettings.OUTBOX_MEMORY_BYTES.check(memoryBytes);
    EventSettings.ACK_TIMEOUT_MS.check(ackTimeoutMillis);
    EventSettings.ACK_MAX_ATTEMPTS.check(ackMaxAttempts);
    EventSettings.OUTBOX_RESUME_DELAY_MS.check(resumeDelayMillis);
    EventSettings.OUTBOX_FULL_WAIT_MS.check(fullWaitMillis);
  }

  /** The declared defaults ({@link EventSettings}). */
  public static OutboxConfig defaults() {
    return fromEnv(Map.of());
  }

  /** Reads {@code env}; throws a {@link dev.oprc.odgm.settings.ConfigException} naming the first invalid variable. */
  public static OutboxConfig fromEnv(Map<String, String> env) {
    Settings s = Settings.of(env);
    return new OutboxConfig(
        s.get(EventSettings.OUTBOX_MAX_BYTES),
        s.get(EventSettings.OUTBOX_FULL),
        s.get(EventSettings.OUTBOX_TTL_MS),
        s.get(EventSettings.OUTBOX_MEMORY_BYTES),
        s.get(EventSettings.ACK_TIMEOUT_MS),
        s.get(EventSettings.ACK_MAX_ATTEMPTS),
        s.get(EventSettings.OUTBOX_RESUME_DELAY_MS),
        s.get(EventSettings.OUTBOX_FULL_WAIT_MS));
  }

  public OutboxConfig withMaxBytes(long b) {
    return new OutboxConfig(b, fullPolicy, ttlMillis, memoryBytes, ackTimeoutMillis, ackMaxAttempts, resumeDelayMillis, fullWaitMillis);
  }

  public OutboxConfig withFullPolicy(FullPolicy p) {
    return new OutboxConfig(maxBytes, p, ttlMillis, memoryBytes, ackTimeoutMillis, ackMaxAttempts, resumeDelayMillis, fullWaitMillis);
  }

  public OutboxConfig withTtlMillis(long t) {
    return new OutboxConfig(maxBytes, fullPolicy, t, memoryBytes, ackTimeoutMillis, ackMaxAttempts, resumeDelayMillis, fullWaitMillis);
  }

  public OutboxConfig withMemoryBytes(long b) {
    return new OutboxConfig(maxBytes, fullPolicy, ttlMillis, b, ackTimeoutMillis, ackMaxAttempts, resumeDelayMillis, fullWaitMillis);
  }

  public OutboxConfig withResumeDelayMillis(long ms) {
    return new OutboxConfig(maxBytes, fullPolicy, ttlMillis, memoryBytes, ackTimeoutMillis, ackMaxAttempts, ms, fullWaitMillis);
  }

  public OutboxConfig withAck(long timeoutMillis, int maxAttempts) {
    return new OutboxConfig(maxBytes, fullPolicy, ttlMillis, memoryBytes, timeoutMillis, maxAttempts, resumeDelayMillis, fullWaitMillis);
  }

  public OutboxConfig withFullWaitMillis(long ms) {
    return new OutboxConfig(maxBytes, fullPolicy, ttlMillis, memoryBytes, ackTimeoutMillis, ackMaxAttempts,
        resumeDelayMillis, ms);
  }
}
