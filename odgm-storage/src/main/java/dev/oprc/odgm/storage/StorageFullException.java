package dev.oprc.odgm.storage;

/** The disk (or the outbox under policy reject-writes) has no room; the write was not applied. */
public final class StorageFullException extends StorageException {
  private static final long serialVersionUID = 1L;

  public StorageFullException(String message, Throwable cause) {
    super(message, cause);
  }

  public StorageFullException(String message) {
    super(message);
  }
}
