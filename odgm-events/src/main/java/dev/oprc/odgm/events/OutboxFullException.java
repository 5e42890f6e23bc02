package dev.oprc.odgm.events;

/**
 * A write's event records do not fit in the outbox and the policy is reject-writes
 * ({@code ODGM_OUTBOX_FULL}); nothing of the write was applied.
 */
public final class OutboxFullException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OutboxFullException(String message) {
    super(message);
  }
}
