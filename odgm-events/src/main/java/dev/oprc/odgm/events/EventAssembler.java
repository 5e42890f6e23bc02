package dev.oprc.odgm.events;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Turns one shard's writes into outbox records: the entry point of event assembly. A writer calls
 * {@link #begin} once per write, reports the write's changes to the {@link WriteEvents} it gets,
 * lets it stage the matched targets into the write's batch ({@link OutboxSink}), and hands it the
 * commit ({@link WriteEvents#committed}), which counts and queues the records on the shard's
 * {@link OutboxDispatcher}.
 *
 * <p>What a write's events are is decided here: filters (refused targets counted as filtered
 * out), the depth limit, the fan-out cap, payloads encoded once per kind of values, deterministic
 * invocation ids, envelopes and the outbox-full policy.
 *
 * <p>Thread-safe; each {@link WriteEvents} is used by one writing thread.
 */
public final class EventAssembler {
  /** {@code req_options} key asking for an end-to-end acknowledgement of a target. */
  public static final String ACK_OPTION = "odgm-ack";

  final String collection;
  final int partition;
  final EventConfig config;
  final OutboxDispatcher dispatcher; // null when events are disabled
  final LongSupplier clock;
  final ChangePublisher changes; // null: change streams off
  final TriggerPayloadCodec codec;
  private final boolean ackAll;
  private final InvocationIdGenerator nonces = InvocationIdGenerator.unique();
  private final LongAdder emittedCreate = new LongAdder();
  private final LongAdder emittedUpdate = new LongAdder();
  private final LongAdder emittedDelete = new LongAdder();

  /**
   * {@code dispatcher} may be null only when {@code config} disables events; {@code clock} stamps
   * events; {@code ackAll}: every target asks for an end-to-end acknowledgement.
   */
  public EventAssembler(String collection, int partition, EventConfig config, OutboxDispatcher dispatcher,
      LongSupplier clock, boolean ackAll) {
    this(collection, partition, config, dispatcher, clock, ackAll, null);
  }

  /** As above; {@code changes} (nullable: change streams off) receives the counts of staged change events. */
  public EventAssembler(String collection, int partition, EventConfig config, OutboxDispatcher dispatcher,
      LongSupplier clock, boolean ackAll, ChangePublisher changes) {
    this.changes = changes;
    this.collection = Objects.requireNonNull(collection, "collection");
    this.partition = partition;
    this.config = Objects.requireNonNull(config, "config");
    this.dispatcher = config.enabled() ? Objects.requireNonNull(dispatcher, "dispatcher") : null;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.codec = new TriggerPayloadCodec(config.payloadFormat());
    this.ackAll = ackAll;
  }

  /** Starts collecting the events of one write of {@code objectId} by a writer at {@code depth}. */
  public WriteEvents begin(String objectId, int depth, String traceparent) {
    return new WriteEvents(this, Objects.requireNonNull(objectId, "objectId"), depth, traceparent);
  }

  /** True when events are on and {@code triggers} has a target for function event {@code type} of {@code fnId}. */
  public boolean hasFunctionTargets(TriggerIndex triggers, EventType type, String fnId) {
    return dispatcher != null && triggers.hasFuncTriggers() && !triggers.match(type, fnId).isEmpty();
  }

  /**
   * Targets queued by committed writes for data events of {@code type} (DATA_CREATE, DATA_UPDATE or
   * DATA_DELETE; upstream's {@code odgm.events.emitted.*}); 0 for other types.
   */
  public long emitted(EventType type) {
    return switch (type) {
      case DATA_CREATE -> emittedCreate.sum();
      case DATA_UPDATE -> emittedUpdate.sum();
      case DATA_DELETE -> emittedDelete.sum();
      default -> 0;
    };
  }

  boolean ack(CompiledTarget t) {
    return ackAll || "true".equalsIgnoreCase(t.target().getReqOptionsMap().get(ACK_OPTION));
  }

  String nonce(String invocationId) {
    return invocationId != null ? invocationId : nonces.next(null, null);
  }

  /**
   * The write's records do not fit: under reject-writes counts the refusal and says why; under
   * backpressure says why and leaves the counting to the writer that retries ({@link OutboxFullException}).
   */
  OutboxFullException rejected() {
    OutboxConfig c = dispatcher.config();
    boolean backpressure = c.fullPolicy() == OutboxConfig.FullPolicy.BACKPRESSURE;
    String why = "event outbox of " + collection + "/" + partition + " is full (" + c.maxBytes()
        + " bytes, ODGM_OUTBOX_MAX_BYTES); write refused (ODGM_OUTBOX_FULL="
        + (backpressure ? "backpressure, waited up to ODGM_OUTBOX_FULL_WAIT_MS=" + c.fullWaitMillis() + " ms)"
            : "reject-writes)");
    if (backpressure) {
      return new OutboxFullException(why, dispatcher, c.fullWaitMillis());
    }
    dispatcher.recordRejectedWrite();
    return new OutboxFullException(why);
  }

  void committed(List<OutboxRecord> records, long durableTicket, WriteEvents w) {
    if (w.created + w.updated + w.deleted > 0) {
      emittedCreate.add(w.created);
      emittedUpdate.add(w.updated);
      emittedDelete.add(w.deleted);
    }
    if (dispatcher != null) {
      dispatcher.committed(records, durableTicket, w.tally);
    }
  }
}
