package dev.oprc.odgm.storage;

import dev.oprc.odgm.settings.Settings;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Where and how a node stores its shards, read by {@link #fromEnv(Map)} from the variables declared
 * in {@link StorageSettings} (names, defaults, accepted values and docs live there); see
 * {@link SyncMode} and {@link RocksStorageEngine#open(Path, SyncMode, long)}.
 *
 * <p>Immutable and thread-safe.
 */
public record StorageConfig(Kind kind, Path dataDir, SyncMode sync, long metaCacheSize, long rocksMemoryBytes) {
  public static final String STORAGE = StorageSettings.STORAGE.name();
  public static final String DATA_DIR = StorageSettings.DATA_DIR.name();
  public static final String SYNC = StorageSettings.SYNC.name();
  public static final String META_CACHE_SIZE = StorageSettings.META_CACHE_SIZE.name();
  public static final String ROCKSDB_MEMORY_BYTES = StorageSettings.ROCKSDB_MEMORY_BYTES.name();

  /** The storage engine. */
  public enum Kind { ROCKSDB, MEMORY }

  /**
   * Checks the sizes against their declarations.
   *
   * @throws dev.oprc.odgm.settings.ConfigException naming the variable of a value out of range
   */
  public StorageConfig {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(sync, "sync");
    StorageSettings.META_CACHE_SIZE.check(metaCacheSize);
    StorageSettings.ROCKSDB_MEMORY_BYTES.check(rocksMemoryBytes);
  }

  /** A configuration with the default RocksDB memory budget. */
  public StorageConfig(Kind kind, Path dataDir, SyncMode sync, long metaCacheSize) {
    this(kind, dataDir, sync, metaCacheSize, RocksStorageEngine.DEFAULT_MEMORY_BYTES);
  }

  /** Reads {@code env}; throws a {@link dev.oprc.odgm.settings.ConfigException} naming the first invalid variable. */
  public static StorageConfig fromEnv(Map<String, String> env) {
    Settings s = Settings.of(env);
    return new StorageConfig(s.get(StorageSettings.STORAGE), s.get(StorageSettings.DATA_DIR),
        s.get(StorageSettings.SYNC), s.get(StorageSettings.META_CACHE_SIZE),
        s.get(StorageSettings.ROCKSDB_MEMORY_BYTES));
  }
}
