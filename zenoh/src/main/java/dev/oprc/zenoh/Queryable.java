package dev.oprc.zenoh;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A queryable declared with {@link Session#declareQueryable(KeyExpr, Consumer, boolean)}: every
 * matching query, from this session or from the router, is handed to the handler on the
 * session's bounded query executor ({@code zenoh-query-<zid8>-<n>}), never on a Zenoh I/O
 * thread. Re-declared after every reconnect. Closing is idempotent and undeclares it at the
 * router. Thread-safe.
 */
public final class Queryable implements AutoCloseable {
    private final Session session;
    private final long id;
    private final KeyExpr keyExpr;
    private final boolean complete;
    private final Consumer<Query> handler;
    private final AtomicBoolean closed = new AtomicBoolean();

    Queryable(Session session, long id, KeyExpr keyExpr, boolean complete, Consumer<Query> handler) {
        this.session = session;
        this.id = id;
        this.keyExpr = Objects.requireNonNull(keyExpr, "keyExpr");
        this.complete = complete;
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    public KeyExpr keyExpr() {
        return keyExpr;
    }

    /** True if this queryable answers every key its expression covers (Zenoh's "complete"). */
    public boolean isComplete() {
        return complete;
    }

    public boolean isClosed() {
        return closed.get();
    }

    long id() {
        return id;
    }

    Consumer<Query> handler() {
        return handler;
    }

    /** True if a query with {@code target} on {@code key} is for this queryable. */
    boolean accepts(KeyExpr key, QueryTarget target) {
        if (target == QueryTarget.ALL_COMPLETE) {
            return complete && keyExpr.includes(key);
        }
        return keyExpr.intersects(key);
    }

    /** Undeclares the queryable; queries already handed to the handler still complete. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            session.queries().undeclare(this);
        }
    }

    @Override
    public String toString() {
        return "Queryable[" + id + " " + keyExpr + (complete ? ", complete" : "") + "]";
    }
}
