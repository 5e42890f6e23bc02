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
    AUTO,
    NONE,
    MONOTONIC,
    LATEST;

    /** Wire value: Auto 0, None 1, Monotonic 2, Latest 3. */
    int wire() {
        return ordinal();
    }

    /** The mode the querier applies ({@link #AUTO} resolved). */
    ConsolidationMode resolved() {
        return this == AUTO ? LATEST : this;
    }
}
