package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.storage.StorageConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The memory store keeps its outboxes in the heap, so their default bound follows the heap. */
class OutboxBoundDefaultsTest {
  private static final long HEAP = 256L << 20;
  private static final List<CreateCollectionRequest> FOUR_PARTITIONS = List.of(
      CreateCollectionRequest.newBuilder().setName("a").setPartitionCount(3).build(),
      CreateCollectionRequest.newBuilder().setName("b").setPartitionCount(1).build());

  private static StorageConfig storage(String kind) {
    return StorageConfig.fromEnv(Map.of("ODGM_STORAGE", kind));
  }

  @Test
  void inTheMemoryStoreAllPartitionsShareAQuarterOfTheHeap() {
    assertThat(NodeConfig.outbox(Map.of(), storage("memory"), FOUR_PARTITIONS, HEAP).maxBytes()).isEqualTo(16L << 20);
  }

  @Test
  void eachPartitionKeepsAtLeastOneMebibyte() {
    assertThat(NodeConfig.outbox(Map.of(), storage("memory"), FOUR_PARTITIONS, 8L << 20).maxBytes())
        .isEqualTo(1L << 20);
  }

  @Test
  void aLargeHeapKeepsTheUsualDefault() {
    assertThat(NodeConfig.outbox(Map.of(), storage("memory"), FOUR_PARTITIONS, 64L << 30).maxBytes())
        .isEqualTo(256L << 20);
  }

  @Test
  void anExplicitBoundIsKeptAsGiven() {
    assertThat(NodeConfig.outbox(Map.of("ODGM_OUTBOX_MAX_BYTES", "134217728"), storage("memory"), FOUR_PARTITIONS,
        HEAP).maxBytes()).isEqualTo(128L << 20);
  }

  @Test
  void rocksDbKeepsItsOutboxOnDiskSoTheDefaultStands() {
    assertThat(NodeConfig.outbox(Map.of(), storage("rocksdb"), FOUR_PARTITIONS, HEAP).maxBytes())
        .isEqualTo(256L << 20);
  }
}
