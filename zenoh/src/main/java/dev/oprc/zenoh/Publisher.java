package dev.oprc.zenoh;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A publisher on one concrete key with fixed {@link PutOptions}, from
 * {@link Session#declarePublisher(KeyExpr, PutOptions)}. It declares the key expression to the
 * router, so every put carries a small numeric id instead of the key string and the router reuses
 * its cached route (markedly faster for repeated puts on the same key). Same delivery semantics
 * as {@link Session#put}. Thread-safe; {@link #close()} is idempotent.
 */
public final class Publisher implements AutoCloseable {
    private final Session session;
    private final KeyExpr keyExpr;
    private final PutOptions options;
    private final AtomicBoolean closed = new AtomicBoolean();

    Publisher(Session session, KeyExpr keyExpr, PutOptions options) {
        this.session = session;
        this.keyExpr = keyExpr;
        this.options = Objects.requireNonNull(options, "options");
    }

    public KeyExpr keyExpr() {
        return keyExpr;
    }

    public PutOptions options() {
        return options;
    }

    /** Publishes {@code payload} with this publisher's options. */
    public void put(byte[] payload) {
        ensureOpen();
        session.put(keyExpr, payload, options);
    }

    /** Publishes with this publisher's options but the given attachment (may be null). */
    public void put(byte[] payload, byte[] attachment) {
        ensureOpen();
        session.put(keyExpr, payload, options.withAttachment(attachment));
    }

    /** Publishes a delete on the key. */
    public void delete() {
        ensureOpen();
        session.delete(keyExpr, options);
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new ZenohException("publisher on '" + keyExpr + "' is closed");
        }
    }

    /** Undeclares the key expression; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && !session.isClosed()) {
            session.undeclareKeyExpr(keyExpr);
        }
    }
}
