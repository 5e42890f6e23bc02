package dev.oprc.odgm.ops;

import dev.oprc.odgm.events.EventType;
import dev.oprc.odgm.events.OutboxStats;
import dev.oprc.odgm.shard.ObjectShard;
import dev.oprc.zenoh.Session;
import dev.oprc.zenoh.SessionStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The node's meters in one Prometheus registry (Micrometer). Event meters use upstream's names
 * ({@code odgm.events.emitted.create.total} … as {@code odgm_events_emitted_create_total}) and are
 * labelled by collection only: a collection's partitions are summed at scrape time, so the series
 * count does not grow with partition_count. Counters and gauges read the counters the node keeps
 * anyway ({@link OutboxStats}, {@link SessionStats}, …) when scraped; nothing is added to the
 * write path. Histograms have fixed buckets ({@link #LATENCY_BUCKETS}).
 *
 * <p>Thread-safe; {@link #close()} releases the JVM GC listener.
 */
public final class NodeMetrics implements AutoCloseable {
  /** Histogram buckets of the latency and duration timers (plus +Inf). */
  public static final List<Duration> LATENCY_BUCKETS = List.of(Duration.ofMillis(1), Duration.ofMillis(2),
      Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30));

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  // Micrometer holds a function meter's source weakly: keep every source alive here
  private final List<Object> sources = new java.util.concurrent.CopyOnWriteArrayList<>();

  public NodeMetrics() {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /** A counter read from {@code source} at scrape time. */
  public void counter(String name, String help, Tags tags, LongSupplier source) {
    sources.add(source);
    FunctionCounter.builder(name, source, s -> s.getAsLong()).description(help).tags(tags).register(registry);
  }

  /** A gauge read from {@code source} at scrape time. */
  public void gauge(String name, String help, Tags tags, LongSupplier source) {
    sources.add(source);
    Gauge.builder(name, source, s -> s.getAsLong()).description(help).tags(tags).register(registry);
  }

  /** A timer with {@link #LATENCY_BUCKETS}. */
  public Timer timer(String name, String help, Tags tags) {
    return Timer.builder(name).description(help).tags(tags).serviceLevelObjectives(LATENCY_BUCKETS.toArray(new Duration[0]))
        .register(registry);
  }

  /** Event, outbox and dispatch-latency meters of every collection, each summed over its partitions. */
  public void bindShards(List<ObjectShard> shards) {
    Map<String, List<ObjectShard>> byCollection = new LinkedHashMap<>();
    for (ObjectShard s : shards) {
      byCollection.computeIfAbsent(s.collection(), c -> new java.util.ArrayList<>()).add(s);
    }
    byCollection.forEach((c, parts) -> bindCollection(c, List.copyOf(parts)));
  }

  private void bindCollection(String collection, List<ObjectShard> parts) {
    Tags t = Tags.of("collection", collection);
    CollectionStats stats = new CollectionStats(parts);
    sources.add(stats);
    for (EventType type : new EventType[] {EventType.DATA_CREATE, EventType.DATA_UPDATE, EventType.DATA_DELETE}) {
      String n = type.name().substring("DATA_".length()).toLowerCase(java.util.Locale.ROOT);
      counter("odgm.events.emitted." + n, "targets queued by committed writes for " + n + " events (upstream name)",
          t, () -> parts.stream().mapToLong(s -> s.emitted(type)).sum());
    }
    eventCounter(stats, t, "odgm.events.fanout.limited", "changed keys skipped by ODGM_MAX_BATCH_TRIGGER_FANOUT",
        OutboxStats::fanoutTruncatedKeys);
    eventCounter(stats, t, "odgm.events.queue.drops", "targets not queued: outbox full (drop-new)",
        OutboxStats::dropped);
    eventCounter(stats, t, "odgm.events.emit.failures", "targets that failed for good: not encodable, expired, "
        + "dead-lettered", e -> e.failed() + e.expired() + e.deadLettered());
    eventCounter(stats, t, "odgm.events.matched", "targets matched by committed writes", OutboxStats::matched);
    eventCounter(stats, t, "odgm.events.retired", "targets delivered and removed from the outbox",
        OutboxStats::retired);
    eventCounter(stats, t, "odgm.events.redelivered", "publishes of a record published before",
        OutboxStats::redelivered);
    eventCounter(stats, t, "odgm.events.recovered", "records found in the outbox at start", OutboxStats::recovered);
    eventCounter(stats, t, "odgm.events.rejected.writes", "writes refused: outbox full (reject-writes)",
        OutboxStats::rejectedWrites);
    eventCounter(stats, t, "odgm.events.depth.limited", "targets stopped by ODGM_MAX_TRIGGER_DEPTH",
        OutboxStats::depthLimited);
    eventCounter(stats, t, "odgm.events.expired", "targets older than ODGM_OUTBOX_TTL_MS", OutboxStats::expired);
    eventCounter(stats, t, "odgm.events.failed", "targets that could not be encoded", OutboxStats::failed);
    eventCounter(stats, t, "odgm.events.dead.lettered", "acknowledged targets sent to the dead-letter key",
        OutboxStats::deadLettered);
    eventCounter(stats, t, "odgm.events.acknowledged", "acknowledged targets whose result arrived",
        OutboxStats::acknowledged);
    eventCounter(stats, t, "odgm.events.duplicates.suppressed", "invocations received again and not run",
        OutboxStats::duplicatesSuppressed);
    eventGauge(stats, t, "odgm.events.queue.len", "records in the in-memory fast path", OutboxStats::queueLength);
    eventGauge(stats, t, "odgm.outbox.pending", "records in the outbox", OutboxStats::pending);
    eventGauge(stats, t, "odgm.outbox.pending.bytes", "bytes of the records in the outbox", OutboxStats::pendingBytes);
    Gauge.builder("odgm.outbox.oldest.age", stats, s -> s.oldestAgeMillis() / 1000.0)
        .description("age of the oldest record in the outbox").baseUnit("seconds").tags(t).register(registry);
    gauge("odgm.objects", "live objects", t, () -> parts.stream().mapToLong(ObjectShard::count).sum());
    Timer latency = timer("odgm.events.dispatch.latency", "from a write's commit to its record's first publish", t);
    for (ObjectShard s : parts) {
      if (s.dispatcher() != null) {
        s.dispatcher().onPublished(ms -> latency.record(Math.max(0, ms), TimeUnit.MILLISECONDS));
      }
    }
  }

  private void eventCounter(CollectionStats stats, Tags t, String name, String help, ToLongFunction<OutboxStats> f) {
    FunctionCounter.builder(name, stats, s -> s.sum(f)).description(help).tags(t).register(registry);
  }

  private void eventGauge(CollectionStats stats, Tags t, String name, String help, ToLongFunction<OutboxStats> f) {
    ToDoubleFunction<CollectionStats> read = s -> s.sum(f);
    Gauge.builder(name, stats, read).description(help).tags(t).register(registry);
  }

  /** Zenoh link state, reconnects and every drop counter of {@code session}. */
  public void bindSession(Session session) {
    SessionSnapshot s = new SessionSnapshot(session);
    sources.add(s);
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
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }

  /** A collection's summed OutboxStats, computed at most once per 200 ms (a scrape reads it ~20 times). */
  private static final class CollectionStats {
    private final List<ObjectShard> parts;
    private List<OutboxStats> cached = List.of();
    private long at;

    CollectionStats(List<ObjectShard> parts) {
      this.parts = parts;
    }

    private synchronized List<OutboxStats> snapshot() {
      long now = System.nanoTime();
      if (cached.isEmpty() || now - at > TimeUnit.MILLISECONDS.toNanos(200)) {
        cached = parts.stream().map(ObjectShard::eventStats).toList();
        at = now;
      }
      return cached;
    }

    long sum(ToLongFunction<OutboxStats> f) {
      return snapshot().stream().mapToLong(f).sum();
    }

    long oldestAgeMillis() {
      return snapshot().stream().mapToLong(OutboxStats::oldestPendingAgeMillis).max().orElse(0);
    }
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
