package dev.oprc.odgm.storage;

import java.util.Locale;

/**
 * When a RocksDB write is answered ({@code ODGM_STORAGE_SYNC}).
 * <ul>
 *   <li>{@link #NONE}: after the write reached the WAL file (the OS page cache). Survives a
 *       process crash ({@code kill -9}); a power loss or kernel crash loses the last writes.</li>
 *   <li>{@link #GROUP} (default): after an fsync of the WAL that covers it; concurrent writers share
 *       one fsync. Survives power loss. Events are published only after that fsync.</li>
 *   <li>{@link #ALWAYS}: each write is synced under its object's lock before it is visible
 *       (RocksDB still merges concurrent synced writes of different objects).</li>
 * </ul>
 */
public enum SyncMode {
  NONE, GROUP, ALWAYS;

  /** Parses {@code none | group | always}; throws naming the variable otherwise. */
  public static SyncMode parse(String raw, String variable) {
    if (raw == null || raw.isBlank()) {
      return GROUP;
    }
    return switch (raw.trim().toLowerCase(Locale.ROOT)) {
      case "none" -> NONE;
      case "group" -> GROUP;
      case "always" -> ALWAYS;
      default -> throw new IllegalArgumentException(variable + "='" + raw + "' is invalid; accepted: none, group, always");
    };
  }
}
