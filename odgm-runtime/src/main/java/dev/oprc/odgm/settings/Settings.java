package dev.oprc.odgm.settings;

import java.util.Map;
import java.util.Objects;

/**
 * Reads declared {@link Setting}s from an environment ({@code System.getenv()} or a map in tests):
 * an unset variable (or a blank one, for settings that treat blank as unset) takes the declared
 * default; a set one is parsed and checked by its declaration, or a {@link ConfigException} names
 * it. Immutable and thread-safe when the map is.
 */
public final class Settings {
  private final Map<String, String> env;

  private Settings(Map<String, String> env) {
    this.env = Objects.requireNonNull(env, "env");
  }

  /** A reader of {@code env}. */
  public static Settings of(Map<String, String> env) {
    return new Settings(env);
  }

  /** A reader of the process environment. */
  public static Settings ofProcess() {
    return new Settings(System.getenv());
  }

  /** True when {@code s} is given a value (not unset, and not blank when blank means unset). */
  public boolean isSet(Setting<?> s) {
    String raw = env.get(s.name());
    return raw != null && !(s.blankIsUnset() && raw.isBlank());
  }

  /**
   * The value of {@code s}: its default when unset (null for a setting without one).
   *
   * @throws ConfigException naming the variable, its value and what it accepts
   */
  public <T> T get(Setting<T> s) {
    return isSet(s) ? s.parse(env.get(s.name())) : s.defaultValue();
  }

  /** The raw text of {@code s} as set, or null when it is not set. */
  public String raw(Setting<?> s) {
    return isSet(s) ? env.get(s.name()) : null;
  }
}
