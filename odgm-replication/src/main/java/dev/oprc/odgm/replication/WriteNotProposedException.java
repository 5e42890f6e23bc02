package dev.oprc.odgm.replication;

import dev.oprc.odgm.storage.StorageException;

/**
 * A write was dropped before it was proposed to the group's log because its caller's deadline
 * passed or its caller cancelled it ({@link dev.oprc.odgm.storage.WriteDeadline}): it was
 * certainly not applied, on any replica.
 */
public final class WriteNotProposedException extends StorageException {
  private static final long serialVersionUID = 1L;

  private final boolean cancelled;

  WriteNotProposedException(String message, boolean cancelled) {
    super(message);
    this.cancelled = cancelled;
  }

  /** True when the caller cancelled the write; false when its deadline passed. */
  public boolean cancelled() {
    return cancelled;
  }
}
