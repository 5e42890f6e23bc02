package dev.oprc.odgm.metrics;

import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The meters of one open partition (a shard): the components of the shard register the counters
 * and gauges they keep ({@code LongAdder::sum}, a queue's size, ...) against their declarations;
 * {@code /metrics} (summed per collection) and the gRPC {@code Stats} reply (per partition) read
 * them through here. {@link #close()} when the shard closes or is released removes the partition
 * from its collection's series (and the series with the collection's last partition).
 *
 * <p>Thread-safe. Reading allocates nothing.
 */
public final class PartitionMeters implements AutoCloseable {
  private final NodeMeterRegistry owner;
  private final String collection;
  private final int partition;
  private final Map<MeterSpec, LongSupplier> sources = new ConcurrentHashMap<>();
  private volatile boolean closed;

  PartitionMeters(NodeMeterRegistry owner, String collection, int partition) {
    this.owner = owner;
    this.collection = collection;
    this.partition = partition;
  }

  public String collection() {
    return collection;
  }

  public int partition() {
    return partition;
  }

  /**
   * Registers {@code source} (read when scraped or asked for Stats; must be cheap and must not
   * block) as this partition's value of the counter or gauge {@code spec}.
   *
   * @throws IllegalArgumentException when {@code spec} is a timer or already registered here
   */
  public PartitionMeters register(MeterSpec spec, LongSupplier source) {
    Objects.requireNonNull(source, "source");
    if (spec.kind() == MeterSpec.Kind.TIMER) {
      throw new IllegalArgumentException("meter '" + spec.name() + "' is a timer: use timer(spec)");
    }
    if (sources.putIfAbsent(spec, source) != null) {
      throw new IllegalArgumentException("meter '" + spec.name() + "' is registered twice for " + this);
    }
    owner.exported(this, spec);
    return this;
  }

  /** The collection's timer {@code spec} (shared by its partitions; removed with the collection's last one). */
  public Timer timer(MeterSpec spec) {
    if (spec.kind() != MeterSpec.Kind.TIMER) {
      throw new IllegalArgumentException("meter '" + spec.name() + "' is a " + spec.kind() + ", not a timer");
    }
    return owner.collectionTimer(this, spec);
  }

  /** This partition's current value of {@code spec} (unscaled), 0 when nothing registered it. */
  public long value(MeterSpec spec) {
    LongSupplier s = sources.get(spec);
    return s == null ? 0 : s.getAsLong();
  }

  boolean has(MeterSpec spec) {
    return sources.containsKey(spec);
  }

  Iterable<MeterSpec> specs() {
    return sources.keySet();
  }

  boolean isClosed() {
    return closed;
  }

  /** Removes this partition's series; idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      owner.closed(this);
    }
  }

  @Override
  public String toString() {
    return "partition " + partition + " of collection '" + collection + "'";
  }
}
