package dev.oprc.zenoh;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A liveliness token from {@link Liveliness#declareToken(KeyExpr)}: while it is open, liveliness
 * gets and subscribers (local and, through the router, remote) see its key as alive; closing it
 * makes subscribers see a DELETE. Re-declared after every reconnect. Thread-safe; close is
 * idempotent.
 */
public final class LivelinessToken implements AutoCloseable {
    private final Liveliness liveliness;
    private final long id;
    private final KeyExpr keyExpr;
    private final AtomicBoolean closed = new AtomicBoolean();

    LivelinessToken(Liveliness liveliness, long id, KeyExpr keyExpr) {
        this.liveliness = liveliness;
        this.id = id;
        this.keyExpr = keyExpr;
    }

    public KeyExpr keyExpr() {
        return keyExpr;
    }

    long id() {
        return id;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Undeclares the token; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            liveliness.undeclare(this);
        }
    }

    @Override
    public String toString() {
        return "LivelinessToken[" + id + " " + keyExpr + "]";
    }
}
