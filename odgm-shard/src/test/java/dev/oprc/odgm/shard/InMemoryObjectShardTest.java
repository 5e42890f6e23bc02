package dev.oprc.odgm.shard;

import dev.oprc.odgm.storage.InMemoryShardStorage;
import dev.oprc.odgm.storage.ShardStorage;

/** {@link ObjectShardTest} on the in-memory engine. */
class InMemoryObjectShardTest extends ObjectShardTest {
  @Override
  ShardStorage newStorage(long outboxMaxBytes) {
    return new InMemoryShardStorage(outboxMaxBytes);
  }
}
