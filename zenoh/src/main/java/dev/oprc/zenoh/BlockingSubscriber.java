package dev.oprc.zenoh;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A subscription whose samples go into a bounded queue that the application drains with
 * {@link #poll()}, {@link #poll(Duration)} or {@link #take()} on its own threads (the handler form
 * of zenoh-java). Samples arriving while the queue is full are dropped and counted
 * ({@link #dropped()} and {@link SessionStats#subscriberDrops()}); Zenoh I/O threads never wait on it.
 * Thread-safe.
 */
public final class BlockingSubscriber extends Subscriber {
    private final ArrayBlockingQueue<Sample> queue;

    BlockingSubscriber(Session session, long id, KeyExpr keyExpr, int capacity) {
        super(session, id, keyExpr, null);
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    @Override
    boolean direct() {
        return true;
    }

    @Override
    boolean deliver(Sample s) {
        return queue.offer(s);
    }

    /** The next sample, or null if none is queued. */
    public Sample poll() {
        return queue.poll();
    }

    /** The next sample, waiting up to {@code timeout}; null on timeout. */
    public Sample poll(Duration timeout) throws InterruptedException {
        return queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The next sample, waiting as long as needed. */
    public Sample take() throws InterruptedException {
        return queue.take();
    }

    /** Samples currently queued. */
    public int size() {
        return queue.size();
    }
}
