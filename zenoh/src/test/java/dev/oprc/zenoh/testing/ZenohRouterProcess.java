package dev.oprc.zenoh.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Zenoh router (eclipse-zenoh 1.10.2, Python binding of the Rust core, i.e. zenohd without
 * plugins) listening on {@code tcp/127.0.0.1:<free port>} (or {@code tls/...}, {@link #startTls}) with
 * multicast scouting off, for interop and end-to-end tests. The router session itself subscribes to the keys given at start
 * and records what it receives ({@link #samples()}, {@link #awaitSamples}); it can also publish
 * ({@link #put}) and count high-rate traffic on {@code bench/**} keys.
 *
 * <pre>{@code
 * try (ZenohRouterProcess router = ZenohRouterProcess.start("oprc/**")) {
 *     try (Session s = Zenoh.open(Config.client(router.endpoint()))) { ... }
 *     router.awaitSamples(1, Duration.ofSeconds(10));
 * }
 * }</pre>
 * Fails with the install hint ({@value PythonZenohProcess#INSTALL_HINT}) if Python Zenoh is missing.
 * Thread-safe.
 */
public final class ZenohRouterProcess extends PythonZenohProcess {
    private final int port;
    private final String protocol;

    private ZenohRouterProcess(int port, String protocol, List<String> args) {
        super(args);
        this.port = port;
        this.protocol = protocol;
    }

    /**
     * Starts a router listening on {@code tls/127.0.0.1:<free port>} with certificate {@code cert}
     * (also its trust root: {@code cert.caCert()}), requiring client certificates from that CA when
     * {@code mtls}; its own session subscribed to {@code subKeys}.
     */
    public static ZenohRouterProcess startTls(TestCertificates.Issued cert, boolean mtls, String... subKeys) {
        int port = freePort();
        List<String> a = new ArrayList<>(List.of("--mode", "router", "--listen", "tls/127.0.0.1:" + port));
        a.addAll(tlsOptions(cert.caCert(), cert, mtls));
        for (String k : subKeys) {
            a.add("--sub");
            a.add(k);
        }
        ZenohRouterProcess r = new ZenohRouterProcess(port, "tls", a);
        r.launch();
        return r;
    }

    /** Starts a router on a free port whose own session subscribes to {@code subKeys}. */
    public static ZenohRouterProcess start(String... subKeys) {
        return start(0, subKeys);
    }

    /**
     * Starts a router on a free port with the given lease in ms (0: Zenoh's default 10 s), its own
     * session subscribed to {@code subKeys}.
     */
    public static ZenohRouterProcess start(long leaseMs, String... subKeys) {
        int port = freePort();
        List<String> a = new ArrayList<>(List.of("--mode", "router", "--listen", "tcp/127.0.0.1:" + port));
        if (leaseMs > 0) {
            a.add("--lease-ms");
            a.add(Long.toString(leaseMs));
        }
        for (String k : subKeys) {
            a.add("--sub");
            a.add(k);
        }
        ZenohRouterProcess r = new ZenohRouterProcess(port, "tcp", a);
        r.launch();
        return r;
    }

    /** A TCP port that was free a moment ago. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    /**
     * The router's endpoint, {@code tcp/127.0.0.1:<port>} ({@code tls/...} for {@link #startTls}), for
     * {@code Config.client(...)} or OPRC_ZENOH_PEERS.
     */
    public String endpoint() {
        return protocol + "/127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }
}
