package dev.oprc.zenoh;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of a {@link Session}: mode, router endpoints ({@code tcp/host:port} or
 * {@code tls/host:port}, see {@link TlsConfig}), lease,
 * batch size, reconnect backoff, queue bounds. Build with {@link #builder()}, {@link #localOnly()}
 * or {@link #fromEnv(Map)}. An empty endpoint list is a valid local-only session (puts are
 * delivered to the session's own subscribers, nothing goes to the network). Every value is
 * validated on construction; a bad value is a {@link ZenohException} naming it.
 * Immutable value; thread-safe.
 *
 * @param mode                   client or peer (peer connects as a client, see {@link Mode})
 * @param endpoints              each {@code tcp/host:port} or {@code tls/host:port}: client, routers tried
 *                               in order (one link);
 *                               peer, peers and routers all dialed (one link each)
 * @param lease                  lease announced to the router; keep-alives are sent every lease/4
 * @param batchSize              proposed batch size in bytes (incl. 2-byte length), 1024..65535
 * @param reconnectInitial       first reconnect delay (doubles after every failed attempt)
 * @param reconnectMax           maximum reconnect delay
 * @param connectTimeout         how long {@link Zenoh#open} waits for the first connection
 *                               (zero: do not wait, connect in the background)
 * @param failOnConnectTimeout   if true, open fails when no router is reachable within connectTimeout;
 *                               if false, open returns and the session keeps retrying
 * @param blockTimeout           bound on how long a BLOCK put waits for link or queue space
 * @param outboundQueueCapacity  messages queued for the writer thread (bounded)
 * @param deliveryQueueCapacity  samples queued for the callback thread (bounded)
 * @param maxMessageSize         largest message accepted or sent (fragment reassembly bound)
 * @param listenPort             peer mode only: TCP port the session accepts peers and routers on
 *                               (0 = any free port, see {@link Session#listenPort()}); -1 = no listener
 * @param listenHost             address the listener binds ({@code 0.0.0.0} = every interface)
 * @param listenProtocol         {@code tcp} or {@code tls}: the protocol of the peer listener
 * @param tls                    certificates and keys for {@code tls/} endpoints and a tls listener
 */
public record Config(Mode mode, List<String> endpoints, Duration lease, int batchSize,
                     Duration reconnectInitial, Duration reconnectMax, Duration connectTimeout,
                     boolean failOnConnectTimeout, Duration blockTimeout, int outboundQueueCapacity,
                     int deliveryQueueCapacity, int maxMessageSize, int listenPort, String listenHost,
                     String listenProtocol, TlsConfig tls) {

    public Config {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(listenHost, "listenHost");
        Objects.requireNonNull(tls, "tls");
        if (!"tcp".equals(listenProtocol) && !"tls".equals(listenProtocol)) {
            throw new ZenohException("listenProtocol must be tcp or tls, got '" + listenProtocol + "'");
        }
        if (listenPort < -1 || listenPort > 65535) {
            throw new ZenohException("listenPort must be -1 (none) or 0..65535, got " + listenPort);
        }
        if (listenPort >= 0 && mode != Mode.PEER) {
            throw new ZenohException("only a peer listens: listenPort " + listenPort + " needs mode PEER, got "
                    + mode);
        }
        endpoints = List.copyOf(Objects.requireNonNull(endpoints, "endpoints"));
        boolean dialsTls = false;
        for (String e : endpoints) {
            dialsTls |= Endpoint.parse(e).tls();
        }
        tls.requireFor(dialsTls, listenPort >= 0 && "tls".equals(listenProtocol));
        requirePositive("lease", lease);
        if (lease.toMillis() < 100 || lease.toMillis() > 3_600_000) {
            throw new ZenohException("lease must be between 100 ms and 1 h, got " + lease.toMillis() + " ms");
        }
        if (batchSize < 1024 || batchSize > 65535) {
            throw new ZenohException("batchSize must be 1024..65535, got " + batchSize);
        }
        requirePositive("reconnectInitial", reconnectInitial);
        requirePositive("reconnectMax", reconnectMax);
        if (reconnectMax.compareTo(reconnectInitial) < 0) {
            throw new ZenohException("reconnectMax (" + reconnectMax.toMillis()
                    + " ms) must be >= reconnectInitial (" + reconnectInitial.toMillis() + " ms)");
        }
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative()) {
            throw new ZenohException("connectTimeout must not be negative, got " + connectTimeout);
        }
        requirePositive("blockTimeout", blockTimeout);
        if (outboundQueueCapacity < 1 || outboundQueueCapacity > 1 << 22) {
            throw new ZenohException("outboundQueueCapacity must be 1..4194304, got " + outboundQueueCapacity);
        }
        if (deliveryQueueCapacity < 1 || deliveryQueueCapacity > 1 << 22) {
            throw new ZenohException("deliveryQueueCapacity must be 1..4194304, got " + deliveryQueueCapacity);
        }
        if (maxMessageSize < 65536 || maxMessageSize > 1 << 30) {
            throw new ZenohException("maxMessageSize must be 64 KiB..1 GiB, got " + maxMessageSize);
        }
    }

    /** True when the peer listener speaks TLS. */
    public boolean listensTls() {
        return "tls".equals(listenProtocol);
    }

    private static void requirePositive(String name, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new ZenohException(name + " must be a positive duration, got " + d);
        }
    }

    /** A builder with Zenoh's defaults and no endpoints (local-only). */
    public static Builder builder() {
        return new Builder();
    }

    /** A local-only session configuration (no network). */
    public static Config localOnly() {
        return builder().build();
    }

    /**
     * A peer listening on {@code port} of every interface (0: any free port) and connecting to the
     * given peers or routers, other settings default.
     */
    public static Config peer(int port, String... endpoints) {
        return builder().mode(Mode.PEER).listenPort(port).endpoints(List.of(endpoints)).build();
    }

    /** A client connecting to the given endpoints, other settings default. */
    public static Config client(String... endpoints) {
        return builder().mode(Mode.CLIENT).endpoints(List.of(endpoints)).build();
    }

    /** A builder initialised from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.mode = mode;
        b.endpoints = new ArrayList<>(endpoints);
        b.lease = lease;
        b.batchSize = batchSize;
        b.reconnectInitial = reconnectInitial;
        b.reconnectMax = reconnectMax;
        b.connectTimeout = connectTimeout;
        b.failOnConnectTimeout = failOnConnectTimeout;
        b.blockTimeout = blockTimeout;
        b.outboundQueueCapacity = outboundQueueCapacity;
        b.deliveryQueueCapacity = deliveryQueueCapacity;
        b.maxMessageSize = maxMessageSize;
        b.listenPort = listenPort;
        b.listenHost = listenHost;
        b.listenProtocol = listenProtocol;
        b.tls = tls;
        return b;
    }

    /**
     * Reads the upstream OPRC Zenoh variables (oprc-upstream.md §6) plus a few Java-client ones.
     * <ul>
     * <li>{@code OPRC_ZENOH_PEERS}: comma-separated {@code tcp/host:port} endpoints (empty/unset: local-only)</li>
     * <li>{@code OPRC_ZENOH_MODE}: {@code client} (default) or {@code peer} (listens on
     *     {@code OPRC_ZENOH_PORT} and connects to the peers); {@code router} is rejected</li>
     * <li>{@code OPRC_ZENOH_PROTOCOL}: {@code tcp} (default) or {@code tls}, the peer listener's protocol</li>
     * <li>{@code OPRC_ZENOH_TLS_ROOT_CA_CERTIFICATE}, {@code OPRC_ZENOH_TLS_LISTEN_CERTIFICATE},
     *     {@code OPRC_ZENOH_TLS_LISTEN_PRIVATE_KEY}, {@code OPRC_ZENOH_TLS_CONNECT_CERTIFICATE},
     *     {@code OPRC_ZENOH_TLS_CONNECT_PRIVATE_KEY}: PEM files ({@link TlsConfig}; read when the session
     *     opens), {@code OPRC_ZENOH_TLS_ENABLE_MTLS}, {@code OPRC_ZENOH_TLS_VERIFY_NAME_ON_CONNECT}:
     *     {@code true} or {@code false}</li>
     * <li>{@code OPRC_ZENOH_PORT}: 0..65535, the port a peer listens on (default 0: any free port);
     *     checked but unused by a client</li>
     * <li>{@code OPRC_ZENOH_BUFFER_SIZE}: batch size in bytes (1024..65535)</li>
     * <li>{@code OPRC_ZENOH_LEASE_MS}, {@code OPRC_ZENOH_RECONNECT_INITIAL_MS}, {@code OPRC_ZENOH_RECONNECT_MAX_MS},
     *     {@code OPRC_ZENOH_CONNECT_TIMEOUT_MS}, {@code OPRC_ZENOH_BLOCK_TIMEOUT_MS}: durations in ms</li>
     * <li>{@code OPRC_ZENOH_TX_QUEUE}, {@code OPRC_ZENOH_DELIVERY_QUEUE}: queue capacities</li>
     * </ul>
     * Other upstream variables (gossip, scouting, linkstate, max sessions/links, config file) concern
     * a full Zenoh runtime and are ignored.
     *
     * @throws ZenohException naming the variable and the bad value
     */
    public static Config fromEnv(Map<String, String> env) {
        Builder b = builder();
        String mode = trimmed(env, "OPRC_ZENOH_MODE");
        if (mode != null) {
            switch (mode.toLowerCase(Locale.ROOT)) {
                case "client" -> b.mode(Mode.CLIENT);
                case "peer" -> b.mode(Mode.PEER);
                case "router" -> throw new ZenohException("OPRC_ZENOH_MODE=router is not supported by the pure-Java"
                        + " Zenoh client (it does not route for others); use client or peer");
                default -> throw new ZenohException("OPRC_ZENOH_MODE must be client or peer, got '" + mode + "'");
            }
        }
        String proto = trimmed(env, "OPRC_ZENOH_PROTOCOL");
        if (proto != null && !proto.equalsIgnoreCase("tcp") && !proto.equalsIgnoreCase("tls")) {
            throw new ZenohException("OPRC_ZENOH_PROTOCOL must be tcp or tls, got '" + proto + "'");
        }
        if (proto != null) {
            b.listenProtocol(proto.toLowerCase(Locale.ROOT));
        }
        String port = trimmed(env, "OPRC_ZENOH_PORT");
        if (port != null) {
            long p = parseLong("OPRC_ZENOH_PORT", port);
            if (p < 0 || p > 65535) {
                throw new ZenohException("OPRC_ZENOH_PORT must be 0..65535, got '" + port + "'");
            }
        }
        if (b.mode == Mode.PEER) {
            b.listenPort(port == null ? 0 : Integer.parseInt(port));
        }
        String peers = trimmed(env, "OPRC_ZENOH_PEERS");
        if (peers != null) {
            List<String> eps = new ArrayList<>();
            for (String p : peers.split(",", -1)) {
                String e = p.trim();
                if (e.isEmpty()) {
                    continue;
                }
                try {
                    Endpoint.parse(e);
                } catch (ZenohException ex) {
                    throw new ZenohException("OPRC_ZENOH_PEERS: " + ex.getMessage(), ex);
                }
                eps.add(e);
            }
            b.endpoints(eps);
        }
        String buf = trimmed(env, "OPRC_ZENOH_BUFFER_SIZE");
        if (buf != null) {
            long v = parseLong("OPRC_ZENOH_BUFFER_SIZE", buf);
            if (v < 1024 || v > 65535) {
                throw new ZenohException("OPRC_ZENOH_BUFFER_SIZE must be 1024..65535, got '" + buf + "'");
            }
            b.batchSize((int) v);
        }
        Duration d;
        if ((d = millis(env, "OPRC_ZENOH_LEASE_MS")) != null) {
            b.lease(d);
        }
        if ((d = millis(env, "OPRC_ZENOH_RECONNECT_INITIAL_MS")) != null) {
            b.reconnectInitial(d);
        }
        if ((d = millis(env, "OPRC_ZENOH_RECONNECT_MAX_MS")) != null) {
            b.reconnectMax(d);
        }
        if ((d = millis(env, "OPRC_ZENOH_CONNECT_TIMEOUT_MS")) != null) {
            b.connectTimeout(d);
        }
        if ((d = millis(env, "OPRC_ZENOH_BLOCK_TIMEOUT_MS")) != null) {
            b.blockTimeout(d);
        }
        String q = trimmed(env, "OPRC_ZENOH_TX_QUEUE");
        if (q != null) {
            b.outboundQueueCapacity(intVar("OPRC_ZENOH_TX_QUEUE", q));
        }
        q = trimmed(env, "OPRC_ZENOH_DELIVERY_QUEUE");
        if (q != null) {
            b.deliveryQueueCapacity(intVar("OPRC_ZENOH_DELIVERY_QUEUE", q));
        }
        try {
            return b.tls(tlsFromEnv(env)).build();
        } catch (ZenohException e) {
            throw new ZenohException("invalid Zenoh configuration from environment: " + e.getMessage(), e);
        }
    }

    private static TlsConfig tlsFromEnv(Map<String, String> env) {
        String p = "OPRC_ZENOH_TLS_";
        return TlsConfig.builder().rootCaCertificate(path(env, p + "ROOT_CA_CERTIFICATE"))
                .listen(path(env, p + "LISTEN_CERTIFICATE"), path(env, p + "LISTEN_PRIVATE_KEY"))
                .connect(path(env, p + "CONNECT_CERTIFICATE"), path(env, p + "CONNECT_PRIVATE_KEY"))
                .enableMtls(flag(env, p + "ENABLE_MTLS", false))
                .verifyNameOnConnect(flag(env, p + "VERIFY_NAME_ON_CONNECT", true)).build();
    }

    private static java.nio.file.Path path(Map<String, String> env, String name) {
        String v = trimmed(env, name);
        try {
            return v == null ? null : java.nio.file.Path.of(v);
        } catch (java.nio.file.InvalidPathException e) {
            throw new ZenohException(name + " is not a file path: '" + v + "'", e);
        }
    }

    private static boolean flag(Map<String, String> env, String name, boolean dflt) {
        String v = trimmed(env, name);
        if (v == null) {
            return dflt;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw new ZenohException(name + " must be true or false, got '" + v + "'");
        };
    }

    private static String trimmed(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null) {
            return null;
        }
        v = v.trim();
        return v.isEmpty() ? null : v;
    }

    private static long parseLong(String name, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ZenohException(name + " must be an integer, got '" + v + "'");
        }
    }

    private static int intVar(String name, String v) {
        long l = parseLong(name, v);
        if (l < 1 || l > Integer.MAX_VALUE) {
            throw new ZenohException(name + " must be a positive integer, got '" + v + "'");
        }
        return (int) l;
    }

    private static Duration millis(Map<String, String> env, String name) {
        String v = trimmed(env, name);
        if (v == null) {
            return null;
        }
        long ms = parseLong(name, v);
        if (ms < 0) {
            throw new ZenohException(name + " must not be negative, got '" + v + "'");
        }
        return Duration.ofMillis(ms);
    }

    /** Mutable builder for {@link Config}; not thread-safe. */
    public static final class Builder {
        private Mode mode = Mode.CLIENT;
        private List<String> endpoints = new ArrayList<>();
        private Duration lease = Duration.ofSeconds(10);
        private int batchSize = 65535;
        private Duration reconnectInitial = Duration.ofSeconds(1);
        private Duration reconnectMax = Duration.ofSeconds(4);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private boolean failOnConnectTimeout = true;
        private Duration blockTimeout = Duration.ofSeconds(5);
        private int outboundQueueCapacity = 16384;
        private int deliveryQueueCapacity = 65536;
        private int maxMessageSize = 64 << 20;
        private int listenPort = -1;
        private String listenHost = "0.0.0.0";
        private String listenProtocol = "tcp";
        private TlsConfig tls = TlsConfig.DEFAULT;

        private Builder() {
        }

        public Builder mode(Mode m) {
            this.mode = m;
            return this;
        }

        public Builder endpoints(List<String> eps) {
            this.endpoints = new ArrayList<>(eps);
            return this;
        }

        public Builder connect(String endpoint) {
            this.endpoints.add(endpoint);
            return this;
        }

        public Builder lease(Duration d) {
            this.lease = d;
            return this;
        }

        public Builder batchSize(int bytes) {
            this.batchSize = bytes;
            return this;
        }

        public Builder reconnectInitial(Duration d) {
            this.reconnectInitial = d;
            return this;
        }

        public Builder reconnectMax(Duration d) {
            this.reconnectMax = d;
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = d;
            return this;
        }

        public Builder failOnConnectTimeout(boolean fail) {
            this.failOnConnectTimeout = fail;
            return this;
        }

        public Builder blockTimeout(Duration d) {
            this.blockTimeout = d;
            return this;
        }

        public Builder outboundQueueCapacity(int n) {
            this.outboundQueueCapacity = n;
            return this;
        }

        public Builder deliveryQueueCapacity(int n) {
            this.deliveryQueueCapacity = n;
            return this;
        }

        public Builder maxMessageSize(int bytes) {
            this.maxMessageSize = bytes;
            return this;
        }

        /** Peer mode: the TCP port to accept peers and routers on (0 = any free port; -1 = none). */
        public Builder listenPort(int port) {
            this.listenPort = port;
            return this;
        }

        /** Peer mode: the address the listener binds (default {@code 0.0.0.0}). */
        public Builder listenHost(String host) {
            this.listenHost = host;
            return this;
        }

        /** Peer mode: the listener's protocol, {@code tcp} (default) or {@code tls}. */
        public Builder listenProtocol(String protocol) {
            this.listenProtocol = protocol;
            return this;
        }

        /** Certificates and keys for {@code tls/} endpoints and a tls listener. */
        public Builder tls(TlsConfig t) {
            this.tls = t;
            return this;
        }

        public Config build() {
            return new Config(mode, endpoints, lease, batchSize, reconnectInitial, reconnectMax, connectTimeout,
                    failOnConnectTimeout, blockTimeout, outboundQueueCapacity, deliveryQueueCapacity, maxMessageSize,
                    listenPort, listenHost, listenProtocol, tls);
        }
    }
}
