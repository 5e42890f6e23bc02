package dev.oprc.odgm.shard;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.CompiledTarget;
import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.events.EventContext;
import dev.oprc.odgm.events.EventDispatcher;
import dev.oprc.odgm.events.EventStats;
import dev.oprc.odgm.events.EventType;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjMeta;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.ObjectMetaEnvelope;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.proto.ValueEnvelope;
import dev.oprc.odgm.proto.ValueResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * One partition of one collection: its objects, their entries, versions and triggers, and the
 * events every mutation emits.
 *
 * <p>Each write is one atomic read-modify-write of the object ({@link ShardStorage#update}), in
 * which the version is incremented, every changed key is classified (CREATE if it did not exist,
 * UPDATE if its value changed, DELETE if it existed and was removed) and the matching triggers
 * are handed to the {@link EventDispatcher} without blocking. Events of one object therefore
 * enter the dispatch queue in version order. A write never waits for, and never fails because
 * of, a trigger.
 *
 * <p>Thread-safe.
 */
public final class ObjectShard implements AutoCloseable {
  private final String collection;
  private final int partition;
  private final long shardId;
  private final ShardStorage storage;
  private final Ids ids;
  private final EventConfig eventConfig;
  private final EventDispatcher dispatcher; // null when events are disabled
  private final LongSupplier clock;
  private final UnaryOperator<String> keyRule;

  public ObjectShard(String collection, int partition, long shardId, ShardStorage storage, Ids ids,
      EventConfig eventConfig, EventDispatcher dispatcher, LongSupplier clock) {
    this.collection = Objects.requireNonNull(collection, "collection");
    this.partition = partition;
    this.shardId = shardId;
    this.storage = Objects.requireNonNull(storage, "storage");
    this.ids = Objects.requireNonNull(ids, "ids");
    this.eventConfig = Objects.requireNonNull(eventConfig, "eventConfig");
    this.dispatcher = eventConfig.enabled() ? Objects.requireNonNull(dispatcher, "dispatcher") : null;
    this.clock = Objects.requireNonNull(clock, "clock");
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

  /** The event counters of this shard's dispatcher (all zero when events are disabled). */
  public EventStats eventStats() {
    return dispatcher == null ? new EventStats(0, 0, 0, 0, 0, 0, 0, 0, 0) : dispatcher.stats();
  }

  /** Compiles trigger config with this shard's key rule; throws on a bad target or key. */
  public TriggerIndex compileTriggers(ObjectEvent event) {
    return TriggerIndex.compile(event, keyRule);
  }

  // ------------------------------------------------------------------ reads

  /** The object with its entries and trigger config. */
  public ObjData get(String rawObjectId) {
    String oid = ids.objectId(rawObjectId);
    return toObjData(oid, live(oid));
  }

  private ObjData toObjData(String oid, StoredObject o) {
    ObjData.Builder b = ObjData.newBuilder()
        .setMetadata(ObjMeta.newBuilder().setClsId(collection).setPartitionId(partition).setObjectId(oid)
            .setObjectVersion(o.version()))
        .putAllEntries(o.entries());
    if (!o.triggers().source().equals(ObjectEvent.getDefaultInstance())) {
      b.setEvent(o.triggers().source());
    }
    return b.build();
  }

  /** The stored object (live) or throws NOT_FOUND. */
  public StoredObject object(String rawObjectId) {
    return live(ids.objectId(rawObjectId));
  }

  /** One entry's value. */
  public ValData getValue(String rawObjectId, String rawKey) {
    return getVersionedValue(rawObjectId, rawKey).getValue();
  }

  /** One entry's value with the object version of the same read (the GetValue response). */
  public ValueResponse getVersionedValue(String rawObjectId, String rawKey) {
    String oid = ids.objectId(rawObjectId);
    String key = ids.entryKey(rawKey);
    StoredObject o = live(oid);
    ValData v = o.entries().get(key);
    if (v == null) {
      throw new NotFoundException("entry '" + key + "' not found on object '" + oid + "'");
    }
    return ValueResponse.newBuilder().setValue(v).setKey(key).setObjectVersion(o.version()).build();
  }

  private StoredObject live(String oid) {
    StoredObject o = storage.get(oid);
    if (o == null || o.tombstone()) {
      throw new NotFoundException("object '" + oid + "' not found in " + collection + "/" + partition);
    }
    return o;
  }

  /** A page of object metadata in id order; the last envelope carries the cursor when more remain. */
  public List<ObjectMetaEnvelope> listObjects(String rawPrefix, String afterExclusive, int limit) {
    String prefix = rawPrefix == null || rawPrefix.isEmpty() ? null : rawPrefix.toLowerCase(java.util.Locale.ROOT);
    int lim = limit <= 0 ? 100 : Math.min(limit, 10_000);
    String after = afterExclusive;
    while (true) {
      List<String> page = storage.listIds(prefix, after, lim + 1);
      boolean more = page.size() > lim;
      List<ObjectMetaEnvelope> out = new ArrayList<>(Math.min(page.size(), lim));
      for (int i = 0; i < Math.min(page.size(), lim); i++) {
        StoredObject o = storage.get(page.get(i));
        if (o != null && o.live()) { // else deleted meanwhile
          out.add(ObjectMetaEnvelope.newBuilder().setObjectId(page.get(i)).setVersion(o.version())
              .setEntryCount(o.entries().size()).build());
        }
      }
      if (!more) {
        return out;
      }
      after = page.get(lim - 1); // resume after the page's last id, even if that object is gone
      if (!out.isEmpty()) {
        int last = out.size() - 1;
        out.set(last, out.get(last).toBuilder().setNextCursor(ByteString.copyFromUtf8(after)).build());
        return out;
      }
    }
  }

  /** A page of an object's entries in key order. */
  public List<ValueEnvelope> listValues(String rawObjectId, String rawPrefix, String afterExclusive, int limit) {
    String oid = ids.objectId(rawObjectId);
    StoredObject o = live(oid);
    String prefix = rawPrefix == null || rawPrefix.isEmpty() ? null : ids.entryKey(rawPrefix);
    int lim = limit <= 0 ? 100 : Math.min(limit, 10_000);
    TreeMap<String, ValData> sorted = new TreeMap<>(o.entries());
    var view = afterExclusive != null ? sorted.tailMap(afterExclusive, false) : sorted;
    List<ValueEnvelope> out = new ArrayList<>();
    for (Map.Entry<String, ValData> e : view.entrySet()) {
      if (prefix != null && !e.getKey().startsWith(prefix)) {
        if (e.getKey().compareTo(prefix) > 0) {
          break;
        }
        continue;
      }
      if (out.size() == lim) {
        ValueEnvelope last = out.get(lim - 1);
        out.set(lim - 1, last.toBuilder().setNextCursor(ByteString.copyFromUtf8(last.getKey())).build());
        break;
      }
      out.add(ValueEnvelope.newBuilder().setKey(e.getKey()).setValue(e.getValue()).setVersion(o.version()).build());
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
    return upsert(rawObjectId, obj, wc).version();
  }

  /** Like {@link #set} but returns the merged object. */
  public ObjData merge(String rawObjectId, ObjData obj, WriteContext wc) {
    return toObjData(ids.objectId(rawObjectId), upsert(rawObjectId, obj, wc));
  }

  private StoredObject upsert(String rawObjectId, ObjData obj, WriteContext wc) {
    String oid = ids.objectId(rawObjectId);
    Map<String, ValData> updates = normalizeKeys(obj.getEntriesMap());
    TriggerIndex newTriggers = obj.hasEvent() ? compileTriggers(obj.getEvent()) : null;
    return storage.update(oid, cur -> {
      boolean exists = cur != null && cur.live();
      Map<String, ValData> before = exists ? cur.entries() : Map.of();
      TriggerIndex triggers = newTriggers != null ? newTriggers : exists ? cur.triggers() : TriggerIndex.EMPTY;
      Changes changes = new Changes();
      Map<String, ValData> after = applySets(before, updates, changes);
      boolean triggersChanged = newTriggers != null
          && (!exists || !obj.getEvent().equals(cur.triggers().source()));
      if (exists && newTriggers != null && !triggersChanged) {
        triggers = cur.triggers(); // same config re-sent: keep the compiled index, no version bump
      }
      boolean changed = !exists || !changes.isEmpty() || triggersChanged;
      if (!changed) {
        return cur;
      }
      long version = (cur == null ? 0 : cur.version()) + 1;
      StoredObject next = new StoredObject(version, false, after, triggers);
      emit(oid, version, triggers, changes, wc);
      return next;
    });
  }

  /** Writes one entry; returns the version after the write. */
  public long setValue(String rawObjectId, String rawKey, ValData value, WriteContext wc) {
    String oid = ids.objectId(rawObjectId);
    String key = ids.entryKey(rawKey);
    Objects.requireNonNull(value, "value");
    return storage.update(oid, cur -> {
      boolean exists = cur != null && cur.live();
      Map<String, ValData> before = exists ? cur.entries() : Map.of();
      ValData old = before.get(key);
      boolean same = value.equals(old);
      if (exists && same && !eventConfig.updateOnSameValue()) {
        return cur;
      }
      Map<String, ValData> after;
      if (same) {
        after = before;
      } else {
        HashMap<String, ValData> m = new HashMap<>(before);
        m.put(key, value);
        after = Collections.unmodifiableMap(m);
      }
      long version = (cur == null ? 0 : cur.version()) + 1;
      TriggerIndex triggers = exists ? cur.triggers() : TriggerIndex.EMPTY;
      if (dispatcher != null && triggers.hasDataTriggers()) {
        EventType type = old == null ? EventType.DATA_CREATE : EventType.DATA_UPDATE;
        submit(oid, version, type, key, triggers, wc);
      }
      return new StoredObject(version, false, after, triggers);
    }).version();
  }

  /** Deletes one entry; false (and no event) when the object or key does not exist. */
  public boolean deleteValue(String rawObjectId, String rawKey, WriteContext wc) {
    String oid = ids.objectId(rawObjectId);
    String key = ids.entryKey(rawKey);
    boolean[] deleted = {false};
    storage.update(oid, cur -> {
      if (cur == null || cur.tombstone() || !cur.entries().containsKey(key)) {
        return cur;
      }
      HashMap<String, ValData> m = new HashMap<>(cur.entries());
      m.remove(key);
      long version = cur.version() + 1;
      if (dispatcher != null) {
        submit(oid, version, EventType.DATA_DELETE, key, cur.triggers(), wc);
      }
      deleted[0] = true;
      return new StoredObject(version, false, Collections.unmodifiableMap(m), cur.triggers());
    });
    return deleted[0];
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
    Set<String> deletes = new HashSet<>();
    for (String k : deleteKeys) {
      String key = ids.entryKey(k);
      if (sets.containsKey(key)) {
        throw new InvalidIdException("entry key '" + key + "' is both set and deleted in one batch");
      }
      deletes.add(key);
    }
    StoredObject result = storage.update(oid, cur -> {
      boolean exists = cur != null && cur.live();
      long current = exists ? cur.version() : 0;
      if (expectedVersion != null && expectedVersion != current) {
        throw new VersionMismatchException(oid, expectedVersion, current);
      }
      Map<String, ValData> before = exists ? cur.entries() : Map.of();
      Changes changes = new Changes();
      Map<String, ValData> after = applySets(before, sets, changes);
      if (!deletes.isEmpty() && exists) {
        HashMap<String, ValData> m = null;
        for (String key : new java.util.TreeSet<>(deletes)) {
          if (after.containsKey(key)) {
            if (m == null) {
              m = new HashMap<>(after);
            }
            m.remove(key);
            changes.add(key, EventType.DATA_DELETE);
          }
        }
        if (m != null) {
          after = Collections.unmodifiableMap(m);
        }
      }
      if (changes.isEmpty()) {
        return cur;
      }
      long version = (cur == null ? 0 : cur.version()) + 1;
      TriggerIndex triggers = exists ? cur.triggers() : TriggerIndex.EMPTY;
      emit(oid, version, triggers, changes, wc);
      return new StoredObject(version, false, after, triggers);
    });
    return result == null ? 0 : result.version();
  }

  /**
   * Deletes the object: one DATA_DELETE per existing entry (in key order), matched against the
   * triggers as they were before the delete. False (and no event) when it does not exist.
   */
  public boolean delete(String rawObjectId, WriteContext wc) {
    String oid = ids.objectId(rawObjectId);
    boolean[] deleted = {false};
    storage.update(oid, cur -> {
      if (cur == null || cur.tombstone()) {
        return cur;
      }
      long version = cur.version() + 1;
      if (dispatcher != null && cur.triggers().hasDataTriggers()) {
        Changes changes = new Changes();
        for (String key : new TreeMap<>(cur.entries()).keySet()) {
          changes.add(key, EventType.DATA_DELETE);
        }
        emit(oid, version, cur.triggers(), changes, wc);
      }
      deleted[0] = true;
      return new StoredObject(version, true, Map.of(), TriggerIndex.EMPTY);
    });
    return deleted[0];
  }

  /**
   * Emits a function event for {@code objectId}: FUNC_COMPLETE with the response payload or
   * FUNC_ERROR with the error text, matched against the object's current func triggers.
   * Returns the number of targets submitted (0 when the object is absent or nothing matches).
   */
  public int emitFunctionEvent(String rawObjectId, EventType type, String fnId, byte[] payload, String error,
      WriteContext wc) {
    if (type.isData()) {
      throw new IllegalArgumentException("not a function event type: " + type);
    }
    if (dispatcher == null) {
      return 0;
    }
    String oid = ids.objectId(rawObjectId);
    StoredObject o = storage.get(oid);
    if (o == null || o.tombstone() || !o.triggers().hasFuncTriggers()) {
      return 0;
    }
    List<CompiledTarget> targets = o.triggers().match(type, fnId);
    if (targets.isEmpty()) {
      return 0;
    }
    EventContext ctx = new EventContext(collection, partition, oid, type, fnId, 0L, clock.getAsLong(), payload, error,
        wc.depth(), wc.traceparent());
    return dispatcher.submit(ctx, targets) ? targets.size() : 0;
  }

  // ------------------------------------------------------------------ internals

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

  private Map<String, ValData> applySets(Map<String, ValData> before, Map<String, ValData> sets, Changes changes) {
    if (sets.isEmpty()) {
      return before;
    }
    HashMap<String, ValData> m = null;
    for (String key : new TreeMap<>(sets).keySet()) {
      ValData value = sets.get(key);
      ValData old = before.get(key);
      if (old == null) {
        changes.add(key, EventType.DATA_CREATE);
      } else if (!old.equals(value)) {
        changes.add(key, EventType.DATA_UPDATE);
      } else {
        if (eventConfig.updateOnSameValue()) {
          changes.add(key, EventType.DATA_UPDATE);
        }
        continue;
      }
      if (m == null) {
        m = new HashMap<>(before);
      }
      m.put(key, value);
    }
    return m == null ? before : Collections.unmodifiableMap(m);
  }

  /** Submits the changed keys' triggers, honouring the fan-out cap; keys past it are counted. */
  private void emit(String oid, long version, TriggerIndex triggers, Changes changes, WriteContext wc) {
    if (dispatcher == null || !triggers.hasDataTriggers()) {
      return;
    }
    int fired = 0;
    long truncated = 0;
    for (int i = 0; i < changes.size(); i++) {
      List<CompiledTarget> targets = triggers.match(changes.type(i), changes.key(i));
      if (targets.isEmpty()) {
        continue;
      }
      if (fired >= eventConfig.maxBatchFanout()) {
        truncated++;
        continue;
      }
      fired++;
      submitTargets(oid, version, changes.type(i), changes.key(i), targets, wc);
    }
    dispatcher.recordFanoutTruncated(truncated);
  }

  private void submit(String oid, long version, EventType type, String key, TriggerIndex triggers, WriteContext wc) {
    List<CompiledTarget> targets = triggers.match(type, key);
    if (!targets.isEmpty()) {
      submitTargets(oid, version, type, key, targets, wc);
    }
  }

  private void submitTargets(String oid, long version, EventType type, String key, List<CompiledTarget> targets,
      WriteContext wc) {
    dispatcher.submit(new EventContext(collection, partition, oid, type, key, version, clock.getAsLong(), null, null,
        wc.depth(), wc.traceparent()), targets);
  }

  /** Changed keys of one write, in key order. */
  private static final class Changes {
    private final List<String> keys = new ArrayList<>(4);
    private final List<EventType> types = new ArrayList<>(4);

    void add(String key, EventType type) {
      keys.add(key);
      types.add(type);
    }

    int size() {
      return keys.size();
    }

    boolean isEmpty() {
      return keys.isEmpty();
    }

    String key(int i) {
      return keys.get(i);
    }

    EventType type(int i) {
      return types.get(i);
    }
  }

  /** Stops this shard's dispatcher, draining queued events for up to {@code drainMillis}. */
  public void close(long drainMillis) {
    if (dispatcher != null) {
      dispatcher.close(java.time.Duration.ofMillis(drainMillis));
    }
  }

  @Override
  public void close() {
    close(5_000);
  }
}
