package dev.oprc.odgm.events;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.oprc.odgm.events.OutboxDispatcher.WriteTally;
import dev.oprc.odgm.proto.ValData;
import java.util.ArrayList;
import java.util.List;

/**
 * The events of one write of one object, from {@link EventAssembler#begin}: the writer reports
 * each changed key ({@link #change}), then {@link #stageData} (or {@link #stageFunction}) stages
 * the matched targets' records into the write's batch, and {@link #committed} counts them and
 * queues them on the dispatcher once the batch committed.
 *
 * <p>Not thread-safe: used by the writing thread, while it holds the object's lock.
 */
public final class WriteEvents {
  private final EventAssembler shard;
  private final String objectId;
  private final int depth;
  private final String traceparent;
  final WriteTally tally = new WriteTally();
  private final List<String> keys = new ArrayList<>(4);
  private final List<EventType> types = new ArrayList<>(4);
  // the values the write read anyway to classify each change (no extra read): what filters test
  private final List<ValData> newValues = new ArrayList<>(4);
  private final List<ValData> oldValues = new ArrayList<>(4);
  int created; // targets queued per data event type, counted once the write committed
  int updated;
  int deleted;

  WriteEvents(EventAssembler shard, String objectId, int depth, String traceparent) {
    if (depth < 0) {
      throw new IllegalArgumentException("depth must be >= 0, was " + depth);
    }
    this.shard = shard;
    this.objectId = objectId;
    this.depth = depth;
    this.traceparent = traceparent;
  }

  /** The written object's id. */
  public String objectId() {
    return objectId;
  }

  /** Reports one changed key: its event type and its value after ({@code null} on delete) and before ({@code null} on create). */
  public void change(String key, EventType type, ValData newValue, ValData oldValue) {
    keys.add(key);
    types.add(type);
    newValues.add(newValue);
    oldValues.add(oldValue);
  }

  /** True when no change was reported. */
  public boolean isEmpty() {
    return keys.isEmpty();
  }

  /** True when data events of an object with {@code triggers} can have targets (worth reporting every deleted entry). */
  public boolean wantsDataChanges(TriggerIndex triggers) {
    return shard.changes != null || triggers(triggers);
  }

  private boolean triggers(TriggerIndex triggers) {
    return shard.dispatcher != null && triggers.hasDataTriggers();
  }

  /**
   * Stages into {@code sink} a record per target matched by the reported changes, in the order
   * they were reported, for the write that gives the object {@code version}; honours the fan-out
   * cap (keys past it are counted, not evaluated).
   *
   * @throws OutboxFullException when the sink refuses a record and the policy is reject-writes or backpressure
   */
  public void stageData(OutboxSink sink, long version, TriggerIndex triggers) {
    if (shard.changes != null && !keys.isEmpty()) {
      stageChange(sink, version);
    }
    if (!triggers(triggers)) {
      return;
    }
    int fired = 0;
    for (int i = 0; i < keys.size(); i++) {
      List<CompiledTarget> targets = triggers.match(types.get(i), keys.get(i));
      if (targets.isEmpty()) {
        continue;
      }
      if (fired >= shard.config.maxBatchFanout()) {
        tally.fanoutTruncated(1);
        continue;
      }
      fired++;
      ValData nv = newValues.get(i);
      ValData ov = oldValues.get(i);
      records(sink, new EventContext(shard.collection, shard.partition, objectId, types.get(i), keys.get(i), version,
          shard.clock.getAsLong(), null, null, depth, traceparent, nv == null ? null : nv.getData(),
          ov == null ? null : ov.getData(), null), targets, null);
    }
  }

  /** Stages the write's one change event (every changed key, in the order reported). */
  private void stageChange(OutboxSink sink, long version) {
    ChangeConfig c = shard.changes.config();
    int[] cuts = {0};
    sink.stageChange(ChangeEvents.body(shard.collection, shard.partition, objectId, version, shard.clock.getAsLong(),
        keys, types, c.values() ? newValues : null, c.maxValueBytes(), cuts));
    shard.changes.countTruncated(cuts[0]);
  }

