package dev.oprc.zenoh;

/**
 * Zenoh message priority (QoS bits 0-2); lower value = more urgent. {@link #DATA} is the
 * default. Routers apply it on their links; this client carries it in the PUSH QoS extension.
 * Immutable.
 */
public enum Priority {
    REALTIME(1),
    INTERACTIVE_HIGH(2),
    INTERACTIVE_LOW(3),
    DATA_HIGH(4),
    DATA(5),
    DATA_LOW(6),
    BACKGROUND(7);

    private final int value;

    Priority(int value) {
        this.value = value;
    }

    /** Wire value 1..7. */
    public int value() {
        return value;
    }

    /** Priority for a wire value; 0 (Control, internal to Zenoh) maps to {@link #REALTIME}. */
    public static Priority fromValue(int value) {
        if (value == 0) {
            return REALTIME;
        }
        for (Priority p : values()) {
            if (p.value == value) {
                return p;
            }
        }
        throw new IllegalArgumentException("priority value must be 0..7, got " + value);
    }
}
