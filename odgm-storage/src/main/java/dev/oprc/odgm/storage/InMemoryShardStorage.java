package dev.oprc.odgm.storage;

import dev.oprc.odgm.events.DurabilityGate;
import dev.oprc.odgm.events.OutboxRecord;
import dev.oprc.odgm.proto.ValData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * {@link ShardStorage} in the heap ({@code ODGM_STORAGE=memory}): objects in a
 * {@link ConcurrentHashMap} (each an immutable snapshot of metadata and entries packed in one array
 * ({@link PackedEntries}), replaced per write, so reads are consistent without locks), a sorted index of live ids for listing, and the
 * outbox in a sorted map. Nothing survives the process; deleted objects leave nothing behind but
 * their stripe's version floor.
 *
 * <p>Thread-safe.
 */
public final class InMemoryShardStorage extends StripedShardStorage {
  private record Obj(ObjectMeta meta, PackedEntries entries) {}

  private final ConcurrentHashMap<String, Obj> objects = new ConcurrentHashMap<>();
  private final ConcurrentSkipListMap<String, Boolean> ids = new ConcurrentSkipListMap<>();
  private final ConcurrentSkipListMap<Long, OutboxRecord> outbox = new ConcurrentSkipListMap<>();
  private final LongAdder live = new LongAdder();
  /** The change log: event bodies by seq. */
  private final ConcurrentSkipListMap<Long, byte[]> changes = new ConcurrentSkipListMap<>();
  private final java.util.concurrent.atomic.AtomicLong changeBytes = new java.util.concurrent.atomic.AtomicLong();
  private final ChangeLog changeLog = new MemoryChangeLog();

  /** A store whose outbox holds at most {@code outboxMaxBytes}. */
  public InMemoryShardStorage(long outboxMaxBytes) {
    super(outboxMaxBytes);
  }

  @Override
  public ObjectMeta meta(String objectId) {
    Obj o = objects.get(objectId);
    return o == null ? null : o.meta;
  }

  @Override
  public ValData entry(String objectId, String key) {
    Obj o = objects.get(objectId);
    return o == null ? null : o.entries.get(key);
  }

  @Override
  public EntryRead read(String objectId, String key) {
    Obj o = objects.get(objectId);
    return o == null ? null : new EntryRead(o.meta, o.entries.get(key));
  }

  @Override
  public ObjectView view(String objectId) {
    Obj o = objects.get(objectId);
    return o == null ? null : new ObjectView(o.meta, o.entries.toSortedMap());
  }

  @Override
  public List<Map.Entry<String, ValData>> entries(String objectId, String prefix, String after, int limit) {
    Obj o = objects.get(objectId);
    if (o == null) {
      return List.of();
    }
    return Pages.page(o.entries.toSortedMap(), prefix, after, limit);
  }

  @Override
  public List<Map.Entry<String, ObjectMeta>> list(String prefix, String after, int limit) {
    List<Map.Entry<String, ObjectMeta>> out = new ArrayList<>();
    for (String id : Pages.tail(ids, prefix, after).keySet()) {
      if (prefix != null && !id.startsWith(prefix)) {
        break;
      }
      Obj o = objects.get(id);
      if (o != null) {
        out.add(Map.entry(id, o.meta));
        if (out.size() >= limit) {
          break;
        }
      }
    }
    return out;
  }

  @Override
  public long count() {
    return live.sum();
  }

  @Override
  ObjectMeta loadMeta(String objectId) {
    return meta(objectId);
  }

  @Override
  ValData loadEntry(String objectId, String key) {
    return entry(objectId, key);
  }

  @Override
  SortedMap<String, ValData> loadEntries(String objectId) {
    Obj o = objects.get(objectId);
    return o == null ? new TreeMap<>() : o.entries.toSortedMap();
  }

  @Override
  long commit(String objectId, Staged w, int stripe, long floor) {
    if (w.deleteVersion > 0) {
      if (objects.remove(objectId) != null) {
        ids.remove(objectId);
        live.decrement();
      }
    } else if (w.after != null) {
      Obj cur = objects.get(objectId);
      PackedEntries entries = (cur == null ? PackedEntries.EMPTY : cur.entries).with(w.puts, w.removes);
      objects.put(objectId, new Obj(w.after, entries));
      if (cur == null) {
        ids.put(objectId, Boolean.TRUE);
        live.increment();
      }
    }
    for (OutboxRecord r : w.records) { // after the object: a scan never sees a record before its write
      outbox.put(r.seq(), r);
    }
    if (w.change != null) {
      changes.put(w.changeSeq, w.change);
      changeBytes.addAndGet(w.change.length);
    }
    return 0;
  }

  @Override
  public ChangeLog changeLog() {
    return changeLog;
  }

  /** The change log in the heap: what the skip list holds. */
  private final class MemoryChangeLog implements ChangeLog {
    @Override
    public long lastSeq() {
      return lastChangeSeq();
    }

    @Override
    public long durableSeq() {
      return lastChangeSeq();
    }

    @Override
    public long oldestSeq() {
      long last = lastChangeSeq(); // first: an event committed after it is not "retained" yet
      Map.Entry<Long, byte[]> e = changes.firstEntry();
      return e == null || e.getKey() > last ? last + 1 : e.getKey();
    }

    @Override
    public int scan(long afterSeq, long throughSeq, int max, Visitor v) {
      int n = 0;
      for (Map.Entry<Long, byte[]> e : changes.subMap(afterSeq, false, throughSeq, true).entrySet()) {
        if (n >= max) {
          break;
        }
        n++;
        if (!v.visit(e.getKey(), e.getValue())) {
          break;
        }
      }
      return n;
    }

    @Override
    public void trimThrough(long seq) {
      Map.Entry<Long, byte[]> e;
      while ((e = changes.firstEntry()) != null && e.getKey() <= seq) {
        if (changes.remove(e.getKey(), e.getValue())) {
          changeBytes.addAndGet(-e.getValue().length);
        }
      }
    }

    @Override
    public long approximateBytes() {
      return changeBytes.get();
    }
  }

  @Override
  public DurabilityGate durability() {
    return DurabilityGate.IMMEDIATE;
  }

  @Override
  int delete(long[] seqs, int n) {
    int removed = 0;
    for (int i = 0; i < n; i++) {
      if (outbox.remove(seqs[i]) != null) {
        removed++;
      }
    }
    return removed;
  }

  @Override
  public int scan(long afterSeq, int max, Consumer<OutboxRecord> sink) {
    int n = 0;
    for (OutboxRecord r : outbox.tailMap(afterSeq, false).values()) {
      if (n >= max) {
        break;
      }
      sink.accept(r);
      n++;
    }
    return n;
  }

  @Override
  public void makeDurable() {}

  @Override
  public long oldestCreatedAtMillis() {
    Map.Entry<Long, OutboxRecord> e = outbox.firstEntry();
    return e == null ? -1 : e.getValue().createdAtMillis();
  }

  @Override
  public void close() {}
}
