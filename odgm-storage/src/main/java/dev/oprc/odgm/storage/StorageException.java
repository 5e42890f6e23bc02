package dev.oprc.odgm.storage;

/** A storage operation failed; nothing of the write was applied. Subclasses say why. */
public class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  public StorageException(String message) {
    super(message);
  }
}
