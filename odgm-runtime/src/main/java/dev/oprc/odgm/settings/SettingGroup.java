package dev.oprc.odgm.settings;

import java.util.List;
import java.util.Objects;

/**
 * The settings a module declares, under a title (one README table per group). Immutable and
 * thread-safe.
 *
 * @param title    a short heading, e.g. {@code Events}
 * @param settings the declarations, in documentation order
 */
public record SettingGroup(String title, List<Setting<?>> settings) {
  public SettingGroup {
    Objects.requireNonNull(title, "title");
    settings = List.copyOf(settings);
  }

  /** A group of {@code settings}. */
  public static SettingGroup of(String title, Setting<?>... settings) {
    return new SettingGroup(title, List.of(settings));
  }
}
