package dev.oprc.odgm.shard;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.ChangePublisher;
import dev.oprc.odgm.events.EventAssembler;
import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.events.EventType;
import dev.oprc.odgm.events.OutboxDispatcher;
import dev.oprc.odgm.events.OutboxStats;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.events.WriteEvents;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjMeta;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.ObjectMetaEnvelope;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.proto.ValueEnvelope;
import dev.oprc.odgm.proto.ValueResponse;
import dev.oprc.odgm.storage.Committed;
import dev.oprc.odgm.storage.ObjectMeta;
import dev.oprc.odgm.storage.ShardStorage;
import dev.oprc.odgm.storage.WriteTxn;
import java.util.ArrayList;
import java.util.HashMap;
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
 * changed, DELETE if it existed and was removed) and reported to the write's {@link WriteEvents},
 * which stages the matching targets' outbox records into the write's batch; entries, metadata and
 * records commit in one atomic batch. Only then are the records handed to the shard's
 * {@link OutboxDispatcher}, still in version order ({@link EventAssembler}). A write never waits
 * for a trigger's target.
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
  public static final String ACK_OPTION = EventAssembler.ACK_OPTION;

  private final String collection;
  private final int partition;
  private final long shardId;
  private final ShardStorage storage;
  private final Ids ids;
  private final EventConfig eventConfig;
  private final OutboxDispatcher dispatcher; // null when events are disabled
  private final EventAssembler events;
  private final UnaryOperator<String> keyRule;

  public ObjectShard(String collection, int partition, long shardId, ShardStorage storage, Ids ids,
      EventConfig eventConfig, OutboxDispatcher dispatcher, LongSupplier clock) {
    this(collection, partition, shardId, storage, ids, eventConfig, dispatcher, clock, false);
  }

  /** {@code ackAll}: every target of this shard asks for an end-to-end acknowledgement. */
  public ObjectShard(String collection, int partition, long shardId, ShardStorage storage, Ids ids,
      EventConfig eventConfig, OutboxDispatcher dispatcher, LongSupplier clock, boolean ackAll) {
    this(collection, partition, shardId, storage, ids, eventConfig, dispatcher, clock, ackAll, null);
  }

  /**
   * {@code changes} (nullable: change streams off): every committed write that changes entries
   * stages one change event into its batch, and the storage hands it, with its seq, to
   * {@code changes} once committed.
   */
  public ObjectShard(String collection, int partition, long shardId, ShardStorage storage, Ids ids,
      EventConfig eventConfig, OutboxDispatcher dispatcher, LongSupplier clock, boolean ackAll,
      ChangePublisher changes) {
    this.collection = Objects.requireNonNull(collection, "collection");
    this.partition = partition;
    this.shardId = shardId;
    this.storage = Objects.requireNonNull(storage, "storage");
    this.ids = Objects.requireNonNull(ids, "ids");
    this.eventConfig = Objects.requireNonNull(eventConfig, "eventConfig");
    this.dispatcher = eventConfig.enabled() ? Objects.requireNonNull(dispatcher, "dispatcher") : null;
    this.events = new EventAssembler(collection, partition, eventConfig, dispatcher, clock, ackAll, changes);
    if (changes != null) {
      storage.onChanges(new dev.oprc.odgm.storage.ChangeSink() {
        @Override
        public void committed(byte[] body, long seq, long ticket) {
          changes.enqueue(collection, partition, body, seq, storage.durability(), ticket);
        }

        @Override
        public void signal(long ticket) {
          changes.signal(storage.durability(), ticket);
        }
      });
    }
    this.keyRule = ids::entryKey;
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

  /** This shard's retained change events (empty unless change streams are on). */
  public dev.oprc.odgm.storage.ChangeLog changeLog() {
    return storage.changeLog();
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
    return events.emitted(type);
  }

  /** Counts an invocation of this partition received again (same id) and not run. */
  public void recordDuplicateSuppressed() {
    if (dispatcher != null) {
      dispatcher.recordDuplicateSuppressed();
    }
  }

  /** Compiles trigger config with this shard's key rule; throws on a bad target or key. */
  private volatile java.util.function.Consumer<ObjectEvent> onTriggers = ev -> { };

  /**
   * Shows every valid trigger configuration a write is about to store to {@code check} (on the
   * writer's thread, before the write; it must not block): the node counts targets it cannot route.
   */
  public void onTriggersStored(java.util.function.Consumer<ObjectEvent> check) {
    this.onTriggers = java.util.Objects.requireNonNull(check, "check");
  }

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
   * {@code ObjectEvent} clears them. Returns the version after the write, once it is durable.
   */
  public long set(String rawObjectId, ObjData obj, WriteContext wc) {
    return commitSet(rawObjectId, obj, wc).awaitDurable();
  }

  /** {@link #set} that returns at commit, with the write's durability for the caller to wait for. */
  public Committed<Long> commitSet(String rawObjectId, ObjData obj, WriteContext wc) {
    return upsert(ids.objectId(rawObjectId), obj, wc);
  }

  /** Like {@link #set} but returns the merged object. */
  public ObjData merge(String rawObjectId, ObjData obj, WriteContext wc) {
    return commitMerge(rawObjectId, obj, wc).awaitDurable();
  }

  /** {@link #merge} that returns at commit, with the write's durability for the caller to wait for. */
  public Committed<ObjData> commitMerge(String rawObjectId, ObjData obj, WriteContext wc) {
    String oid = ids.objectId(rawObjectId);
    Committed<Long> c = upsert(oid, obj, wc);
    return c.withResult(get(oid));
  }

  private Committed<Long> upsert(String oid, ObjData obj, WriteContext wc) {
    Map<String, ValData> updates = normalizeKeys(obj.getEntriesMap());
    TriggerIndex newTriggers = obj.hasEvent() ? compileTriggers(obj.getEvent()) : null;
    if (newTriggers != null) {
      onTriggers.accept(obj.getEvent());
    }
    WriteEvents w = begin(oid, wc);
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
      w.stageData(txn, version, triggers);
      return version;
    });
  }

  /** Writes one entry; returns the version after the write, once it is durable. */
  public long setValue(String rawObjectId, String rawKey, ValData value, WriteContext wc) {
    return commitSetValue(rawObjectId, rawKey, value, wc).awaitDurable();
  }

  /** {@link #setValue} that returns at commit, with the write's durability for the caller to wait for. */
  public Committed<Long> commitSetValue(String rawObjectId, String rawKey, ValData value, WriteContext wc) {
    String oid = ids.objectId(rawObjectId);
    String key = ids.entryKey(rawKey);
    Objects.requireNonNull(value, "value");
    WriteEvents w = begin(oid, wc);
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
      w.stageData(txn, version, triggers);
      return version;
    });
  }

  /** Deletes one entry; false (and no event) when the object or key does not exist. Returns once durable. */
  public boolean deleteValue(String rawObjectId, String rawKey, WriteContext wc) {
    return commitDeleteValue(rawObjectId, rawKey, wc).awaitDurable();
  }

  /** {@link #deleteValue} that returns at commit, with the write's durability for the caller to wait for. */
  public Committed<Boolean> commitDeleteValue(String rawObjectId, String rawKey, WriteContext wc) {
    String oid = ids.objectId(rawObjectId);
    String key = ids.entryKey(rawKey);
    WriteEvents w = begin(oid, wc);
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
      w.stageData(txn, version, before.triggers());
      return true;
    });
  }

  /**
   * Sets {@code values} and deletes {@code deleteKeys} in one write (one version increment).
   * With {@code expectedVersion} (compare-and-set; an absent object has version 0) a mismatch
   * throws {@link VersionMismatchException} and nothing is written or emitted. An empty batch,
   * or one that changes nothing, leaves the version unchanged. Returns the version after, once
   * the write is durable.
   */
  public long batchSetValues(String rawObjectId, Map<String, ValData> values, List<String> deleteKeys,
      Long expectedVersion, WriteContext wc) {
    return commitBatchSetValues(rawObjectId, values, deleteKeys, expectedVersion, wc).awaitDurable();
  }

  /** {@link #batchSetValues} that returns at commit, with the write's durability for the caller to wait for. */
  public Committed<Long> commitBatchSetValues(String rawObjectId, Map<String, ValData> values,
      List<String> deleteKeys, Long expectedVersion, WriteContext wc) {
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
    WriteEvents w = begin(oid, wc);
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
      w.stageData(txn, version, triggers);
      return version;
    });
  }

  /**
   * Deletes the object: one DATA_DELETE per existing entry (in key order), matched against the
   * triggers as they were before the delete. False (and no event) when it does not exist.
   * Returns once the delete is durable.
   */
  public boolean delete(String rawObjectId, WriteContext wc) {
    return commitDelete(rawObjectId, wc).awaitDurable();
  }

  /** {@link #delete} that returns at commit, with the write's durability for the caller to wait for. */
  public Committed<Boolean> commitDelete(String rawObjectId, WriteContext wc) {
    String oid = ids.objectId(rawObjectId);
    WriteEvents w = begin(oid, wc);
    return write(w, txn -> {
      ObjectMeta before = txn.meta();
      if (before == null) {
        return false;
      }
      long version = txn.nextVersion();
      if (w.wantsDataChanges(before.triggers())) {
        for (Map.Entry<String, ValData> e : txn.entries().entrySet()) {
          w.change(e.getKey(), EventType.DATA_DELETE, null, e.getValue());
        }
        w.stageData(txn, version, before.triggers());
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
   * function status attribute. Returns once the event's records are durable.
   */
  public int emitFunctionEvent(String rawObjectId, EventType type, String fnId, byte[] payload, String error,
      String status, String invocationId, WriteContext wc) {
    return commitFunctionEvent(rawObjectId, type, fnId, payload, error, status, invocationId, wc).awaitDurable();
  }

  /** {@link #emitFunctionEvent} that returns at commit, with the write's durability for the caller to wait for. */
  public Committed<Integer> commitFunctionEvent(String rawObjectId, EventType type, String fnId, byte[] payload,
      String error, String status, String invocationId, WriteContext wc) {
    if (type.isData()) {
      throw new IllegalArgumentException("not a function event type: " + type);
    }
    if (dispatcher == null) {
      return Committed.durable(0);
    }
    String oid = ids.objectId(rawObjectId);
    ObjectMeta peek = storage.meta(oid);
    if (peek == null || !events.hasFunctionTargets(peek.triggers(), type, fnId)) {
      return Committed.durable(0); // nothing to write: no lock, no batch
    }
    WriteEvents w = begin(oid, wc);
    return write(w, txn -> {
      ObjectMeta m = txn.meta();
      return m == null ? 0 : w.stageFunction(txn, m.triggers(), type, fnId, payload, error, status, invocationId);
    });
  }

  // ------------------------------------------------------------------ internals

  private WriteEvents begin(String oid, WriteContext wc) {
    return events.begin(oid, wc.depth(), wc.traceparent());
  }

  /** Runs {@code m} as one write of {@code w}'s object; its commit goes to {@code w}. */
  private <R> Committed<R> write(WriteEvents w, ShardStorage.Mutation<R> m) {
    return storage.write(w.objectId(), m, (records, ticket) -> {
      if (HALT_AFTER_COMMITS > 0 && COMMITS.incrementAndGet() == HALT_AFTER_COMMITS) {
        Runtime.getRuntime().halt(99); // before the records reach the dispatcher
      }
      w.committed(records, ticket);
    });
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
  private int applySets(WriteTxn txn, Map<String, ValData> sets, WriteEvents w) {
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
