package dev.oprc.zenoh;

import java.util.Objects;

/**
 * Entry point of the pure-Java Zenoh 1.x client (no JNI): {@code Zenoh.open(Config.localOnly())},
 * {@code Zenoh.open(Config.client("tcp/127.0.0.1:7447"))} or
 * {@code Zenoh.open(Config.fromEnv(System.getenv()))}. Stateless; thread-safe.
 */
public final class Zenoh {
    private Zenoh() {
    }

    /**
     * Opens a session. With endpoints it connects in client mode and, unless
     * {@link Config#connectTimeout()} is zero, waits for the first connection (failing with a
     * {@link ZenohException} naming the endpoints if {@link Config#failOnConnectTimeout()}).
     */
    public static Session open(Config config) {
        Session s = new Session(Objects.requireNonNull(config, "config"));
        s.start();
        return s;
    }
}
