package dev.oprc.odgm.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The node's one counter registry: every counter, gauge and timer is created here from its
 * {@link MeterSpec} declaration. {@code /metrics} is its Prometheus {@link #scrape()}; the gRPC
 * {@code Stats} reply reads the same per-partition sources through {@link #value}. It exists
 * whether or not metrics are served over HTTP, and starts nothing (no thread, no listener).
 *
 * <p>Per-partition meters ({@link #openPartition}) are exported per collection (label
 * {@code collection}): the open partitions' values are summed (or their maximum taken) when
 * scraped, so the series count does not grow with partition_count. A collection's series exist
 * while at least one of its partitions is open here; a partition that closes (released on a
 * leader change) leaves its counters' last values in the collection's counters, so they never go
 * down while the node runs.
 *
 * <p>Thread-safe.
 */
public final class NodeMeterRegistry implements AutoCloseable {
  /** Histogram buckets of the timers (plus +Inf). */
  public static final List<Duration> LATENCY_BUCKETS = List.of(Duration.ofMillis(1), Duration.ofMillis(2),
      Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30));

  private final PrometheusMeterRegistry registry = withFilters(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  private final Map<String, Series> collections = new ConcurrentHashMap<>(); // written under this
  private final Map<String, MeterSpec> declared = new ConcurrentHashMap<>();
  // Micrometer holds a function meter's source weakly: keep every node-wide source alive here
  private final List<Object> sources = new CopyOnWriteArrayList<>();

  /** The Micrometer registry, for binders that declare their own meters (JVM, gRPC calls). */
  public MeterRegistry micrometer() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /** A node-wide counter or gauge {@code spec} with {@code tags}, read from {@code source} when scraped. */
  public void register(MeterSpec spec, Tags tags, LongSupplier source) {
    declare(spec);
    sources.add(source);
    functionMeter(spec, tags, source, s -> s.getAsLong() * spec.scale());
  }

  /** The timer {@code spec} with {@code tags} (created on first use, the same one afterwards). */
  public Timer timer(MeterSpec spec, Tags tags) {
    declare(spec);
    if (spec.kind() != MeterSpec.Kind.TIMER) {
      throw new IllegalArgumentException("meter '" + spec.name() + "' is a " + spec.kind() + ", not a timer");
    }
    return Timer.builder(spec.name()).description(spec.help()).tags(tags)
        .serviceLevelObjectives(spec.buckets().toArray(new Duration[0])).register(registry);
  }

  /**
   * The meters of a partition that opens here; close them when it closes.
   *
   * @throws IllegalStateException when that partition's meters are open already
   */
  public synchronized PartitionMeters openPartition(String collection, int partition) {
    Series s = collections.computeIfAbsent(collection, Series::new);
    PartitionMeters m = new PartitionMeters(this, collection, partition);
    if (s.open.putIfAbsent(partition, m) != null) {
      throw new IllegalStateException("the meters of partition " + partition + " of collection '" + collection
          + "' are open already");
    }
    return m;
  }

  /** The open partition's value of {@code spec} (as its source gives it), 0 when it is not open or has none. */
  public long value(MeterSpec spec, String collection, int partition) {
    Series s = collections.get(collection);
    PartitionMeters m = s == null ? null : s.open.get(partition);
    return m == null ? 0 : m.value(spec);
  }

  /** Every meter declared so far, by name. */
  public Map<String, MeterSpec> declared() {
    return Map.copyOf(declared);
  }

  @Override
  public void close() {
    registry.close();
  }

  private void declare(MeterSpec spec) {
    MeterSpec before = declared.putIfAbsent(spec.name(), spec);
    if (before != null && !before.equals(spec)) {
      throw new IllegalStateException("meter '" + spec.name() + "' is declared twice, differently: " + before
          + " and " + spec);
    }
  }

  private <T> Meter functionMeter(MeterSpec spec, Tags tags, T state, ToDoubleFunction<T> read) {
    String unit = spec.unit().isEmpty() ? null : spec.unit();
    if (spec.kind() == MeterSpec.Kind.COUNTER) {
      return FunctionCounter.builder(spec.name(), state, read).description(spec.help()).baseUnit(unit).tags(tags)
          .register(registry);
    }
    return Gauge.builder(spec.name(), state, read).description(spec.help()).baseUnit(unit).tags(tags)
        .register(registry);
  }

  /** The collection series of {@code spec} exists (a partition registered a source for it). */
  synchronized void exported(PartitionMeters m, MeterSpec spec) {
    declare(spec);
    Series s = collections.get(m.collection());
    if (!m.isClosed() && !s.meters.containsKey(spec)) {
      s.meters.put(spec, functionMeter(spec, s.tags, s, x -> x.read(spec)));
    }
  }

  synchronized Timer collectionTimer(PartitionMeters m, MeterSpec spec) {
    Series s = collections.get(m.collection());
    return (Timer) s.meters.computeIfAbsent(spec, x -> timer(spec, s.tags));
  }

  /** {@code m} closed: its counters' last values stay in the collection's, its series go when unused. */
  synchronized void closed(PartitionMeters m) {
    Series s = collections.get(m.collection());
    if (s == null) {
      return;
    }
    synchronized (s) { // a scrape sees the counters with the partition or with its last values, not neither
      if (!s.open.remove(m.partition(), m)) {
        return;
      }
      for (MeterSpec spec : m.specs()) {
        if (spec.kind() == MeterSpec.Kind.COUNTER) {
          s.closedTotals.computeIfAbsent(spec, x -> new AtomicLong()).addAndGet(m.value(spec));
        }
      }
    }
    for (MeterSpec spec : new ArrayList<>(s.meters.keySet())) {
      if (s.open.isEmpty() || (spec.kind() != MeterSpec.Kind.TIMER && !s.anyOpenHas(spec))) {
        registry.remove(s.meters.remove(spec));
      }
    }
  }

  /** One collection's per-partition meters and their exported series. */
  private static final class Series {
    final Tags tags;
    final Map<Integer, PartitionMeters> open = new ConcurrentHashMap<>();
    final Map<MeterSpec, Meter> meters = new HashMap<>(); // guarded by the registry
    final Map<MeterSpec, AtomicLong> closedTotals = new ConcurrentHashMap<>();

    Series(String collection) {
      this.tags = Tags.of("collection", collection);
    }

    boolean anyOpenHas(MeterSpec spec) {
      for (PartitionMeters m : open.values()) {
        if (m.has(spec)) {
          return true;
        }
      }
      return false;
    }

    synchronized double read(MeterSpec spec) {
      AtomicLong closed = closedTotals.get(spec);
      long v = closed == null ? 0 : closed.get();
      for (PartitionMeters m : open.values()) {
        long x = m.value(spec);
        v = spec.merge() == MeterSpec.Merge.MAX ? Math.max(v, x) : v + x;
      }
      return v * spec.scale();
    }
  }

  /**
   * Filters set before any meter exists (Micrometer warns otherwise): the JVM binder's process CPU
   * time in nanoseconds is left out, the node exports {@code process_cpu_seconds_total} instead.
   */
  private static PrometheusMeterRegistry withFilters(PrometheusMeterRegistry r) {
    r.config().meterFilter(io.micrometer.core.instrument.config.MeterFilter.denyNameStartsWith("process.cpu.time"));
    return r;
  }
}
