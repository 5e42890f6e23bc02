package dev.oprc.odgm.events;

import dev.oprc.odgm.metrics.MeterSpec;
import java.time.Duration;
import java.util.List;

/**
 * The declarations of a partition's event and outbox meters: the one place that names each of
 * them, says what it counts and which field of the gRPC {@code Stats} reply ({@code EventStatsProto})
 * carries it. {@link OutboxDispatcher#registerMeters} binds the dispatcher's counters to them;
 * the shard binds the {@code emitted} counters it keeps. Stateless.
 */
public final class EventMeters {
  /** Upstream's {@code odgm.events.emitted.*}: targets queued by committed writes, per data event type. */
  public static final MeterSpec EMITTED_CREATE = MeterSpec.counter("odgm.events.emitted.create",
      "targets queued by committed writes for create events (upstream name)");
  public static final MeterSpec EMITTED_UPDATE = MeterSpec.counter("odgm.events.emitted.update",
      "targets queued by committed writes for update events (upstream name)");
  public static final MeterSpec EMITTED_DELETE = MeterSpec.counter("odgm.events.emitted.delete",
      "targets queued by committed writes for delete events (upstream name)");
  public static final MeterSpec FANOUT_LIMITED = MeterSpec.counter("odgm.events.fanout.limited",
      "changed keys skipped by ODGM_MAX_BATCH_TRIGGER_FANOUT").inStats("events.fanout_truncated_keys");
  public static final MeterSpec QUEUE_DROPS = MeterSpec.counter("odgm.events.queue.drops",
      "targets not queued: outbox full (drop-new)").inStats("events.dropped");
  /** Derived (failed + expired + dead-lettered, each in Stats); upstream declares it and never increments it. */
  public static final MeterSpec EMIT_FAILURES = MeterSpec.counter("odgm.events.emit.failures",
      "targets that failed for good: not encodable, expired, dead-lettered");
  public static final MeterSpec MATCHED = MeterSpec.counter("odgm.events.matched",
      "targets matched by committed writes").inStats("events.events_matched");
  public static final MeterSpec RETIRED = MeterSpec.counter("odgm.events.retired",
      "targets delivered and removed from the outbox").inStats("events.retired");
  public static final MeterSpec REDELIVERED = MeterSpec.counter("odgm.events.redelivered",
      "publishes of a record published before").inStats("events.redelivered");
  public static final MeterSpec RECOVERED = MeterSpec.counter("odgm.events.recovered",
      "records found in the outbox at start").inStats("events.recovered");
  public static final MeterSpec REJECTED_WRITES = MeterSpec.counter("odgm.events.rejected.writes",
      "writes refused: outbox full (reject-writes, or backpressure after ODGM_OUTBOX_FULL_WAIT_MS)").inStats("events.rejected_writes");
  public static final MeterSpec DEPTH_LIMITED = MeterSpec.counter("odgm.events.depth.limited",
      "targets stopped by ODGM_MAX_TRIGGER_DEPTH").inStats("events.depth_limited");
  public static final MeterSpec EXPIRED = MeterSpec.counter("odgm.events.expired",
      "targets older than ODGM_OUTBOX_TTL_MS").inStats("events.expired");
  public static final MeterSpec FAILED = MeterSpec.counter("odgm.events.failed",
      "targets that could not be encoded").inStats("events.failed");
  public static final MeterSpec DEAD_LETTERED = MeterSpec.counter("odgm.events.dead.lettered",
      "acknowledged targets sent to the dead-letter key").inStats("events.dead_lettered");
  public static final MeterSpec ACKNOWLEDGED = MeterSpec.counter("odgm.events.acknowledged",
      "acknowledged targets whose result arrived").inStats("events.acknowledged");
  public static final MeterSpec DUPLICATES_SUPPRESSED = MeterSpec.counter("odgm.events.duplicates.suppressed",
      "invocations received again and not run").inStats("events.duplicates_suppressed");
  public static final MeterSpec FILTERED_OUT = MeterSpec.counter("odgm.events.filtered.out",
      "targets matched by key whose trigger filter refused the event (never queued)").inStats("events.filtered_out");
  public static final MeterSpec VALUES_TRUNCATED = MeterSpec.counter("odgm.events.values.truncated",
      "entry values cut to ODGM_EVENT_MAX_VALUE_BYTES in payloads").inStats("events.values_truncated");
  public static final MeterSpec QUEUE_LEN = MeterSpec.gauge("odgm.events.queue.len",
      "records in the in-memory fast path").inStats("events.queue_length");
  public static final MeterSpec PENDING = MeterSpec.gauge("odgm.outbox.pending", "records in the outbox")
      .inStats("events.pending");
  public static final MeterSpec PENDING_BYTES = MeterSpec.gauge("odgm.outbox.pending.bytes",
      "bytes of the records in the outbox").inStats("events.pending_bytes");
  /** Milliseconds in Stats, seconds on /metrics; the oldest of a collection's partitions. */
  public static final MeterSpec OLDEST_AGE = MeterSpec.gauge("odgm.outbox.oldest.age",
      "age of the oldest record in the outbox").unit("seconds", 0.001).max().inStats("events.oldest_pending_age_ms");
  public static final MeterSpec BARRIER_FALLBACKS = MeterSpec.counter("odgm.events.barrier.fallbacks",
      "delivery barriers not answered (timeout, router without them): their records retire by the lease rule");
  public static final MeterSpec DELAYED_WRITES = MeterSpec.counter("odgm.events.delayed.writes",
      "writes slowed down at the outbox bound (backpressure), whether they then went through or were refused");
  public static final MeterSpec INFLIGHT_BYTES = MeterSpec.gauge("odgm.events.inflight.bytes",
      "bytes of the records published and not yet retired");
  /** Fine buckets: the target is sub-millisecond (issue 18). */
  public static final MeterSpec DISPATCH_LATENCY = MeterSpec.timer("odgm.events.dispatch.latency",
      "from a write's commit to its record's first publish (the trigger PUT)").buckets(Duration.ofMillis(1).dividedBy(10),
      Duration.ofMillis(1).dividedBy(4), Duration.ofMillis(1).dividedBy(2), Duration.ofMillis(1), Duration.ofMillis(2),
      Duration.ofMillis(3), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(100),
      Duration.ofMillis(250), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30));

  /** The counters and gauges a dispatcher registers ({@link OutboxDispatcher#registerMeters}). */
  public static final List<MeterSpec> DISPATCHER = List.of(FANOUT_LIMITED, QUEUE_DROPS, EMIT_FAILURES, MATCHED,
      RETIRED, REDELIVERED, RECOVERED, REJECTED_WRITES, DEPTH_LIMITED, EXPIRED, FAILED, DEAD_LETTERED, ACKNOWLEDGED,
      DUPLICATES_SUPPRESSED, FILTERED_OUT, VALUES_TRUNCATED, QUEUE_LEN, PENDING, PENDING_BYTES, OLDEST_AGE,
      BARRIER_FALLBACKS, DELAYED_WRITES, INFLIGHT_BYTES);

  private EventMeters() {}
}
