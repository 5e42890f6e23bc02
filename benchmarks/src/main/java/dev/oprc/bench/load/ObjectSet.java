package dev.oprc.bench.load;

import java.util.HashMap;
import java.util.Map;

/**
 * The object ids a run spreads its calls over ({@code o-0 … o-(n-1)}, object {@code i} in
 * partition {@code i mod partitions}) and, per object, the version the harness last saw
 * acknowledged. At concurrency {@code c}, lane {@code l} owns objects {@code l, l+c, l+2c, …}, so
 * every object has a single writer and its next version is known before the write is sent.
 *
 * <p>Not thread-safe by itself: a lane's state is touched only by that lane's (sequential)
 * calls, and the harness thread resets it between points, after every lane has stopped.
 */
final class ObjectSet {
  private final String[] ids;
  private final int partitions;
  private final Map<String, Integer> index = new HashMap<>();
  private final long[] versions;
  private int[] cursors = new int[0];
  private int concurrency = 1;

  ObjectSet(int count, int partitions) {
    this.ids = new String[count];
    this.partitions = partitions;
    this.versions = new long[count];
    for (int i = 0; i < count; i++) {
      ids[i] = "o-" + i;
      index.put(ids[i], i);
    }
  }

  int size() {
    return ids.length;
  }

  String id(int i) {
    return ids[i];
  }

  int partition(int i) {
    return i % partitions;
  }

  /** The index of object id {@code id}, or -1. Safe from any thread once constructed (read-only map). */
  int indexOf(String id) {
    Integer i = index.get(id);
    return i == null ? -1 : i;
  }

  /** Records the version read after setup; writes continue from it. */
  void setBaseVersion(int i, long version) {
    versions[i] = version;
  }

  long version(int i) {
    return versions[i];
  }

  /** A write of object {@code i} at {@code version} was acknowledged. Called by the owning lane. */
  void acknowledged(int i, long version) {
    versions[i] = version;
  }

  /** Assigns objects to {@code concurrency} lanes; call before a point, with no lane running. */
  void assignLanes(int concurrency) {
    if (concurrency > ids.length) {
      throw new IllegalArgumentException(concurrency + " lanes for " + ids.length + " objects");
    }
    this.concurrency = concurrency;
    this.cursors = new int[concurrency];
  }

  /** The next object of {@code lane}, round-robin over the objects it owns. */
  int next(int lane) {
    int owned = (ids.length - lane + concurrency - 1) / concurrency;
    int k = cursors[lane];
    cursors[lane] = k + 1 == owned ? 0 : k + 1;
    return lane + k * concurrency;
  }
}
