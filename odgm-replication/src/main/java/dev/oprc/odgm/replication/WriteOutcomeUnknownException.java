package dev.oprc.odgm.replication;

import dev.oprc.odgm.storage.StorageException;

/**
 * A write reached the group's replicated log, but this node could not learn whether it committed
 * (leadership was lost, or no answer within the request timeout). Unlike every other
 * {@link StorageException}, the write MAY have been applied: the caller must report it as
 * unavailable/unknown, never as success, and not assume it failed (its outbox records, if it
 * committed, are dispatched by whichever node leads next, under their original ids).
 */
public final class WriteOutcomeUnknownException extends StorageException {
  private static final long serialVersionUID = 1L;

  public WriteOutcomeUnknownException(String message, Throwable cause) {
    super(message, cause);
  }
}
