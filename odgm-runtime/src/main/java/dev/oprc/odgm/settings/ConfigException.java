package dev.oprc.odgm.settings;

/**
 * The one error type of an invalid configuration: a bad {@code ODGM_*} / {@code OPRC_*} value, or
 * a configuration that can never work. The message names the variable, the bad value and what is
 * accepted, e.g. {@code ODGM_EVENT_DISPATCH_THREADS='0' is invalid; accepted: an integer 1..64}.
 * An {@link IllegalArgumentException}, so callers validating Java arguments catch it as one.
 * Immutable and thread-safe.
 */
public class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** An error whose message already names the variable and what it accepts. */
  public ConfigException(String message) {
    super(message);
  }

  /** {@code NAME='value' is invalid; accepted: accepted}. */
  public static ConfigException invalid(String variable, String value, String accepted) {
    return new ConfigException(variable + "='" + value + "' is invalid; accepted: " + accepted);
  }
}
