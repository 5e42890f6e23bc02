package dev.oprc.zenoh;

/**
 * Malformed, truncated or unsupported bytes received from the wire. The link that produced them
 * is closed (and re-established); the process is never affected. Immutable; thread-safe.
 */
public class ZenohDecodeException extends ZenohException {
    private static final long serialVersionUID = 1L;

    public ZenohDecodeException(String message) {
        super(message);
    }
}
