package dev.oprc.odgm.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.settings.ConfigException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StorageConfigTest {
  @Test
  void defaultsAreRocksdbInOdgmDataWithGroupCommit() {
    StorageConfig c = StorageConfig.fromEnv(Map.of());
    assertThat(c.kind()).isEqualTo(StorageConfig.Kind.ROCKSDB);
    assertThat(c.dataDir()).isEqualTo(Path.of("odgm-data"));
    assertThat(c.sync()).isEqualTo(SyncMode.GROUP);
    assertThat(c.metaCacheSize()).isEqualTo(65_536);
    assertThat(c.rocksMemoryBytes()).isEqualTo(32L << 20);
  }

  @Test
  void everyVariableIsRead() {
    StorageConfig c = StorageConfig.fromEnv(Map.of("ODGM_STORAGE", "Memory", "ODGM_DATA_DIR", "/var/odgm",
        "ODGM_STORAGE_SYNC", "always", "ODGM_META_CACHE_SIZE", "12", "ODGM_ROCKSDB_MEMORY_BYTES", "67108864"));
    assertThat(c).isEqualTo(new StorageConfig(StorageConfig.Kind.MEMORY, Path.of("/var/odgm"), SyncMode.ALWAYS, 12,
        64L << 20));
  }

  @Test
  void blankValuesMeanTheDefaults() {
    assertThat(StorageConfig.fromEnv(Map.of("ODGM_STORAGE", " ", "ODGM_DATA_DIR", "", "ODGM_STORAGE_SYNC", "",
        "ODGM_META_CACHE_SIZE", "", "ODGM_ROCKSDB_MEMORY_BYTES", ""))).isEqualTo(StorageConfig.fromEnv(Map.of()));
  }

  @Test
  void badValuesNameTheVariableAndWhatItAccepts() {
    assertThatThrownBy(() -> StorageConfig.fromEnv(Map.of("ODGM_STORAGE", "sqlite")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("ODGM_STORAGE='sqlite' is invalid; accepted: rocksdb | memory");
    assertThatThrownBy(() -> StorageConfig.fromEnv(Map.of("ODGM_STORAGE_SYNC", "fsync")))
        .hasMessage("ODGM_STORAGE_SYNC='fsync' is invalid; accepted: none | group | always");
    assertThatThrownBy(() -> StorageConfig.fromEnv(Map.of("ODGM_META_CACHE_SIZE", "lots")))
        .hasMessageContaining("ODGM_META_CACHE_SIZE='lots'");
    assertThatThrownBy(() -> StorageConfig.fromEnv(Map.of("ODGM_META_CACHE_SIZE", "-1")))
        .hasMessage("ODGM_META_CACHE_SIZE='-1' is invalid; accepted: an integer 0..100000000");
    assertThatThrownBy(() -> StorageConfig.fromEnv(Map.of("ODGM_ROCKSDB_MEMORY_BYTES", "1024")))
        .hasMessage("ODGM_ROCKSDB_MEMORY_BYTES='1024' is invalid; accepted: bytes 4194304..1099511627776");
    assertThatThrownBy(() -> StorageConfig.fromEnv(Map.of("ODGM_ROCKSDB_MEMORY_BYTES", "32MB")))
        .hasMessage("ODGM_ROCKSDB_MEMORY_BYTES='32MB' is invalid; accepted: bytes 4194304..1099511627776");
  }
}
