package dev.oprc.zenoh;

import java.util.Objects;

/**
 * Options of a put or delete, mirroring zenoh-java's {@code PutOptions}: encoding, congestion
 * control, priority, reliability, express and attachment. Defaults are Zenoh's: zenoh/bytes,
 * DROP, DATA, RELIABLE, not express, no attachment. Immutable value with withers; thread-safe
 * (the attachment array is not copied and must not be mutated after use).
 */
@SuppressWarnings("ArrayRecordComponent") // the attachment is handed over without a copy; documented as not to be mutated
public record PutOptions(Encoding encoding, CongestionControl congestionControl, Priority priority,
                         Reliability reliability, boolean express, byte[] attachment) {
    /** Zenoh defaults. */
    public static final PutOptions DEFAULT = new PutOptions(Encoding.ZENOH_BYTES, CongestionControl.DROP,
            Priority.DATA, Reliability.RELIABLE, false, null);

    public PutOptions {
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(congestionControl, "congestionControl");
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(reliability, "reliability");
    }

    public static PutOptions defaults() {
        return DEFAULT;
    }

    public PutOptions withEncoding(Encoding e) {
        return new PutOptions(e, congestionControl, priority, reliability, express, attachment);
    }

    public PutOptions withCongestionControl(CongestionControl c) {
        return new PutOptions(encoding, c, priority, reliability, express, attachment);
    }

    public PutOptions withPriority(Priority p) {
        return new PutOptions(encoding, congestionControl, p, reliability, express, attachment);
    }

    public PutOptions withReliability(Reliability r) {
        return new PutOptions(encoding, congestionControl, priority, r, express, attachment);
    }

    public PutOptions withExpress(boolean x) {
        return new PutOptions(encoding, congestionControl, priority, reliability, x, attachment);
    }

    public PutOptions withAttachment(byte[] a) {
        return new PutOptions(encoding, congestionControl, priority, reliability, express, a);
    }

    /** The QoS part of these options. */
    public QoS qos() {
        return new QoS(priority, congestionControl, express);
    }
}
