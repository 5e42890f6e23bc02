package dev.oprc.odgm.events;

/**
 * Where the outbox hands its records: a non-blocking publish plus what is needed to know when a
 * handed-over record is safe to forget. A record handed over while {@link #epoch()} was {@code e}
 * is considered delivered once the epoch is still {@code e} {@link #settleMillis()} later: the
 * link stayed up long enough that a silent peer would have been detected.
 *
 * <p>Implementations must be thread-safe and must never block.
 */
public interface DeliveryLink {
  /** Hands {@code envelope} to the link for {@code key}; false when it could not take it now. */
  boolean tryPublish(String key, byte[] envelope);

  /** Publishes {@code payload} on {@code key} with {@code attachment} (dead letters); false on failure. */
  default boolean tryPublish(String key, byte[] payload, byte[] attachment) {
    return tryPublish(key, payload);
  }

  /** Changes whenever the link goes down or comes up. */
  long epoch();

  /** True when a publish can succeed now. */
  boolean up();

  /** How long a handed-over record must stay on an unbroken link before it is retired (0: at once). */
  long settleMillis();
}
