package dev.oprc.odgm.events;

/**
 * A trigger target (or a segment of the key built from it) cannot form a valid Zenoh key
 * expression. Thrown when triggers are compiled, so a bad target is rejected when it is stored,
 * not silently dropped when it fires.
 */
public final class InvalidTriggerTargetException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidTriggerTargetException(String message) {
    super(message);
  }
}
