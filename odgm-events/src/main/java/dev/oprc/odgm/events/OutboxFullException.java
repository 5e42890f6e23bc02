package dev.oprc.odgm.events;

/**
 * A write's event records do not fit in the outbox ({@code ODGM_OUTBOX_FULL} is {@code reject-writes}
 * or {@code backpressure}); nothing of the write was applied. Under {@code backpressure} the
 * exception is {@linkplain #retryable() retryable}: the caller tries the write again for up to
 * {@link #waitMillis()} ({@link #delayed()} counts the write once), and then refuses it
 * ({@link #refused()} counts it as rejected). Not thread-safe (one writer handles it).
 */
public final class OutboxFullException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient OutboxDispatcher counts; // null: counted as rejected already
  private final long waitMillis;

  /** A refusal counted at once (reject-writes). */
  public OutboxFullException(String message) {
    this(message, null, 0);
  }

  OutboxFullException(String message, OutboxDispatcher counts, long waitMillis) {
    super(message);
    this.counts = counts;
    this.waitMillis = waitMillis;
  }

  /** True when the write may be tried again (backpressure); then {@link #refused()} counts a final refusal. */
  public boolean retryable() {
    return counts != null;
  }

  /** How long the writer may go on trying, from its first attempt. */
  public long waitMillis() {
    return waitMillis;
  }

  /** Counts the write as slowed down by backpressure (once per write, at its first refusal). */
  public void delayed() {
    if (counts != null) {
      counts.recordDelayedWrite();
    }
  }

  /** Counts the write as refused after it waited (backpressure); a no-op for reject-writes. */
  public void refused() {
    if (counts != null) {
      counts.recordRejectedWrite();
    }
  }
}
