package dev.oprc.odgm.shard;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;

/**
 * The default {@link ShardStorage}: objects in a {@link ConcurrentHashMap}, whose
 * {@code compute} applies the update function exactly once under a per-bin lock (per-object
 * atomicity without a global lock), plus a sorted index of live ids for listing. A deleted
 * object stays as a small tombstone (empty entries, no triggers) so its version keeps growing
 * when it is re-created.
 *
 * <p>Thread-safe.
 */
public final class InMemoryShardStorage implements ShardStorage {
  private final ConcurrentHashMap<String, StoredObject> objects = new ConcurrentHashMap<>();
  private final ConcurrentSkipListSet<String> ids = new ConcurrentSkipListSet<>();
  private final LongAdder live = new LongAdder();

  @Override
  public StoredObject get(String objectId) {
    return objects.get(objectId);
  }

  @Override
  public StoredObject update(String objectId, UnaryOperator<StoredObject> fn) {
    return objects.compute(objectId, (k, cur) -> {
      StoredObject next = fn.apply(cur);
      boolean wasLive = cur != null && cur.live();
      boolean isLive = next != null && next.live();
      if (wasLive != isLive) {
        if (isLive) {
          live.increment();
        } else {
          live.decrement();
        }
      }
      if (wasLive != isLive) {
        // the listing index holds live objects only, so deleted objects cost listings nothing
        if (isLive) {
          ids.add(k);
        } else {
          ids.remove(k);
        }
      }
      return next;
    });
  }

  @Override
  public List<String> listIds(String prefix, String afterExclusive, int limit) {
    var view = afterExclusive != null ? ids.tailSet(afterExclusive, false)
        : prefix != null ? ids.tailSet(prefix, true) : ids;
    List<String> out = new ArrayList<>(Math.min(limit, 1024));
    for (String id : view) {
      if (prefix != null && !id.startsWith(prefix)) {
        if (id.compareTo(prefix) > 0) {
          break;
        }
        continue;
      }
      StoredObject o = objects.get(id);
      if (o != null && o.live()) {
        out.add(id);
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
}
