package dev.oprc.zenoh;

/**
 * Which queryables a {@link Session#get} reaches (REQUEST Target extension, zenoh-java names).
 * {@link #BEST_MATCHING} (default) lets the routers pick the nearest capable queryables;
 * {@link #ALL} reaches every matching queryable; {@link #ALL_COMPLETE} only complete ones whose
 * key expression covers the whole query. Immutable.
 */
public enum QueryTarget {
    BEST_MATCHING(0),
    ALL(1),
    ALL_COMPLETE(2);

    /** Wire code, fixed by the protocol rather than by declaration order. */
    private final int wire;

    QueryTarget(int wire) {
        this.wire = wire;
    }

    /** Wire value 0..2. */
    int wire() {
        return wire;
    }

    /** The target for wire value {@code v}; the decoder has already checked it is 0..2. */
    static QueryTarget fromWire(int v) {
        for (QueryTarget t : values()) {
            if (t.wire == v) {
                return t;
            }
        }
        throw new IllegalArgumentException("query target wire value must be 0..2, got " + v);
    }
}
