package dev.oprc.zenoh;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One received publication (put or delete). Immutable value; thread-safe as long as nobody
 * mutates the arrays: {@code payload} and {@code attachment} are handed over without copying and
 * must be treated as read-only.
 *
 * @param keyExpr    the key the value was published on
 * @param payload    the payload bytes (empty for a delete)
 * @param encoding   payload encoding
 * @param kind       put or delete
 * @param timestamp  the timestamp (routers add one to every put), or null
 * @param attachment user attachment bytes, or null
 * @param qos        priority, congestion control and express flag it was sent with
 */
@SuppressWarnings("ArrayRecordComponent") // payloads are handed over without a copy; documented as not to be modified
public record Sample(KeyExpr keyExpr, byte[] payload, Encoding encoding, SampleKind kind,
                     Timestamp timestamp, byte[] attachment, QoS qos) {
    public Sample {
        Objects.requireNonNull(keyExpr, "keyExpr");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(qos, "qos");
    }

    /** The payload decoded as UTF-8. */
    public String payloadAsString() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    public Priority priority() {
        return qos.priority();
    }

    public CongestionControl congestionControl() {
        return qos.congestionControl();
    }

    public boolean express() {
        return qos.express();
    }

    @Override
    public String toString() {
        return "Sample[" + kind + " " + keyExpr + ", " + payload.length + " bytes, " + encoding
                + (timestamp != null ? ", ts " + timestamp : "") + (attachment != null ? ", attachment "
                + attachment.length + " bytes" : "") + ", " + qos + "]";
    }
}
