package dev.oprc.odgm.storage;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Where and how a node stores its shards, from {@code ODGM_*} variables:
 * {@code ODGM_STORAGE} ({@code rocksdb}, the default, or {@code memory}), {@code ODGM_DATA_DIR}
 * ({@code ./odgm-data}), {@code ODGM_STORAGE_SYNC} ({@code none | group | always}, default
 * {@code group}, see {@link SyncMode}) and {@code ODGM_META_CACHE_SIZE} (objects whose metadata and
 * compiled triggers are cached per shard, 65536) and {@code ODGM_ROCKSDB_MEMORY_BYTES} (RocksDB's
 * memtables and block cache together, 33554432; see {@link RocksStorageEngine#open(Path, SyncMode, long)}).
 *
 * <p>Immutable and thread-safe.
 */
public record StorageConfig(Kind kind, Path dataDir, SyncMode sync, long metaCacheSize, long rocksMemoryBytes) {
  public static final String STORAGE = "ODGM_STORAGE";
  public static final String DATA_DIR = "ODGM_DATA_DIR";
  public static final String SYNC = "ODGM_STORAGE_SYNC";
  public static final String META_CACHE_SIZE = "ODGM_META_CACHE_SIZE";
  public static final String ROCKSDB_MEMORY_BYTES = "ODGM_ROCKSDB_MEMORY_BYTES";

  /** The storage engine. */
  public enum Kind { ROCKSDB, MEMORY }

  public StorageConfig {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(sync, "sync");
    if (metaCacheSize < 0 || metaCacheSize > 100_000_000) {
      throw new IllegalArgumentException(META_CACHE_SIZE + "=" + metaCacheSize + " is out of range; accepted: 0..100000000");
    }
    if (rocksMemoryBytes < RocksStorageEngine.MIN_MEMORY_BYTES || rocksMemoryBytes > 1L << 40) {
      throw new IllegalArgumentException(ROCKSDB_MEMORY_BYTES + "=" + rocksMemoryBytes + " is out of range; accepted: "
          + RocksStorageEngine.MIN_MEMORY_BYTES + "..1099511627776 (bytes)");
    }
  }

  /** A configuration with the default RocksDB memory budget. */
  public StorageConfig(Kind kind, Path dataDir, SyncMode sync, long metaCacheSize) {
    this(kind, dataDir, sync, metaCacheSize, RocksStorageEngine.DEFAULT_MEMORY_BYTES);
  }

  /** Reads {@code env}; throws {@link IllegalArgumentException} naming the first invalid variable. */
  public static StorageConfig fromEnv(Map<String, String> env) {
    String rawKind = env.get(STORAGE);
    String k = rawKind == null || rawKind.isBlank() ? "rocksdb" : rawKind.trim().toLowerCase(Locale.ROOT);
    Kind kind = switch (k) {
      case "rocksdb" -> Kind.ROCKSDB;
      case "memory" -> Kind.MEMORY;
      default -> throw new IllegalArgumentException(STORAGE + "='" + rawKind + "' is invalid; accepted: rocksdb, memory");
    };
    String dir = env.get(DATA_DIR);
    Path path;
    try {
      path = Path.of(dir == null || dir.isBlank() ? "odgm-data" : dir.trim());
    } catch (java.nio.file.InvalidPathException e) {
      throw new IllegalArgumentException(DATA_DIR + "='" + dir + "' is not a valid path: " + e.getMessage());
    }
    long cache = longValue(env, META_CACHE_SIZE, 65_536);
    return new StorageConfig(kind, path, SyncMode.parse(env.get(SYNC), SYNC), cache,
        longValue(env, ROCKSDB_MEMORY_BYTES, RocksStorageEngine.DEFAULT_MEMORY_BYTES));
  }

  private static long longValue(Map<String, String> env, String name, long dflt) {
    String raw = env.get(name);
    if (raw == null || raw.isBlank()) {
      return dflt;
    }
    try {
      return Long.parseLong(raw.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + "='" + raw + "' is invalid; accepted: an integer");
    }
  }
}
