package dev.oprc.odgm.shard;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.oprc.odgm.events.CompiledTarget;
import dev.oprc.odgm.events.DeterministicInvocationIds;
import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.events.EventContext;
import dev.oprc.odgm.events.EventType;
import dev.oprc.odgm.events.InvocationEnvelopes;
import dev.oprc.odgm.events.OutboxConfig;
import dev.oprc.odgm.events.OutboxDispatcher;
import dev.oprc.odgm.events.OutboxDispatcher.WriteTally;
import dev.oprc.odgm.events.OutboxRecord;
import dev.oprc.odgm.events.OutboxStats;
import dev.oprc.odgm.events.PayloadValues;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.events.TriggerPayloadCodec;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjMeta;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.ObjectMetaEnvelope;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.proto.ValueEnvelope;
import dev.oprc.odgm.proto.ValueResponse;
import dev.oprc.odgm.storage.CommitListener;
import dev.oprc.odgm.storage.ObjectMeta;
import dev.oprc.odgm.storage.OutboxFullException;
import dev.oprc.odgm.storage.ShardStorage;
import dev.oprc.odgm.storage.WriteTxn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * One partition of one collection: its objects, their entries, versions and triggers, and the
 * events every mutation emits.
 *
 * <p>Each write is one {@link ShardStorage#write}: under the object's lock the version is
 * incremented, every changed key is classified (CREATE if it did not exist, UPDATE if its value
 * changed, DELETE if it existed and was removed), the matching targets become outbox records with
 * deterministic invocation ids, and entries, metadata and records commit in one atomic batch. Only
 * then are the records handed to the shard's {@link OutboxDispatcher}, still in version order. A
 * write never waits for a trigger's target.
 *
 * <p>Thread-safe.
 */
public final class ObjectShard implements AutoCloseable {
  /**
   * Fault injection for the crash tests: with {@code -Dodgm.fault.haltAfterCommits=N} the process
   * halts (as {@code kill -9} would: no shutdown hooks) right after the N-th commit, before its
   * records reach the dispatcher. Unset in production.
   */
  private static final long HALT_AFTER_COMMITS = Long.getLong("odgm.fault.haltAfterCommits", 0);
  private static final java.util.concurrent.atomic.AtomicLong COMMITS = new java.util.concurrent.atomic.AtomicLong();

  /** {@code req_options} key asking for an end-to-end acknowledgement of a target. */
  public static final String ACK_OPTION = "odgm-ack";

  private final String collection;
  private final int partition;
  private final long shardId;
  private final ShardStorage storage;
  private final Ids ids;
  private final EventConfig eventConfig;
  private final OutboxDispatcher dispatcher; // null when events are disabled
  private final LongSupplier clock;
  private final UnaryOperator<String> keyRule;
  private final TriggerPayloadCodec codec;
  private final boolean ackAll;
  private final java.util.concurrent.atomic.LongAdder emittedCreate = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder emittedUpdate = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder emittedDelete = new java.util.concurrent.atomic.LongAdder();
  private final dev.oprc.odgm.events.InvocationIdGenerator nonces = dev.oprc.odgm.events.InvocationIdGenerator.unique();

  public ObjectShard(String collection, int partition, long shardId, ShardStorage storage, Ids ids,
      EventConfig eventConfig, OutboxDispatcher dispatcher, LongSupplier clock) {
    this(collection, partition, shardId, storage, ids, eventConfig, dispatcher, clock, false);
  }

  /** {@code ackAll}: every target of this shard asks for an end-to-end acknowledgement. */
  public ObjectShard(String collection, int partition, long shardId, ShardStorage storage, Ids ids,
      EventConfig eventConfig, OutboxDispatcher dispatcher, LongSupplier clock, boolean ackAll) {
    this.collection = Objects.requireNonNull(collection, "collection");
    this.partition = partition;
    this.shardId = shardId;
    this.storage = Objects.requireNonNull(storage, "storage");
    this.ids = Objects.requireNonNull(ids, "ids");
    this.eventConfig = Objects.requireNonNull(eventConfig, "eventConfig");
    this.dispatcher = eventConfig.enabled() ? Objects.requireNonNull(dispatcher, "dispatcher") : null;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.keyRule = ids::entryKey;
    this.codec = new TriggerPayloadCodec(eventConfig.payloadFormat());
    this.ackAll = ackAll;
  }

  public String collection() {
    return collection;
  }

  public int partition() {
    return partition;
  }

  public long shardId() {
    return shardId;
  }

  public Ids ids() {
    return ids;
  }

  /** Number of live objects. */
  public long count() {
    return storage.count();
  }

  /** The event accounting of this shard (all zero when events are disabled). */
  public OutboxStats eventStats() {
    return dispatcher == null ? OutboxStats.EMPTY : dispatcher.stats();
  }

  /** This shard's dispatcher, or null when events are disabled. */
  public OutboxDispatcher dispatcher() {
    return dispatcher;
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

  /** Counts an invocation of this partition received again (same id) and not run. */
  public void recordDuplicateSuppressed() {
    if (dispatcher != null) {
      dispatcher.recordDuplicateSuppressed();
    }
  }

  /** Compiles trigger config with this shard's key rule; throws on a bad target or key. */
  public TriggerIndex compileTriggers(ObjectEvent event) {
    return TriggerIndex.compile(event, keyRule);
  }

  // ------------------------------------------------------------------ reads

  /** The object with its entries and trigger config. */
  public ObjData get(String rawObjectId) {
    String oid = ids.objectId(rawObjectId);
    ShardStorage.ObjectView v = storage.view(oid);
    if (v == null) {
      throw notFound(oid);
    }
    return toObjData(oid, v);
  }

  private ObjData toObjData(String oid, ShardStorage.ObjectView v) {
    ObjData.Builder b = ObjData.newBuilder()
        .setMetadata(ObjMeta.newBuilder().setClsId(collection).setPartitionId(partition).setObjectId(oid)
            .setObjectVersion(v.meta().version()))
        .putAllEntries(v.entries());
    if (!v.meta().triggers().source().equals(ObjectEvent.getDefaultInstance())) {
      b.setEvent(v.meta().triggers().source());
    }
    return b.build();
  }

  /** The live object's metadata, or NOT_FOUND. */
  public ObjectMeta object(String rawObjectId) {
    String oid = ids.objectId(rawObjectId);
    ObjectMeta m = storage.meta(oid);
    if (m == null) {
      throw notFound(oid);
    }
    return m;
  }

  private NotFoundException notFound(String oid) {
    return new NotFoundException("object '" + oid + "' not found in " + collection + "/" + partition);
  }

  /** One entry's value. */
  public ValData getValue(String rawObjectId, String rawKey) {
    return getVersionedValue(rawObjectId, rawKey).getValue();
  }

  /** One entry's value with the object version of the same read (the GetValue response). */
  public ValueResponse getVersionedValue(String rawObjectId, String rawKey) {
    String oid = ids.objectId(rawObjectId);
    String key = ids.entryKey(rawKey);
    ShardStorage.EntryRead r = storage.read(oid, key);
    if (r == null) {
      throw notFound(oid);
    }
    if (r.value() == null) {
      throw new NotFoundException("entry '" + key + "' not found on object '" + oid + "'");
    }
    return ValueResponse.newBuilder().setValue(r.value()).setKey(key).setObjectVersion(r.meta().version()).build();
  }

  /**
   * GetValue as upstream answers it: the entry's value with the object version, or, when the key
   * or the object is missing, no value (the key echoed, and the version when the object exists).
   */
  public ValueResponse findValue(String rawObjectId, String rawKey) {
    String oid = ids.objectId(rawObjectId);
    String key = ids.entryKey(rawKey);
    ShardStorage.EntryRead r = storage.read(oid, key);
    ValueResponse.Builder b = ValueResponse.newBuilder().setKey(key);
    if (r != null) {
      b.setObjectVersion(r.meta().version());
      if (r.value() != null) {
        b.setValue(r.value());
      }
    }
    return b.build();
  }

  /** A page of object metadata in id order; the last envelope carries the cursor when more remain. */
  public List<ObjectMetaEnvelope> listObjects(String rawPrefix, String afterExclusive, int limit) {
    String prefix = rawPrefix == null || rawPrefix.isEmpty() ? null : rawPrefix.toLowerCase(java.util.Locale.ROOT);
    int lim = limit <= 0 ? 100 : Math.min(limit, 10_000);
    List<Map.Entry<String, ObjectMeta>> page = storage.list(prefix, afterExclusive, lim + 1);
    List<ObjectMetaEnvelope> out = new ArrayList<>(Math.min(page.size(), lim));
    for (int i = 0; i < Math.min(page.size(), lim); i++) {
      Map.Entry<String, ObjectMeta> e = page.get(i);
      out.add(ObjectMetaEnvelope.newBuilder().setObjectId(e.getKey()).setVersion(e.getValue().version())
          .setEntryCount(e.getValue().entryCount()).build());
    }
    if (page.size() > lim) {
      int last = out.size() - 1;
      out.set(last, out.get(last).toBuilder().setNextCursor(ByteString.copyFromUtf8(out.get(last).getObjectId()))
          .build());
    }
    return out;
  }

  /** A page of an object's entries in key order. */
  public List<ValueEnvelope> listValues(String rawObjectId, String rawPrefix, String afterExclusive, int limit) {
    String oid = ids.objectId(rawObjectId);
    ObjectMeta m = object(oid);
    String prefix = rawPrefix == null || rawPrefix.isEmpty() ? null : ids.entryKey(rawPrefix);
    int lim = limit <= 0 ? 100 : Math.min(limit, 10_000);
    List<Map.Entry<String, ValData>> page = storage.entries(oid, prefix, afterExclusive, lim + 1);
    List<ValueEnvelope> out = new ArrayList<>(Math.min(page.size(), lim));
    for (int i = 0; i < Math.min(page.size(), lim); i++) {
      Map.Entry<String, ValData> e = page.get(i);
      out.add(ValueEnvelope.newBuilder().setKey(e.getKey()).setValue(e.getValue()).setVersion(m.version()).build());
    }
    if (page.size() > lim) {
      int last = out.size() - 1;
      out.set(last, out.get(last).toBuilder().setNextCursor(ByteString.copyFromUtf8(out.get(last).getKey())).build());
    }
    return out;
  }

  // ------------------------------------------------------------------ writes

  /**
   * Upserts {@code obj}'s entries (keys not sent are kept, as upstream). When {@code obj.event}
   * is present it replaces the object's triggers first, so they apply to this write; an empty
   * {@code ObjectEvent} clears them. Returns the version after the write.
   */
  public long set(String rawObjectId, ObjData obj, WriteContext wc) {
    return upsert(ids.objectId(rawObjectId), obj, wc);
  }

  /** Like {@link #set} but returns the merged object. */
  public ObjData merge(String rawObjectId, ObjData obj, WriteContext wc) {
    String oid = ids.objectId(rawObjectId);
    upsert(oid, obj, wc);
    return get(oid);
  }

  private long upsert(String oid, ObjData obj, WriteContext wc) {
    Map<String, ValData> updates = normalizeKeys(obj.getEntriesMap());
    TriggerIndex newTriggers = obj.hasEvent() ? compileTriggers(obj.getEvent()) : null;
    Write w = new Write(oid, wc);
    return write(w, txn -> {
      ObjectMeta before = txn.meta();
      boolean triggersChanged = newTriggers != null
          && (before == null || !obj.getEvent().equals(before.triggers().source()));
      // same config re-sent: keep the compiled index, no version bump
      TriggerIndex triggers = triggersChanged ? newTriggers : before != null ? before.triggers() : TriggerIndex.EMPTY;
      int created = applySets(txn, updates, w);
      if (before != null && w.isEmpty() && !triggersChanged) {
        return before.version();
      }
      long version = txn.nextVersion();
      txn.setMeta(new ObjectMeta(version, (before == null ? 0 : before.entryCount()) + created, triggers));
      w.emit(txn, version, triggers);
      return version;
    });
  }

  /** Writes one entry; returns the version after the write. */
  public long setValue(String rawObjectId, String rawKey, ValData value, WriteContext wc) {
    String oid = ids.objectId(rawObjectId);
    String key = ids.entryKey(rawKey);
    Objects.requireNonNull(value, "value");
    Write w = new Write(oid, wc);
    return write(w, txn -> {
      ObjectMeta before = txn.meta();
      ValData old = before == null ? null : txn.get(key);
      boolean same = value.equals(old);
      if (before != null && same && !eventConfig.updateOnSameValue()) {
        return before.version();
      }
      if (!same) {
        txn.put(key, value);
      }
      w.change(key, old == null ? EventType.DATA_CREATE : EventType.DATA_UPDATE, value, old);
      long version = txn.nextVersion();
      TriggerIndex triggers = before != null ? before.triggers() : TriggerIndex.EMPTY;
      txn.setMeta(new ObjectMeta(version, (before == null ? 0 : before.entryCount()) + (old == null ? 1 : 0),
          triggers));
      w.emit(txn, version, triggers);
      return version;
    });
  }

  /** Deletes one entry; false (and no event) when the object or key does not exist. */
  public boolean deleteValue(String rawObjectId, String rawKey, WriteContext wc) {
    String oid = ids.objectId(rawObjectId);
    String key = ids.entryKey(rawKey);
    Write w = new Write(oid, wc);
    return write(w, txn -> {
      ObjectMeta before = txn.meta();
      ValData old = before == null ? null : txn.get(key);
      if (old == null) {
        return false;
      }
      txn.remove(key);
      w.change(key, EventType.DATA_DELETE, null, old);
      long version = txn.nextVersion();
      txn.setMeta(new ObjectMeta(version, before.entryCount() - 1, before.triggers()));
      w.emit(txn, version, before.triggers());
      return true;
    });
  }

  /**
   * Sets {@code values} and deletes {@code deleteKeys} in one write (one version increment).
   * With {@code expectedVersion} (compare-and-set; an absent object has version 0) a mismatch
   * throws {@link VersionMismatchException} and nothing is written or emitted. An empty batch,
   * or one that changes nothing, leaves the version unchanged. Returns the version after.
   */
  public long batchSetValues(String rawObjectId, Map<String, ValData> values, List<String> deleteKeys,
      Long expectedVersion, WriteContext wc) {
    String oid = ids.objectId(rawObjectId);
    Map<String, ValData> sets = normalizeKeys(values);
    Set<String> deletes = new TreeSet<>();
    for (String k : deleteKeys) {
      String key = ids.entryKey(k);
      if (sets.containsKey(key)) {
        throw new InvalidIdException("entry key '" + key + "' is both set and deleted in one batch");
      }
      deletes.add(key);
    }
    Write w = new Write(oid, wc);
    return write(w, txn -> {
      ObjectMeta before = txn.meta();
      long current = before != null ? before.version() : 0;
      if (expectedVersion != null && expectedVersion != current) {
        throw new VersionMismatchException(oid, expectedVersion, current);
      }
      int count = (before == null ? 0 : before.entryCount()) + applySets(txn, sets, w);
      if (before != null) {
        for (String key : deletes) {
          ValData old = txn.get(key);
          if (old != null) {
            txn.remove(key);
            w.change(key, EventType.DATA_DELETE, null, old);
            count--;
          }
        }
      }
      if (w.isEmpty()) {
        return current;
      }
      long version = txn.nextVersion();
      TriggerIndex triggers = before != null ? before.triggers() : TriggerIndex.EMPTY;
      txn.setMeta(new ObjectMeta(version, count, triggers));
      w.emit(txn, version, triggers);
      return version;
    });
  }

  /**
   * Deletes the object: one DATA_DELETE per existing entry (in key order), matched against the
   * triggers as they were before the delete. False (and no event) when it does not exist.
   */
  public boolean delete(String rawObjectId, WriteContext wc) {
    String oid = ids.objectId(rawObjectId);
    Write w = new Write(oid, wc);
    return write(w, txn -> {
      ObjectMeta before = txn.meta();
      if (before == null) {
        return false;
      }
      long version = txn.nextVersion();
      if (dispatcher != null && before.triggers().hasDataTriggers()) {
        for (Map.Entry<String, ValData> e : txn.entries().entrySet()) {
          w.change(e.getKey(), EventType.DATA_DELETE, null, e.getValue());
        }
        w.emit(txn, version, before.triggers());
      }
      txn.deleteObject(version);
      return true;
    });
  }

  /**
   * Emits a function event for {@code objectId}: FUNC_COMPLETE with the response payload or
   * FUNC_ERROR with the error text, matched against the object's current func triggers, written
   * to the outbox like a data event. {@code invocationId} (nullable) is the completed invocation's
   * id, which makes the event's invocation ids deterministic. Returns the number of targets
   * queued (0 when the object is absent or nothing matches).
   */
  public int emitFunctionEvent(String rawObjectId, EventType type, String fnId, byte[] payload, String error,
      String invocationId, WriteContext wc) {
    return emitFunctionEvent(rawObjectId, type, fnId, payload, error, null, invocationId, wc);
  }

  /**
   * {@link #emitFunctionEvent(String, EventType, String, byte[], String, String, WriteContext)} with
   * the function's response status name ({@code status}, nullable), which filters read as the
   * function status attribute.
   */
  public int emitFunctionEvent(String rawObjectId, EventType type, String fnId, byte[] payload, String error,
      String status, String invocationId, WriteContext wc) {
    if (type.isData()) {
      throw new IllegalArgumentException("not a function event type: " + type);
    }
    if (dispatcher == null) {
      return 0;
    }
    String oid = ids.objectId(rawObjectId);
    ObjectMeta peek = storage.meta(oid);
    if (peek == null || !peek.triggers().hasFuncTriggers() || peek.triggers().match(type, fnId).isEmpty()) {
      return 0; // nothing to write: no lock, no batch
    }
    String nonce = invocationId != null ? invocationId : nonces.next(null, null);
    Write w = new Write(oid, wc);
    return write(w, txn -> {
      ObjectMeta m = txn.meta();
      if (m == null) {
        return 0;
      }
      List<CompiledTarget> targets = m.triggers().match(type, fnId);
      // version 0 (as upstream): the id then depends on the invocation, not on what it did to the object
      EventContext ctx = new EventContext(collection, partition, oid, type, fnId, 0L, clock.getAsLong(),
          payload, error, wc.depth(), wc.traceparent(), null, null, status);
      return w.records(txn, ctx, targets, nonce);
    });
  }

  // ------------------------------------------------------------------ internals

  private <R> R write(Write w, ShardStorage.Mutation<R> m) {
    try {
      return storage.write(w.oid, m, w);
    } catch (OutboxFullException e) {
      if (dispatcher != null) {
        dispatcher.recordRejectedWrite();
      }
      throw e;
    }
  }

  private Map<String, ValData> normalizeKeys(Map<String, ValData> raw) {
    if (raw.isEmpty()) {
      return Map.of();
    }
    Map<String, ValData> out = new HashMap<>(raw.size() * 2);
    for (Map.Entry<String, ValData> e : raw.entrySet()) {
      String key = ids.entryKey(e.getKey());
      if (out.put(key, e.getValue()) != null) {
        throw new InvalidIdException("entry keys '" + e.getKey() + "' and another key normalize to the same key '"
            + key + "'");
      }
    }
    return out;
  }

  /** Stages {@code sets} in key order, recording each change; returns how many keys it created. */
  private int applySets(WriteTxn txn, Map<String, ValData> sets, Write w) {
    int created = 0;
    boolean exists = txn.meta() != null;
    for (Map.Entry<String, ValData> e : new TreeMap<>(sets).entrySet()) {
      ValData old = exists ? txn.get(e.getKey()) : null;
      if (old == null) {
        w.change(e.getKey(), EventType.DATA_CREATE, e.getValue(), null);
        created++;
      } else if (!old.equals(e.getValue())) {
        w.change(e.getKey(), EventType.DATA_UPDATE, e.getValue(), old);
      } else {
        if (eventConfig.updateOnSameValue()) {
          w.change(e.getKey(), EventType.DATA_UPDATE, e.getValue(), old);
        }
        continue;
      }
      txn.put(e.getKey(), e.getValue());
    }
    return created;
  }

  private boolean ack(CompiledTarget t) {
    return ackAll || "true".equalsIgnoreCase(t.target().getReqOptionsMap().get(ACK_OPTION));
  }

  /**
   * One write's changed keys and event accounting; it is also the write's {@link CommitListener},
   * which hands the committed records to the dispatcher. Used by one writing thread.
   */
  private final class Write implements CommitListener {
    final String oid;
    final WriteContext wc;
    final WriteTally tally = new WriteTally();
    private final List<String> keys = new ArrayList<>(4);
    private final List<EventType> types = new ArrayList<>(4);
    // the values the write read anyway to classify each change (no extra read): what filters test
    private final List<ValData> newValues = new ArrayList<>(4);
    private final List<ValData> oldValues = new ArrayList<>(4);
    private int created; // targets queued per data event type, counted once the write committed
    private int updated;
    private int deleted;

    Write(String oid, WriteContext wc) {
      this.oid = oid;
      this.wc = wc;
    }

    void change(String key, EventType type, ValData newValue, ValData oldValue) {
      keys.add(key);
      types.add(type);
      newValues.add(newValue);
      oldValues.add(oldValue);
    }

    boolean isEmpty() {
      return keys.isEmpty();
    }

    /** Turns the changed keys' matching targets into outbox records, honouring the fan-out cap. */
    void emit(WriteTxn txn, long version, TriggerIndex triggers) {
      if (dispatcher == null || !triggers.hasDataTriggers()) {
        return;
      }
      int fired = 0;
      for (int i = 0; i < keys.size(); i++) {
        List<CompiledTarget> targets = triggers.match(types.get(i), keys.get(i));
        if (targets.isEmpty()) {
          continue;
        }
        if (fired >= eventConfig.maxBatchFanout()) {
          tally.fanoutTruncated(1);
          continue;
        }
        fired++;
        ValData nv = newValues.get(i);
        ValData ov = oldValues.get(i);
        records(txn, new EventContext(collection, partition, oid, types.get(i), keys.get(i), version,
            clock.getAsLong(), null, null, wc.depth(), wc.traceparent(), nv == null ? null : nv.getData(),
            ov == null ? null : ov.getData(), null), targets, null);
      }
    }

    /**
     * Adds one record per target that accepts the event to the batch; returns how many were added.
     * Targets whose filter refuses it are counted as filtered out, not matched.
     */
    int records(WriteTxn txn, EventContext ctx, List<CompiledTarget> targets, String nonce) {
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
      if (!dispatcher.depthAllowed(ctx.depth())) {
        tally.depthLimited(accepted);
        return 0;
      }
      Payloads payloads = new Payloads(ctx);
      int added = 0;
      long now = System.currentTimeMillis(); // wall time for the outbox TTL, whatever clock stamps events
      for (int i = 0; i < n; i++) {
        CompiledTarget t = targets.get(i);
        if (accepted < n && !t.accepts(ctx)) {
          continue; // filters are pure: the same verdict as above
        }
        ByteString payload = payloads.forTarget(t);
        if (payload == null) {
          continue; // could not be encoded (counted)
        }
        // the id keeps the target's position in its list, so a filter never shifts another target's id
        String key = t.keyPrefix() + DeterministicInvocationIds.of(ctx, i, nonce);
        OutboxRecord r = OutboxRecord.fresh(key, InvocationEnvelopes.build(ctx, t, payload), now, ack(t));
        if (txn.addOutbox(r)) {
          added++;
          countQueued(ctx.type());
        } else if (dispatcher.config().fullPolicy() == OutboxConfig.FullPolicy.REJECT_WRITES) {
          throw new OutboxFullException("event outbox of " + collection + "/" + partition + " is full ("
              + dispatcher.config().maxBytes() + " bytes, ODGM_OUTBOX_MAX_BYTES); write refused (ODGM_OUTBOX_FULL="
              + "reject-writes)");
        } else {
          tally.dropped(1);
        }
      }
      return added;
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
            PayloadValues pv = ctx.type().isData() ? PayloadValues.of(ctx, t.values(), eventConfig.maxValueBytes())
                : null;
            cuts[v] = pv == null ? 0 : pv.cuts();
            byValues[v] = UnsafeByteOperations.unsafeWrap(codec.encode(ctx, pv)); // fresh array, never mutated
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

    private void countQueued(EventType type) {
      switch (type) {
        case DATA_CREATE -> created++;
        case DATA_UPDATE -> updated++;
        case DATA_DELETE -> deleted++;
        default -> { } // function events are not upstream's emitted.* counters
      }
    }

    @Override
    public void committed(List<OutboxRecord> records, long durableTicket) {
      if (created + updated + deleted > 0) {
        emittedCreate.add(created);
        emittedUpdate.add(updated);
        emittedDelete.add(deleted);
      }
      if (HALT_AFTER_COMMITS > 0 && COMMITS.incrementAndGet() == HALT_AFTER_COMMITS) {
        Runtime.getRuntime().halt(99);
      }
      if (dispatcher != null) {
        dispatcher.committed(records, durableTicket, tally);
      }
    }
  }

  /**
   * Stops this shard's dispatcher, publishing what is queued for up to {@code drainMillis}; true
   * when its thread ended (what was not retired stays in the outbox for the next start).
   */
  public boolean close(long drainMillis) {
    boolean stopped = true;
    if (dispatcher != null) {
      dispatcher.close(java.time.Duration.ofMillis(drainMillis));
      stopped = dispatcher.stopped();
    }
    storage.close();
    return stopped;
  }

  @Override
  public void close() {
    close(5_000);
  }
}
