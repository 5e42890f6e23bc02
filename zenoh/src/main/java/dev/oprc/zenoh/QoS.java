package dev.oprc.zenoh;

import java.util.Objects;

/**
 * Quality of service a sample was sent with (decoded from the PUSH QoS extension).
 * Immutable value; thread-safe.
 */
public record QoS(Priority priority, CongestionControl congestionControl, boolean express) {
    /** The Zenoh default: DATA priority, DROP, not express. */
    public static final QoS DEFAULT = new QoS(Priority.DATA, CongestionControl.DROP, false);

    public QoS {
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(congestionControl, "congestionControl");
    }

    /** The one-byte wire form: bits 0-2 priority, bit 3 block, bit 4 express. */
    int toWire() {
        return priority.value() | (congestionControl == CongestionControl.BLOCK ? 0x08 : 0)
                | (express ? 0x10 : 0);
    }

    static QoS fromWire(int b) {
        if (b == 0x05) {
            return DEFAULT;
        }
        return new QoS(Priority.fromValue(b & 0x07),
                (b & 0x08) != 0 ? CongestionControl.BLOCK : CongestionControl.DROP, (b & 0x10) != 0);
    }
}
