package dev.oprc.zenoh;

/**
 * One encoded network message waiting for the writer thread; {@code data} is false for
 * declarations that travel in order with the data (not counted as puts). Immutable.
 */
@SuppressWarnings("ArrayRecordComponent") // an encoded frame owned by the writer thread once queued; never compared or hashed
record OutMsg(byte[] bytes, boolean reliable, boolean express, boolean data) {
    OutMsg(byte[] bytes, boolean reliable, boolean express) {
        this(bytes, reliable, express, true);
    }
}
