package dev.oprc.odgm.storage;

/** The write's event records do not fit in the outbox and the policy is reject-writes; nothing was written. */
public final class OutboxFullException extends StorageException {
  private static final long serialVersionUID = 1L;

  public OutboxFullException(String message) {
    super(message);
  }
}
