package dev.oprc.bench.load;

import java.util.BitSet;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Matches trigger PUTs seen by the subscriber to the writes that caused them, for one point.
 *
 * <p>Method: the generator knows each write's object version before sending it (one writer per
 * object, every write changes the value, so each write bumps the version by one). While the
 * window is open it registers {@code (object, version) → send time}; on the reply it marks the
 * write acknowledged. Each trigger PUT carries the source object id (payload JSON
 * {@code source_object_id}), the version (envelope option {@code odgm-object-version}) and, via
 * the target's {@code req_options}, which of the object's triggers it is ({@code bench-target}).
 * The first arrival of each {@code (object, version, target)} records {@code arrival − send} as
 * the write → trigger latency; repeats count as duplicates. After the drain wait,
 * {@code expected = acknowledged writes × watched triggers} and {@code lost = expected − distinct
 * arrivals for acknowledged writes}. Writes sent before the window opened (warm-up) and arrivals
 * for them are not counted.
 *
 * <p>Thread-safe: one monitor per object, shared by the object's writer lane and the subscriber's
 * callback thread. Memory grows with the writes of one point (a long and three bits per write and
 * target) and is released by {@link #reset}.
 */
final class TriggerTracker {
  private final Slot[] slots;
  private final int targets;
  private final int firstWatched;
  private final Recorder latency = new Recorder(3);
  private final LongAdder matched = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder outside = new LongAdder();
  private volatile boolean open;

  /** What a point's triggers showed after the drain. */
  record Summary(long expected, long received, long duplicates, long outsideWindow, Histogram latencyNanos) {
    long lost() {
      return Math.max(0, expected - received);
    }
  }

  /**
   * Tracks {@code objects} objects with {@code targets} triggers each, of which the subscriber
   * watches targets {@code firstWatched … targets-1}.
   */
  TriggerTracker(int objects, int targets, int firstWatched) {
    this.targets = Math.max(1, targets);
    this.firstWatched = Math.min(Math.max(0, firstWatched), this.targets - 1);
    this.slots = new Slot[objects];
    for (int i = 0; i < objects; i++) {
      slots[i] = new Slot();
    }
  }

  /** Forgets the previous point; call with no lane running. */
  void reset() {
    for (Slot s : slots) {
      synchronized (s) {
        s.clear();
      }
    }
    latency.reset();
    matched.reset();
    duplicates.reset();
    outside.reset();
  }

  void open() {
    open = true;
  }

  /** No write sent from now on is registered. */
  void close() {
    open = false;
  }

  /** Registers a write about to be sent (ignored unless the window is open). */
  void sent(int object, long version, long nanos) {
    if (!open) {
      return;
    }
    Slot s = slots[object];
    synchronized (s) {
      s.register(version, nanos);
    }
  }

  /** The reply to a registered write arrived; a failed write is not expected to trigger. */
  void acknowledged(int object, long version, boolean ok) {
    Slot s = slots[object];
    synchronized (s) {
      int idx = s.indexOf(version);
      if (idx >= 0 && ok) {
        s.acked.set(idx);
      }
    }
  }

  /** A trigger PUT for {@code (object, version, target)} arrived at {@code nanos}. */
  void arrived(int object, long version, int target, long nanos) {
    if (object < 0 || object >= slots.length || target < 0 || target >= targets) {
      outside.increment();
      return;
    }
    Slot s = slots[object];
    long sentAt;
    synchronized (s) {
      int idx = s.indexOf(version);
      if (idx < 0) {
        outside.increment();
        return;
      }
      int bit = idx * targets + target;
      if (s.seen.get(bit)) {
        duplicates.increment();
        return;
      }
      s.seen.set(bit);
      sentAt = s.sendNanos[idx];
    }
    matched.increment();
    latency.recordValue(Math.max(0, nanos - sentAt));
  }

  /** Distinct arrivals matched so far (any registered write); cheap, for the drain loop. */
  long matchedSoFar() {
    return matched.sum();
  }

  /** Expected and received triggers for acknowledged writes, and the latency histogram; call after the drain. */
  Summary summarize() {
    long expected = 0;
    long received = 0;
    for (Slot s : slots) {
      synchronized (s) {
        for (int idx = s.acked.nextSetBit(0); idx >= 0; idx = s.acked.nextSetBit(idx + 1)) {
          expected += watched();
          received += s.seen.get(idx * targets + firstWatched, (idx + 1) * targets).cardinality();
        }
      }
    }
    return new Summary(expected, received, duplicates.sum(), outside.sum(), latency.getIntervalHistogram());
  }

  /** Expected triggers so far (acknowledged registered writes × targets). */
  long expectedSoFar() {
    long n = 0;
    for (Slot s : slots) {
      synchronized (s) {
        n += s.acked.cardinality();
      }
    }
    return n * watched();
  }

  /** Watched targets per write. */
  int watched() {
    return targets - firstWatched;
  }

  /** Registered writes of one object: versions {@code from … from + count - 1}. Guarded by itself. */
  private static final class Slot {
    long from = -1;
    int count;
    long[] sendNanos = new long[0];
    final BitSet acked = new BitSet();
    final BitSet seen = new BitSet();

    void clear() {
      from = -1;
      count = 0;
      sendNanos = new long[0];
      acked.clear();
      seen.clear();
    }

    void register(long version, long nanos) {
      if (from < 0) {
        from = version;
      }
      long idx = version - from;
      if (idx < 0 || idx >= Integer.MAX_VALUE / 64) {
        return;
      }
      if (idx >= sendNanos.length) {
        sendNanos = java.util.Arrays.copyOf(sendNanos, Math.max(16, (int) idx * 2));
      }
      sendNanos[(int) idx] = nanos;
      count = Math.max(count, (int) idx + 1);
    }

    int indexOf(long version) {
      long idx = version - from;
      return from < 0 || idx < 0 || idx >= count || sendNanos[(int) idx] == 0 ? -1 : (int) idx;
    }
  }
}
