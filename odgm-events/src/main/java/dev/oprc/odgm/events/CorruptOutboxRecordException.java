package dev.oprc.odgm.events;

/** A stored outbox record that cannot be read (wrong format, truncated). */
public final class CorruptOutboxRecordException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CorruptOutboxRecordException(long seq, String problem) {
    super("corrupt outbox record " + seq + ": " + problem);
  }
}
