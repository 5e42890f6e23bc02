package dev.oprc.odgm.events;

/**
 * Where the outbox hands its records: a non-blocking publish plus what is needed to know when a
 * handed-over record is safe to forget. A record handed over while {@link #epoch()} was {@code e}
 * is considered delivered once a {@link #barrier} issued after it was proven and the epoch was
 * still {@code e} {@link #barrierGraceMillis()} after the answer (the peer took it), or, when no barrier proves it, once the epoch is still
 * {@code e} one and a half {@link #settleMillis()} after it was written (the link stayed up long
 * enough that a silent peer would have been detected).
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

  /**
   * The link's lease (0: a record is delivered when published). The dispatcher retires a record once
   * the link stayed up for 1.5 times this long after the record was written to the network.
   */
  long settleMillis();

  /** A position at or after every publish accepted so far; read right after a publish, it covers it. */
  default long position() {
    return 0;
  }

  /** Publishes up to this position have left the local queue (written, or lost with a link change). */
  default long writtenPosition() {
    return Long.MAX_VALUE;
  }

  /**
   * Asks for evidence that the peer took every publish this link accepted before the call: the
   * link sends something the peer answers only after it handled what came before it (a Zenoh
   * query that the router, which handles one session's messages in order, finals after routing
   * the earlier puts). {@code listener} is then called once, on any thread, with true when that
   * answer came and false when it cannot come (timeout, link closed). Returns false, without ever
   * calling the listener, when the link cannot issue a barrier now or at all. Must not block.
   */
  default boolean barrier(BarrierListener listener) {
    return false;
  }

  /**
   * How long the link must stay up (same {@link #epoch()}) after a {@link #barrier} was answered
   * before that answer retires anything. A router's answer proves it routed the earlier puts into
   * its queues towards their subscribers, not that it wrote them out: killed in between, it loses
   * them. Its death shows here as an epoch change within milliseconds (the kernel closes a killed
   * process's sockets), so an answer that outlives this grace on the same link stands.
   */
  default long barrierGraceMillis() {
    return 100;
  }

  /** Told once whether a {@link #barrier} was answered. Must be short and must not block. */
  @FunctionalInterface
  interface BarrierListener {
    void done(boolean answered);
  }
}
