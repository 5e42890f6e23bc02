package dev.oprc.zenoh;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The blocking handler of a {@link Session#get}: a bounded queue of {@link Reply} values filled by
 * the session (never running user code on Zenoh threads) and drained by the application with
 * {@link #poll(Duration)}, {@link #collect(Duration)} or a blocking for-each. The get is
 * {@linkplain #isFinished() finished} when the final arrived from every target or its timeout
 * fired; {@code poll} then returns null once the queue is empty. Replies arriving while the queue
 * is full are dropped and counted ({@link #dropped()}). Thread-safe.
 */
public final class ReplyReceiver implements Iterable<Reply> {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Reply> queue = new ArrayDeque<>();
    private final int capacity;
    private final LongAdder dropped = new LongAdder();
    private boolean finished;

    /** The sink the pending get writes into. */
    final ReplySink sink = new ReplySink() {
        @Override
        public boolean offer(Reply r) {
            return ReplyReceiver.this.offer(r);
        }

        @Override
        public void finish() {
            ReplyReceiver.this.finish();
        }
    };

    ReplyReceiver(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("reply queue capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** Session side: queues a reply, false (counted) when full. */
    boolean offer(Reply r) {
        lock.lock();
        try {
            if (queue.size() >= capacity) {
                dropped.increment();
                return false;
            }
            queue.add(r);
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Session side: the get completed. */
    void finish() {
        lock.lock();
        try {
            finished = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next reply, waiting up to {@code timeout}; null if none arrived in time or the get is
     * finished and every reply was taken (see {@link #isDrained()}).
     */
    public Reply poll(Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        lock.lock();
        try {
            while (queue.isEmpty() && !finished) {
                if (left <= 0) {
                    return null;
                }
                left = changed.awaitNanos(left);
            }
            return queue.poll();
        } finally {
            lock.unlock();
        }
    }

    /** The next reply if one is queued, else null (never waits). */
    public Reply poll() {
        lock.lock();
        try {
            return queue.poll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the get is finished (at most {@code timeout}) and returns every reply not taken
     * yet, in arrival order.
     *
     * @throws ZenohException if the get did not finish within {@code timeout}
     */
    public List<Reply> collect(Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        lock.lock();
        try {
            while (!finished) {
                if (left <= 0) {
                    throw new ZenohException("get not finished within " + timeout.toMillis() + " ms");
                }
                left = changed.awaitNanos(left);
            }
            List<Reply> out = new ArrayList<>(queue);
            queue.clear();
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** True once the final arrived (or the timeout fired); queued replies may remain. */
    public boolean isFinished() {
        lock.lock();
        try {
            return finished;
        } finally {
            lock.unlock();
        }
    }

    /** True once finished and every reply was taken. */
    public boolean isDrained() {
        lock.lock();
        try {
            return finished && queue.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** Replies dropped because the queue was full. */
    public long dropped() {
        return dropped.sum();
    }

    /** Blocking iteration until the get is finished and drained. */
    @Override
    public Iterator<Reply> iterator() {
        return new Iterator<>() {
            private Reply next;

            @Override
            public boolean hasNext() {
                if (next == null) {
                    try {
                        next = poll(Duration.ofDays(1));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
                return next != null;
            }

            @Override
            public Reply next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("get finished");
                }
                Reply r = next;
                next = null;
                return r;
            }
        };
    }

    /** Waits for the final at most {@code timeout}; true if the get finished. */
    public boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        long left = unit.toNanos(timeout);
        lock.lock();
        try {
            while (!finished) {
                if (left <= 0) {
                    return false;
                }
                left = changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