  /**
   * Stages into {@code sink} a record per target of {@code triggers} for function event
   * {@code type} (FUNC_COMPLETE or FUNC_ERROR) of {@code fnId}, with the response {@code payload}
   * or the {@code error} text and the response {@code status} name (all nullable). The completed
   * {@code invocationId} (nullable: a fresh nonce) makes the invocation ids deterministic. Returns
   * the number of records staged.
   *
   * @throws OutboxFullException when the sink refuses a record and the policy is reject-writes or backpressure
   */
  public int stageFunction(OutboxSink sink, TriggerIndex triggers, EventType type, String fnId, byte[] payload,
      String error, String status, String invocationId) {
    if (type.isData()) {
      throw new IllegalArgumentException("not a function event type: " + type);
    }
    if (shard.dispatcher == null) {
      return 0;
    }
    List<CompiledTarget> targets = triggers.match(type, fnId);
    // version 0 (as upstream): the id then depends on the invocation, not on what it did to the object
    EventContext ctx = new EventContext(shard.collection, shard.partition, objectId, type, fnId, 0L,
        shard.clock.getAsLong(), payload, error, depth, traceparent, null, null, status);
    return records(sink, ctx, targets, shard.nonce(invocationId));
  }

  /**
   * Adds one record per target that accepts the event to the batch; returns how many were added.
   * Targets whose filter refuses it are counted as filtered out, not matched.
   */
  private int records(OutboxSink sink, EventContext ctx, List<CompiledTarget> targets, String nonce) {
    int n = targets.size();
    int accepted = 0;
    for (int i = 0; i < n; i++) {
      if (targets.get(i).accepts(ctx)) {
        accepted++;
      }
    }
    tally.filteredOut(n - accepted);
    if (accepted == 0) {
      return 0;
    }
    tally.matched(accepted);
    if (!shard.dispatcher.depthAllowed(ctx.depth())) {
      tally.depthLimited(accepted);
      return 0;
    }
    return add(sink, ctx, targets, accepted < n, nonce);
  }

  private int add(OutboxSink sink, EventContext ctx, List<CompiledTarget> targets, boolean filtered, String nonce) {
    Payloads payloads = new Payloads(ctx);
    int added = 0;
    long now = System.currentTimeMillis(); // wall time for the outbox TTL, whatever clock stamps events
    for (int i = 0; i < targets.size(); i++) {
      CompiledTarget t = targets.get(i);
      if (filtered && !t.accepts(ctx)) {
        continue; // filters are pure: the same verdict as in records()
      }
      ByteString payload = payloads.forTarget(t);
      if (payload == null) {
        continue; // could not be encoded (counted)
      }
      // the id keeps the target's position in its list, so a filter never shifts another target's id
      String key = t.keyPrefix() + DeterministicInvocationIds.of(ctx, i, nonce);
      OutboxRecord r = OutboxRecord.fresh(key, InvocationEnvelopes.build(ctx, t, payload), now, shard.ack(t));
      if (sink.addOutbox(r)) {
        added++;
        countQueued(ctx.type());
      } else if (shard.dispatcher.config().fullPolicy() != OutboxConfig.FullPolicy.DROP_NEW) {
        throw shard.rejected();
      } else {
        tally.dropped(1);
      }
    }
    return added;
  }

  private void countQueued(EventType type) {
    switch (type) {
      case DATA_CREATE -> created++;
      case DATA_UPDATE -> updated++;
      case DATA_DELETE -> deleted++;
      default -> { } // function events are not upstream's emitted.* counters
    }
  }

  /**
   * The write committed with {@code records} (seqs assigned; empty when nothing was written):
   * counts what it matched, dropped and queued, and queues the records on the dispatcher. Called
   * while the object's lock is still held, so one object's records are queued in version order.
   * {@code durableTicket} is the storage's ticket for the write (0: durable now).
   */
  public void committed(List<OutboxRecord> records, long durableTicket) {
    shard.committed(records, durableTicket, this);
  }

  /** One event's payloads, encoded once per kind of values the targets ask for. */
  private final class Payloads {
    private final EventContext ctx;
    private final ByteString[] byValues = new ByteString[4]; // by TriggerValues number
    private final boolean[] failed = new boolean[4];
    private final int[] cuts = new int[4];

    Payloads(EventContext ctx) {
      this.ctx = ctx;
    }

    /** The target's payload, or null (counted as failed) when it cannot be encoded. */
    ByteString forTarget(CompiledTarget t) {
      int v = t.values().getNumber();
      if (byValues[v] == null && !failed[v]) {
        try {
          PayloadValues pv = ctx.type().isData() ? PayloadValues.of(ctx, t.values(), shard.config.maxValueBytes())
              : null;
          cuts[v] = pv == null ? 0 : pv.cuts();
          byValues[v] = UnsafeByteOperations.unsafeWrap(shard.codec.encode(ctx, pv)); // fresh array, never mutated
        } catch (RuntimeException e) {
          failed[v] = true;
        }
      }
      if (failed[v]) {
        tally.failed(1);
        return null;
      }
      tally.valuesTruncated(cuts[v]);
      return byValues[v];
    }
  }
}
