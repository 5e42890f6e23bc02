package dev.oprc.odgm.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The registry's per-partition series: created on open, summed per collection, removed on close. */
class NodeMeterRegistryTest {
  private static final MeterSpec WRITES = MeterSpec.counter("test.writes", "writes").inStats("events.writes");
  private static final MeterSpec QUEUED = MeterSpec.gauge("test.queued", "queued");
  private static final MeterSpec AGE = MeterSpec.gauge("test.age", "age").unit("seconds", 0.001).max();
  private static final MeterSpec LATENCY = MeterSpec.timer("test.latency", "latency");

  private final NodeMeterRegistry registry = new NodeMeterRegistry();

  @AfterEach
  void close() {
    registry.close();
  }

  private Double counter(String collection) {
    FunctionCounter c = registry.micrometer().find(WRITES.name()).tag("collection", collection).functionCounter();
    return c == null ? null : c.count();
  }

  private Double gauge(MeterSpec spec, String collection) {
    Gauge g = registry.micrometer().find(spec.name()).tag("collection", collection).gauge();
    return g == null ? null : g.value();
  }

  @Test
  void aCollectionsSeriesSumsItsOpenPartitions() {
    registry.openPartition("c", 0).register(WRITES, () -> 3).register(QUEUED, () -> 1);
    registry.openPartition("c", 1).register(WRITES, () -> 4).register(QUEUED, () -> 2);
    registry.openPartition("d", 0).register(WRITES, () -> 100);
    assertThat(counter("c")).isEqualTo(7.0);
    assertThat(gauge(QUEUED, "c")).isEqualTo(3.0);
    assertThat(counter("d")).isEqualTo(100.0);
    assertThat(registry.declared()).containsOnlyKeys(WRITES.name(), QUEUED.name());
  }

  @Test
  void aMaxMeterTakesTheLargestPartitionAndIsScaled() {
    registry.openPartition("c", 0).register(AGE, () -> 1500);
    registry.openPartition("c", 1).register(AGE, () -> 2500);
    assertThat(gauge(AGE, "c")).isEqualTo(2.5);
    assertThat(registry.value(AGE, "c", 0)).isEqualTo(1500);
  }

  @Test
  void valueReadsOnePartitionsSourceAndZeroWhenItIsNotOpen() {
    AtomicLong writes = new AtomicLong(5);
    registry.openPartition("c", 0).register(WRITES, writes::get);
    writes.set(6);
    assertThat(registry.value(WRITES, "c", 0)).isEqualTo(6);
    assertThat(registry.value(WRITES, "c", 1)).isZero();
    assertThat(registry.value(QUEUED, "c", 0)).isZero();
    assertThat(registry.value(WRITES, "nope", 0)).isZero();
  }

  @Test
  void aClosedPartitionLeavesItsCountsInTheCounterAndLeavesTheGauges() {
    PartitionMeters p0 = registry.openPartition("c", 0).register(WRITES, () -> 3).register(QUEUED, () -> 1);
    registry.openPartition("c", 1).register(WRITES, () -> 4).register(QUEUED, () -> 2);
    p0.close();
    assertThat(counter("c")).isEqualTo(7.0); // a counter never goes down: its rate shows no false reset
    assertThat(gauge(QUEUED, "c")).isEqualTo(2.0);
    assertThat(registry.value(WRITES, "c", 0)).isZero();
  }

  @Test
  void theCollectionsSeriesGoWithItsLastPartitionAndComeBackWithTheNext() {
    PartitionMeters p = registry.openPartition("c", 0).register(WRITES, () -> 3).register(QUEUED, () -> 1);
    p.timer(LATENCY).record(java.time.Duration.ofMillis(5));
    p.close();
    assertThat(counter("c")).isNull();
    assertThat(gauge(QUEUED, "c")).isNull();
    assertThat(registry.micrometer().find(LATENCY.name()).timer()).isNull();
    assertThat(registry.scrape()).doesNotContain("collection=\"c\"");

    registry.openPartition("c", 0).register(WRITES, () -> 2); // leadership came back: the counter goes on
    assertThat(counter("c")).isEqualTo(5.0);
  }

  @Test
  void closingTwiceIsHarmless() {
    PartitionMeters p = registry.openPartition("c", 0).register(WRITES, () -> 3);
    p.close();
    p.close();
    registry.openPartition("c", 0).register(WRITES, () -> 1);
    assertThat(counter("c")).isEqualTo(4.0);
  }

  @Test
  void aPartitionOpenTwiceIsRefused() {
    registry.openPartition("c", 0);
    assertThatThrownBy(() -> registry.openPartition("c", 0)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("partition 0 of collection 'c'");
  }

  @Test
  void aMeterRegisteredTwiceForOnePartitionIsRefused() {
    PartitionMeters p = registry.openPartition("c", 0).register(WRITES, () -> 1);
    assertThatThrownBy(() -> p.register(WRITES, () -> 2)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("test.writes");
  }

  @Test
  void aNameDeclaredTwiceDifferentlyIsRefused() {
    registry.openPartition("c", 0).register(WRITES, () -> 1);
    MeterSpec other = MeterSpec.counter("test.writes", "something else");
    assertThatThrownBy(() -> registry.openPartition("c", 1).register(other, () -> 1))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("declared twice");
  }

  @Test
  void aBadDeclarationIsRefusedNamingIt() {
    assertThatThrownBy(() -> MeterSpec.counter("Odgm Writes", "w")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'Odgm Writes'");
    assertThatThrownBy(() -> MeterSpec.counter("odgm.writes", " ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no help");
  }

  @Test
  void familyIsThePrometheusFamilyName() {
    assertThat(WRITES.family()).isEqualTo("test_writes");
    assertThat(AGE.family()).isEqualTo("test_age_seconds");
    assertThat(LATENCY.family()).isEqualTo("test_latency_seconds");
  }

  @Test
  void nodeWideMetersAreExportedWithTheirTags() {
    registry.register(MeterSpec.counter("test.node.drops", "drops"), io.micrometer.core.instrument.Tags.of("reason",
        "full"), () -> 9);
    assertThat(registry.scrape()).contains("test_node_drops_total{reason=\"full\"} 9.0");
  }
}
