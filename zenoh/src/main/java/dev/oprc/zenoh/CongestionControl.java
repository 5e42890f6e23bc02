package dev.oprc.zenoh;

/**
 * What a put does when the outbound queue is full or the session is disconnected.
 * {@link #DROP} never blocks the caller (the message is dropped and counted); {@link #BLOCK}
 * waits up to {@link Config#blockTimeout()} and then throws {@link ZenohException}.
 * Carried on the wire as the QoS "D" bit so routers apply the same policy. Immutable.
 */
public enum CongestionControl {
    DROP,
    BLOCK
}
