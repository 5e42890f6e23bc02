package dev.oprc.odgm.storage;

import dev.oprc.odgm.settings.Setting;
import dev.oprc.odgm.settings.SettingGroup;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The storage variables ({@link StorageConfig}), each declared once: name, default, check and the
 * README's one-line doc. A blank value means unset for all of them, as they have always been read.
 * Stateless.
 */
public final class StorageSettings {
  private StorageSettings() {}

  public static final Setting<StorageConfig.Kind> STORAGE = Setting.choice("ODGM_STORAGE",
      StorageConfig.Kind.ROCKSDB, kinds(), "`rocksdb` or `memory`").blankIsUnset(true);
  public static final Setting<Path> DATA_DIR = Setting.of("ODGM_DATA_DIR", Path.of("odgm-data"), "`./odgm-data`",
      Path::of, "a directory path", "RocksDB directory (created if missing); raft groups keep their logs and "
          + "databases in `raft/` inside it").blankIsUnset(true);
  public static final Setting<SyncMode> SYNC = Setting.choice("ODGM_STORAGE_SYNC", SyncMode.GROUP, syncModes(),
      "`none`, `group` or `always` (see the crash windows above)").blankIsUnset(true);
  public static final Setting<Long> META_CACHE_SIZE = Setting.longInteger("ODGM_META_CACHE_SIZE", 65_536, 0,
      100_000_000, "objects per shard whose metadata and compiled triggers are cached").blankIsUnset(true);
  public static final Setting<Long> ROCKSDB_MEMORY_BYTES = Setting.bytes("ODGM_ROCKSDB_MEMORY_BYTES",
      RocksStorageEngine.DEFAULT_MEMORY_BYTES, RocksStorageEngine.MIN_MEMORY_BYTES, 1L << 40,
      "RocksDB's memtables (half; at most an eighth per column family) and block cache (half). Small memtables are "
          + "cheaper per write (see Performance)").blankIsUnset(true);

  /** The storage variables. */
  public static final SettingGroup STORAGE_GROUP = SettingGroup.of("Storage", STORAGE, DATA_DIR, SYNC,
      META_CACHE_SIZE, ROCKSDB_MEMORY_BYTES);

  private static Map<String, StorageConfig.Kind> kinds() {
    Map<String, StorageConfig.Kind> m = new LinkedHashMap<>();
    m.put("rocksdb", StorageConfig.Kind.ROCKSDB);
    m.put("memory", StorageConfig.Kind.MEMORY);
    return m;
  }

  private static Map<String, SyncMode> syncModes() {
    Map<String, SyncMode> m = new LinkedHashMap<>();
    m.put("none", SyncMode.NONE);
    m.put("group", SyncMode.GROUP);
    m.put("always", SyncMode.ALWAYS);
    return m;
  }
}
