package dev.oprc.zenoh;

import java.util.function.Consumer;

/**
 * A liveliness subscriber from {@link Liveliness#declareSubscriber(KeyExpr, Consumer, boolean)}:
 * its callback gets a PUT sample (empty payload) when a matching token appears and a DELETE when
 * it goes, on the session's callback thread. Thread-safe; close is idempotent.
 */
public final class LivelinessSubscriber extends Subscriber {
    private final Liveliness liveliness;
    private final boolean history;

    LivelinessSubscriber(Session session, Liveliness liveliness, long id, KeyExpr keyExpr, Consumer<Sample> callback,
                         boolean history) {
        super(session, id, keyExpr, callback);
        this.liveliness = liveliness;
        this.history = history;
    }

    boolean history() {
        return history;
    }

    /** Stops the subscription (sends INTEREST Final to the router); idempotent. */
    @Override
    public void close() {
        if (!isClosed()) {
            markClosed();
            liveliness.undeclare(this);
        }
    }
}
