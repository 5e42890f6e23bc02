package dev.oprc.zenoh;

/** Channel a message travels on (FRAME R flag): reliable or best-effort. Immutable. */
public enum Reliability {
    BEST_EFFORT,
    RELIABLE
}
