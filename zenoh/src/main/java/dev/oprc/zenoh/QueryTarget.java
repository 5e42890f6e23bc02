package dev.oprc.zenoh;

/**
 * Which queryables a {@link Session#get} reaches (REQUEST Target extension, zenoh-java names).
 * {@link #BEST_MATCHING} (default) lets the routers pick the nearest capable queryables;
 * {@link #ALL} reaches every matching queryable; {@link #ALL_COMPLETE} only complete ones whose
 * key expression covers the whole query. Immutable.
 */
public enum QueryTarget {
    BEST_MATCHING,
    ALL,
    ALL_COMPLETE;

    /** Wire value 0..2. */
    int wire() {
        return ordinal();
    }

    static QueryTarget fromWire(int v) {
        return values()[v];
    }
}
