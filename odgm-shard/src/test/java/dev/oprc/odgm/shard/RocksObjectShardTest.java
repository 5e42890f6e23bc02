package dev.oprc.odgm.shard;

import dev.oprc.odgm.storage.RocksStorageEngine;
import dev.oprc.odgm.storage.ShardStorage;
import dev.oprc.odgm.storage.SyncMode;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** {@link ObjectShardTest} on RocksDB (group commit) in a temporary directory. */
class RocksObjectShardTest extends ObjectShardTest {
  @TempDir
  Path dir;
  private RocksStorageEngine engine;

  @Override
  ShardStorage newStorage(long outboxMaxBytes) {
    engine = RocksStorageEngine.open(dir, SyncMode.GROUP);
    return engine.shard("orders", 1, ObjectShardTest::compile, 1_000, outboxMaxBytes);
  }

  @Override
  void closeStorage() {
    if (engine != null) {
      engine.close();
    }
  }
}
