package dev.oprc.odgm.ops;

import dev.oprc.odgm.metrics.MeterSpec;
import dev.oprc.odgm.metrics.NodeMeterRegistry;
import dev.oprc.zenoh.Session;
import dev.oprc.zenoh.SessionStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The node's {@code /metrics} view of its {@link NodeMeterRegistry}: the registry's meters (every
 * shard's, bound when the shard opens, see {@code ShardMeters}) plus the JVM's and the Zenoh
 * session's. Event meters use upstream's names ({@code odgm.events.emitted.create.total} … as
 * {@code odgm_events_emitted_create_total}) and are labelled by collection only. Counters and
 * gauges read the counters the node keeps anyway when scraped; nothing is added to the write
 * path. Histograms have fixed buckets ({@link #LATENCY_BUCKETS}).
 *
 * <p>Thread-safe; {@link #close()} releases the JVM GC listener (the registry is the node's).
 */
public final class NodeMetrics implements AutoCloseable {
  /** Histogram buckets of the latency and duration timers (plus +Inf). */
  public static final List<Duration> LATENCY_BUCKETS = NodeMeterRegistry.LATENCY_BUCKETS;

  private final NodeMeterRegistry meters;
  private final JvmGcMetrics gc = new JvmGcMetrics();

  /** Serves {@code meters} and binds the JVM's meters to it. */
  public NodeMetrics(NodeMeterRegistry meters) {
    this.meters = meters;
    MeterRegistry registry = meters.micrometer();
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    // the registry leaves out micrometer's CPU time in nanoseconds (NodeMeterRegistry); seconds below
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      FunctionCounter.builder("process.cpu.seconds", sun, b -> b.getProcessCpuTime() / 1e9)
          .description("CPU time the process used, in seconds").register(registry);
    }
  }

  /** {@code odgm_build_info{version,commit} 1}: which build this node runs. */
  public void bindBuildInfo(String version, String commit) {
    io.micrometer.core.instrument.Gauge.builder("odgm.build.info", () -> 1).description("the node's build")
        .tags("version", version, "commit", commit).register(meters.micrometer());
  }

  /** The RocksDB engine's memory, compaction debt and stall time (a basic node's store). */
  public void bindStorage(java.util.function.Supplier<dev.oprc.odgm.storage.RocksStorageEngine.EngineStats> stats) {
    Tags none = Tags.empty();
    gauge("odgm.rocksdb.memtable.bytes", "bytes in the memtables", none, () -> stats.get().memtableBytes());
    gauge("odgm.rocksdb.block.cache.bytes", "bytes held by the block cache", none,
        () -> stats.get().blockCacheBytes());
    gauge("odgm.rocksdb.pending.compaction.bytes", "bytes compaction estimates it still has to rewrite", none,
        () -> stats.get().pendingCompactionBytes());
    counter("odgm.rocksdb.stall.micros", "microseconds writes were delayed or stopped by RocksDB", none,
        () -> stats.get().stallMicros());
  }

  /** {@code odgm_storage_wal_sync_seconds}: the duration of each group sync of the RocksDB WAL (sync mode group). */
  public void bindWalSync(dev.oprc.odgm.storage.RocksStorageEngine engine) {
    Timer t = timer("odgm.storage.wal.sync", "duration of each group sync (fsync) of the RocksDB WAL", Tags.empty());
    engine.onWalSync(nanos -> t.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS));
  }

  /**
   * {@code odgm_trace_spans_{ended,exported,failed}_total}: ended − exported − failed are the spans
   * still queued plus those the full batch queue dropped.
   */
  public void bindTraces(java.util.function.Supplier<dev.oprc.odgm.tracing.SpanCounts> counts) {
    Tags none = Tags.empty();
    counter("odgm.trace.spans.ended", "sampled spans the node ended (each queued for export once)", none,
        () -> counts.get().ended());
    counter("odgm.trace.spans.exported", "spans in batches the OTLP exporter delivered", none,
        () -> counts.get().exported());
    counter("odgm.trace.spans.failed", "spans in batches whose OTLP export failed (not retried)", none,
        () -> counts.get().failed());
  }

  public MeterRegistry registry() {
    return meters.micrometer();
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return meters.scrape();
  }

  /** A node-wide counter read from {@code source} at scrape time. */
  public void counter(String name, String help, Tags tags, LongSupplier source) {
    meters.register(MeterSpec.counter(name, help), tags, source);
  }

  /** A node-wide gauge read from {@code source} at scrape time. */
  public void gauge(String name, String help, Tags tags, LongSupplier source) {
    meters.register(MeterSpec.gauge(name, help), tags, source);
  }

  /** A timer with {@link #LATENCY_BUCKETS}. */
  public Timer timer(String name, String help, Tags tags) {
    return meters.timer(MeterSpec.timer(name, help), tags);
  }

  /** Zenoh link state, reconnects and every drop counter of {@code session}. */
  public void bindSession(Session session) {
    SessionSnapshot s = new SessionSnapshot(session);
    Tags none = Tags.empty();
    gauge("odgm.zenoh.link.up", "1 while a router link is up (or the session is local-only)", none,
        () -> session.config().endpoints().isEmpty() || s.get().connected() ? 1 : 0);
    counter("odgm.zenoh.reconnects", "re-connections after a link loss", none, () -> s.get().reconnects());
    counter("odgm.zenoh.link.failures", "links lost", none, () -> s.get().linkFailures());
    counter("odgm.zenoh.puts.sent", "puts written to the router link", none, () -> s.get().putsSent());
    counter("odgm.zenoh.puts.dropped", "puts dropped", Tags.of("reason", "disconnected"),
        () -> s.get().droppedDisconnected());
    counter("odgm.zenoh.puts.dropped", "puts dropped", Tags.of("reason", "queue_full"),
        () -> s.get().droppedQueueFull());
    counter("odgm.zenoh.samples.received", "samples received", none, () -> s.get().samplesReceived());
    counter("odgm.zenoh.subscriber.drops", "samples dropped: a delivery queue was full", none,
        () -> s.get().subscriberDrops());
    counter("odgm.zenoh.rx.dropped", "inbound messages dropped", none, () -> s.get().rxDropped());
    counter("odgm.zenoh.rx.sn.gaps", "sequence numbers the router skipped", none, () -> s.get().rxSnGaps());
    counter("odgm.zenoh.decode.errors", "malformed inbound messages", none, () -> s.get().decodeErrors());
    counter("odgm.zenoh.callback.errors", "exceptions thrown by callbacks", none, () -> s.get().callbackErrors());
    counter("odgm.zenoh.accepted", "connections the peer listener accepted", none, () -> s.get().linksAccepted());
    counter("odgm.zenoh.accept.failures", "accepted connections closed without a link", Tags.of("reason", "handshake"),
        () -> s.get().acceptFailures());
    counter("odgm.zenoh.accept.failures", "accepted connections closed without a link", Tags.of("reason", "over_limit"),
        () -> s.get().acceptsRefused());
  }

  @Override
  public void close() {
    gc.close();
  }

  /** The session's stats, read at most once per 200 ms. */
  private static final class SessionSnapshot {
    private final Session session;
    private SessionStats cached;
    private long at;

    SessionSnapshot(Session session) {
      this.session = session;
    }

    synchronized SessionStats get() {
      long now = System.nanoTime();
      if (cached == null || now - at > TimeUnit.MILLISECONDS.toNanos(200)) {
        cached = session.stats();
        at = now;
      }
      return cached;
    }
  }
}
