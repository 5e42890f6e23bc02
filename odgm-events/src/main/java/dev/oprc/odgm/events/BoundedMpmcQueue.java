package dev.oprc.odgm.events;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded, lock-free multi-producer multi-consumer queue of (element, stamp, time) triples
 * (Vyukov's sequence-per-cell ring, any capacity). The {@link OutboxDispatcher} queues each
 * committed {@link OutboxRecord} with its write's durability ticket as the stamp and the commit's
 * {@code System.nanoTime()} as the time. {@code offer} never blocks
 * and never allocates: it fails when the ring is full.
 *
 * <p>Thread-safe.
 *
 * @param <E> the element type
 */
final class BoundedMpmcQueue<E> {
  private final int capacity;
  private final int ringSize;
  private final AtomicLongArray sequence;
  private final AtomicReferenceArray<E> elements;
  private final long[] stamps;
  private final long[] times;
  private final AtomicLong head = new AtomicLong(); // next position to dequeue
  private final AtomicLong tail = new AtomicLong(); // next position to enqueue

  BoundedMpmcQueue(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
    }
    this.capacity = capacity;
    // Vyukov's ring cannot tell "full" from "free" with one cell (a second offer would overwrite
    // the first and wedge the consumer), so a bound of 1 uses two cells plus an explicit check.
    this.ringSize = Math.max(2, capacity);
    this.sequence = new AtomicLongArray(ringSize);
    this.elements = new AtomicReferenceArray<>(ringSize);
    this.stamps = new long[ringSize];
    this.times = new long[ringSize];
    for (int i = 0; i < ringSize; i++) {
      sequence.set(i, i);
    }
  }

  int capacity() {
    return capacity;
  }

  /** Adds {@code element} with {@code stamp} at the tail; false (nothing added) when full. */
  boolean offer(E element, long stamp) {
    return offer(element, stamp, 0);
  }

  /** Adds {@code element} with {@code stamp} and {@code time} at the tail; false (nothing added) when full. */
  boolean offer(E element, long stamp, long time) {
    long pos = tail.get();
    while (true) {
      int idx = (int) (pos % ringSize);
      long seq = sequence.get(idx);
      long dif = seq - pos;
      if (dif == 0) {
        if (ringSize != capacity && pos - head.get() >= capacity) {
          return false; // bound 1: the other cell is still occupied
        }
        if (tail.compareAndSet(pos, pos + 1)) {
          elements.lazySet(idx, element);
          stamps[idx] = stamp;
          times[idx] = time;
          sequence.set(idx, pos + 1); // release: publishes the cell contents
          return true;
        }
        pos = tail.get();
      } else if (dif < 0) {
        return false; // full
      } else {
        pos = tail.get();
      }
    }
  }

  /** Removes the head into {@code sink}; false when empty. */
  boolean poll(Sink<? super E> sink) {
    long pos = head.get();
    while (true) {
      int idx = (int) (pos % ringSize);
      long seq = sequence.get(idx);
      long dif = seq - (pos + 1);
      if (dif == 0) {
        if (head.compareAndSet(pos, pos + 1)) {
          E e = elements.get(idx);
          long stamp = stamps[idx];
          long time = times[idx];
          elements.lazySet(idx, null);
          sequence.set(idx, pos + ringSize);
          sink.accept(e, stamp, time);
          return true;
        }
        pos = head.get();
      } else if (dif < 0) {
        return false; // empty
      } else {
        pos = head.get();
      }
    }
  }

  long size() {
    long s = tail.get() - head.get();
    return s < 0 ? 0 : Math.min(s, capacity);
  }

  /** Receives a polled element, its stamp and its time. */
  @FunctionalInterface
  interface Sink<E> {
    void accept(E element, long stamp, long time);
  }
}
