package dev.oprc.zenoh;

/**
 * One encoded network message waiting for the writer thread; {@code data} is false for
 * declarations that travel in order with the data (not counted as puts). Immutable.
 */
record OutMsg(byte[] bytes, boolean reliable, boolean express, boolean data) {
    OutMsg(byte[] bytes, boolean reliable, boolean express) {
        this(bytes, reliable, express, true);
    }
}
