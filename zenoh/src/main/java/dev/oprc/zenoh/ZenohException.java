package dev.oprc.zenoh;

/**
 * Any failure reported by the pure-Java Zenoh client: bad configuration, a closed session, a
 * BLOCK put that could not be queued in time, a failed connection. Immutable; thread-safe.
 */
public class ZenohException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ZenohException(String message) {
        super(message);
    }

    public ZenohException(String message, Throwable cause) {
        super(message, cause);
    }
}
