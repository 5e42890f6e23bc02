package dev.oprc.zenoh;

/**
 * How the replies of a {@link Session#get} are consolidated at the querier (zenoh-java names).
 * {@link #NONE} delivers every reply; {@link #MONOTONIC} delivers a reply unless one with a newer
 * (or equal) timestamp for the same key was already delivered; {@link #LATEST} holds replies back
 * and delivers only the newest per key when the get completes. {@link #AUTO} (default) means
 * {@link #LATEST}, as in Zenoh for selectors without a time range. Error replies are never
 * consolidated. Immutable.
 */
public enum ConsolidationMode {
    AUTO(0),
    NONE(1),
    MONOTONIC(2),
    LATEST(3);

    /** Wire code, fixed by the protocol rather than by declaration order. */
    private final int wire;

    ConsolidationMode(int wire) {
        this.wire = wire;
    }

    /** Wire value: Auto 0, None 1, Monotonic 2, Latest 3. */
    int wire() {
        return wire;
    }

    /** The mode the querier applies ({@link #AUTO} resolved). */
    ConsolidationMode resolved() {
        return this == AUTO ? LATEST : this;
    }
}
