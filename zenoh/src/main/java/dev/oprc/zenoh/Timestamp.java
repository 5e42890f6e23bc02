package dev.oprc.zenoh;

import java.time.Instant;
import java.util.Objects;

/**
 * A Zenoh hybrid-logical-clock timestamp: NTP64 time (upper 32 bits seconds since the UNIX epoch,
 * lower 32 bits fraction) plus the id of the clock that issued it (hex, as Zenoh displays ZIDs).
 * Routers stamp every PUT they forward. Immutable value; thread-safe.
 */
public record Timestamp(long ntp64, String id) {
    public Timestamp {
        Objects.requireNonNull(id, "id");
    }

    /** The time as an {@link Instant} (nanosecond precision, logical counter bits included). */
    public Instant toInstant() {
        long secs = ntp64 >>> 32;
        long frac = ntp64 & 0xFFFF_FFFFL;
        long nanos = (frac * 1_000_000_000L) >>> 32;
        return Instant.ofEpochSecond(secs, nanos);
    }

    /** Zenoh's display form {@code <ntp64 decimal>/<id hex>}. */
    @Override
    public String toString() {
        return Long.toUnsignedString(ntp64) + "/" + id;
    }
}
