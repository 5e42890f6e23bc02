package dev.oprc.odgm.shard;

/** An object id, entry key or other identifier is not acceptable; the message names it. */
public final class InvalidIdException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidIdException(String message) {
    super(message);
  }
}
