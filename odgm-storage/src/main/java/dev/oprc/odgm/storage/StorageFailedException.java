package dev.oprc.odgm.storage;

/**
 * The storage can no longer promise durability (a WAL sync failed) and refuses writes until the
 * node restarts. Unlike other {@link StorageException}s, the write that saw it may have been
 * applied: retrying it is not safe.
 */
public final class StorageFailedException extends StorageException {
  private static final long serialVersionUID = 1L;

  public StorageFailedException(String message) {
    super(message);
  }
}
