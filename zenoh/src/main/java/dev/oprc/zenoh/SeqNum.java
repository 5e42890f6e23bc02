package dev.oprc.zenoh;

/**
 * Sequence-number arithmetic for one channel at a negotiated resolution (32-bit resolution uses a
 * 28-bit mask). Not thread-safe: each instance belongs to one reader or writer.
 */
final class SeqNum {
    private final long mask;
    private long value;

    SeqNum(long mask, long initial) {
        if (initial < 0 || initial > mask) {
            throw new IllegalArgumentException("initial sn " + initial + " outside 0.." + mask);
        }
        this.mask = mask;
        this.value = initial;
    }

    /** Mask for a resolution code (2 bits): 0 → 8-bit, 1 → 16-bit, 2 → 32-bit, 3 → 64-bit. */
    static long maskFor(int resolutionCode) {
        return switch (resolutionCode & 0x03) {
            case 0 -> 0x7FL;
            case 1 -> 0x3FFFL;
            case 2 -> 0x0FFF_FFFFL;
            default -> 0xFFFF_FFFFL; // Rust truncates u64::MAX >> 1 to u32
        };
    }

    long mask() {
        return mask;
    }

    long get() {
        return value;
    }

    /** Returns the current value and advances (wrapping at the mask). */
    long getAndIncrement() {
        long v = value;
        value = (value + 1) & mask;
        return v;
    }

    /** Receiver rule: {@code s} is accepted iff it is ahead of the last accepted by 1..mask/2. */
    boolean precedes(long s) {
        long gap = (s - value) & mask;
        return gap != 0 && gap <= mask / 2;
    }

    void set(long s) {
        value = s & mask;
    }
}
