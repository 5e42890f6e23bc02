package dev.oprc.zenoh;

import java.time.Duration;
import java.util.Objects;

/**
 * Options of a {@link Session#get}, mirroring zenoh-java's {@code GetOptions}: query payload,
 * encoding and attachment, target, consolidation and timeout (default 10 s, Zenoh's
 * {@code queries_default_timeout}). Immutable value with withers; thread-safe (arrays are not
 * copied and must not be mutated after use).
 */
@SuppressWarnings("ArrayRecordComponent") // query payload/attachment are handed over without a copy; documented as not to be mutated
public record GetOptions(byte[] payload, Encoding encoding, byte[] attachment, QueryTarget target,
                         ConsolidationMode consolidation, Duration timeout) {
    /** No payload, BEST_MATCHING, AUTO consolidation, 10 s timeout. */
    public static final GetOptions DEFAULT = new GetOptions(null, Encoding.ZENOH_BYTES, null,
            QueryTarget.BEST_MATCHING, ConsolidationMode.AUTO, Duration.ofSeconds(10));

    public GetOptions {
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(consolidation, "consolidation");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative() || timeout.toMillis() > 86_400_000L) {
            throw new IllegalArgumentException("get timeout must be 1 ms..24 h, got " + timeout);
        }
    }

    public static GetOptions defaults() {
        return DEFAULT;
    }

    public GetOptions withPayload(byte[] p) {
        return new GetOptions(p, encoding, attachment, target, consolidation, timeout);
    }

    public GetOptions withEncoding(Encoding e) {
        return new GetOptions(payload, e, attachment, target, consolidation, timeout);
    }

    public GetOptions withAttachment(byte[] a) {
        return new GetOptions(payload, encoding, a, target, consolidation, timeout);
    }

    public GetOptions withTarget(QueryTarget t) {
        return new GetOptions(payload, encoding, attachment, t, consolidation, timeout);
    }

    public GetOptions withConsolidation(ConsolidationMode c) {
        return new GetOptions(payload, encoding, attachment, target, c, timeout);
    }

    public GetOptions withTimeout(Duration d) {
        return new GetOptions(payload, encoding, attachment, target, consolidation, d);
    }
}
