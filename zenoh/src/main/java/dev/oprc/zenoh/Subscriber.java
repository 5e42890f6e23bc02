package dev.oprc.zenoh;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A subscription declared with {@link Session#declareSubscriber(KeyExpr, Consumer)}: the callback
 * receives every matching sample, local or remote, on the session's single callback thread
 * ({@code zenoh-callbacks-<zid8>}), in arrival order. Callbacks must not block for long: while one
 * runs, other samples wait in the bounded delivery queue (overflow is dropped and counted). A
 * callback may call {@link Session#put} (local re-delivery never blocks it) and may close
 * subscribers. Closing is idempotent and undeclares the subscription at the router.
 * Thread-safe.
 */
public class Subscriber implements AutoCloseable {
    private final Session session;
    private final long id;
    private final KeyExpr keyExpr;
    private final Consumer<Sample> callback;
    private final AtomicBoolean closed = new AtomicBoolean();
    final LongAdder dropped = new LongAdder();

    Subscriber(Session session, long id, KeyExpr keyExpr, Consumer<Sample> callback) {
        this.session = session;
        this.id = id;
        this.keyExpr = Objects.requireNonNull(keyExpr, "keyExpr");
        this.callback = callback;
    }

    /** The subscribed key expression. */
    public KeyExpr keyExpr() {
        return keyExpr;
    }

    /** Samples that could not be delivered to this subscriber because a bounded queue was full. */
    public long dropped() {
        return dropped.sum();
    }

    public boolean isClosed() {
        return closed.get();
    }

    long id() {
        return id;
    }

    /** True if delivery is a non-blocking queue offer that may run on any thread. */
    boolean direct() {
        return false;
    }

    /** Delivers on the callback thread (or, for {@link #direct()} subscribers, the caller's thread). */
    boolean deliver(Sample s) {
        callback.accept(s);
        return true;
    }

    void markClosed() {
        closed.set(true);
    }

    /** Undeclares the subscription; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            session.undeclare(this);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + id + " " + keyExpr + "]";
    }
}
