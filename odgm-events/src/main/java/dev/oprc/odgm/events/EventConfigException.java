package dev.oprc.odgm.events;

/** A configuration value (an {@code ODGM_*} variable) is invalid; the message names it and what it accepts. */
public final class EventConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public EventConfigException(String message) {
    super(message);
  }
}
