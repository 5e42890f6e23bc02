package dev.oprc.zenoh;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's callback thread: a bounded queue of (sample, subscribers) deliveries run in order
 * on one named thread, so neither the socket reader nor a publishing caller ever runs user code.
 * Reply callbacks run here too, as tasks: each pending get has at most one task queued at a time
 * (see {@link CallbackReplySink}), so the task queue is bounded by the number of pending gets.
 * Thread-safe.
 */
final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    @SuppressWarnings("ArrayRecordComponent") // a snapshot of the subscribers, only iterated; never compared or hashed
    private record Delivery(Sample sample, Subscriber[] targets) {
    }

    private static final Delivery STOP = new Delivery(null, null);
    private static final Delivery WAKE = new Delivery(null, new Subscriber[0]);

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();

    private final ArrayBlockingQueue<Delivery> queue;
    private final Thread thread;
    private final Session session;
    private volatile boolean stopped;

    Dispatcher(Session session, int capacity, String name) {
        this.session = session;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    boolean onDispatcherThread() {
        return Thread.currentThread() == thread;
    }

    /** Queues a delivery; waits up to {@code waitNanos} (0: never waits). False if it was dropped. */
    boolean offer(Sample s, Subscriber[] targets, long waitNanos) {
        if (stopped) {
            return false;
        }
        Delivery d = new Delivery(s, targets);
        if (waitNanos <= 0 || onDispatcherThread()) {
            return queue.offer(d);
        }
        try {
            return queue.offer(d, waitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs {@code task} on the callback thread soon (never blocks; false once stopped). */
    boolean submit(Runnable task) {
        if (stopped) {
            return false;
        }
        tasks.add(task);
        queue.offer(WAKE); // a full queue is being drained: the tasks run after the next delivery
        return true;
    }

    private void runTasks() {
        Runnable t;
        while ((t = tasks.poll()) != null) {
            try {
                t.run();
            } catch (RuntimeException | Error e) {
                session.callbackErrors.increment();
                LOG.warn("reply callback task threw", e);
            }
        }
    }

    @SuppressWarnings("ReferenceEquality") // STOP is a sentinel instance: identity is the intended test
    private void run() {
        while (true) {
            Delivery d;
            try {
                d = queue.take();
            } catch (InterruptedException e) {
                if (stopped) {
                    return;
                }
                continue;
            }
            if (d == STOP) {
                return;
            }
            runTasks();
            for (Subscriber sub : d.targets()) {
                if (sub.isClosed()) {
                    continue;
                }
                try {
                    sub.deliver(d.sample());
                } catch (RuntimeException | Error e) {
                    session.callbackErrors.increment();
                    LOG.warn("subscriber {} callback threw on {}", sub, d.sample().keyExpr(), e);
                }
            }
            runTasks();
        }
    }

    /** Stops after already-queued deliveries are discarded; waits up to {@code millis} for the thread. */
    void stop(long millis) {
        stopped = true;
        queue.clear();
        tasks.clear();
        if (!queue.offer(STOP)) {
            thread.interrupt();
        }
        if (!onDispatcherThread()) {
            try {
                thread.join(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                thread.interrupt();
            }
        }
    }
}
