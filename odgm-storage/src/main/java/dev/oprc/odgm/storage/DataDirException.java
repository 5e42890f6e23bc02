package dev.oprc.odgm.storage;

/** A data directory cannot be opened (missing permissions, locked by another process, corrupt). */
public final class DataDirException extends StorageException {
  private static final long serialVersionUID = 1L;

  public DataDirException(String message, Throwable cause) {
    super(message, cause);
  }
}
