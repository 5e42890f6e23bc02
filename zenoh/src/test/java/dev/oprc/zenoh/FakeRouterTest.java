package dev.oprc.zenoh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A scripted in-process "router" speaking just enough Zenoh to exercise what a well-behaved
 * router never does: garbage after the handshake, silence beyond the lease, CLOSE in the handshake.
 */
@Timeout(60)
class FakeRouterTest {
    /** What the fake router does with connection number {@code n} after the handshake. */
    interface Script {
        void run(int n, DataInputStream in, OutputStream out) throws Exception;
    }

    static final class FakeRouter implements AutoCloseable {
        final ServerSocket server;
        final AtomicInteger connections = new AtomicInteger();
        final CopyOnWriteArrayList<Socket> sockets = new CopyOnWriteArrayList<>();
        final Thread acceptor;

        FakeRouter(long leaseMs, boolean refuse, Script script) throws IOException {
            server = new ServerSocket(0);
            acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        sockets.add(s);
                        int n = connections.incrementAndGet();
                        Thread t = new Thread(() -> serve(s, n, leaseMs, refuse, script), "fake-router-" + n);
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "fake-router-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String endpoint() {
            return "tcp/127.0.0.1:" + server.getLocalPort();
        }

        private static void serve(Socket s, int n, long leaseMs, boolean refuse, Script script) {
            try (s) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                Wire.Init syn = Wire.readInit(new WireReader(readBatch(in)));
                assertThat(syn.whatAmI()).isEqualTo(Wire.WHATAMI_CLIENT);
                if (refuse) {
                    writeBatch(out, w -> Wire.writeClose(w, Wire.CLOSE_MAX_LINKS, false));
                    return;
                }
                writeBatch(out, w -> Wire.writeInit(w, new Wire.Init(true, 9, Wire.WHATAMI_ROUTER,
                        WireVectorsTest.ROUTER_ZID, 0x0A, 65535, new byte[]{1, 2, 3}, 1)));
                Wire.Open open = Wire.readOpen(new WireReader(readBatch(in)));
                assertThat(open.cookie()).containsExactly(1, 2, 3);
                writeBatch(out, w -> Wire.writeOpen(w, new Wire.Open(true, leaseMs, 5, null)));
                script.run(n, in, out);
            } catch (Exception e) {
                // connection ended
            }
        }

        static byte[] readBatch(DataInputStream in) throws IOException {
            int len = in.readUnsignedByte() | (in.readUnsignedByte() << 8);
            byte[] b = new byte[len];
            in.readFully(b);
            return b;
        }

        static void writeBatch(OutputStream out, java.util.function.Consumer<WireWriter> body) throws IOException {
            out.write(WireVectorsTest.batch(body));
            out.flush();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static Config config(String endpoint) {
        return Config.builder().connect(endpoint).lease(Duration.ofSeconds(1)).reconnectInitial(Duration.ofMillis(100))
                .reconnectMax(Duration.ofMillis(200)).build();
    }

    @Test
    void hostileBatchClosesTheLinkAndTheSessionReconnects() throws Exception {
        Script script = (n, in, out) -> {
            if (n == 1) {
                // FRAME whose PUSH claims a 127-byte key suffix but carries 3 bytes
                out.write(WireVectorsTest.hex("07 00 25 05 3D 00 7F 61 62"));
                out.flush();
                Thread.sleep(5000);
            } else {
                Thread.sleep(300); // let the client re-declare its subscriber
                FakeRouter.writeBatch(out, w -> {
                    Wire.writeFrameHeader(w, true, 5);
                    Wire.writePush(w, 0, "a/b", 5, true, null, null, null, "after".getBytes(StandardCharsets.UTF_8));
                });
                Thread.sleep(5000);
            }
        };
        try (FakeRouter r = new FakeRouter(10_000, false, script);
             Session s = Zenoh.open(config(r.endpoint()))) {
            BlockingSubscriber sub = s.declareSubscriber("a/**", 4);
            Sample smp = sub.poll(Duration.ofSeconds(20));
            assertThat(smp).isNotNull();
            assertThat(smp.payloadAsString()).isEqualTo("after");
            assertThat(s.stats().decodeErrors()).isGreaterThanOrEqualTo(1);
            assertThat(s.stats().reconnects()).isGreaterThanOrEqualTo(1);
            assertThat(r.connections.get()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void silentRouterExpiresTheLeaseWhileTheClientSendsKeepAlives() throws Exception {
        CopyOnWriteArrayList<String> seen = new CopyOnWriteArrayList<>();
        Script script = (n, in, out) -> {
            long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < end) {
                byte[] b = FakeRouter.readBatch(in);
                seen.add(n + ":" + WireVectorsTest.hexOf(b));
            }
        };
        try (FakeRouter r = new FakeRouter(600, false, script);
             Session s = Zenoh.open(config(r.endpoint()))) {
            InteropTest.await(() -> s.stats().linkFailures() >= 1, "lease expiry");
            assertThat(seen).as("client keep-alives every lease/4 (250 ms)").contains("1:04");
            InteropTest.await(() -> r.connections.get() >= 2, "reconnect");
        }
    }

    @Test
    void stalledRouterNeverBlocksDropPutsBoundsBlockPutsAndCloseStaysPrompt() throws Exception {
        Script neverReads = (n, in, out) -> Thread.sleep(30_000);
        try (FakeRouter r = new FakeRouter(10_000, false, neverReads)) {
            // a 2 s block timeout: a DROP put that waited for room would take 2 s, one that never waits
            // takes microseconds; the bounds below sit between the two with room for a loaded machine's stalls
            Config c = Config.builder().connect(r.endpoint()).outboundQueueCapacity(64).blockTimeout(Duration.ofSeconds(2))
                    .build();
            Session s = Zenoh.open(c);
            byte[] chunk = new byte[60_000];
            long worst = 0;
            for (int i = 0; i < 20_000 && s.stats().droppedQueueFull() < 500; i++) {
                long t0 = System.nanoTime();
                s.put(KeyExpr.of("stall/k"), chunk, PutOptions.DEFAULT);
                worst = Math.max(worst, System.nanoTime() - t0);
            }
            assertThat(s.stats().droppedQueueFull()).as("queue filled up and DROP puts were dropped").isPositive();
            assertThat(worst).as("slowest DROP put").isLessThan(Duration.ofMillis(1_500).toNanos());
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> s.put(KeyExpr.of("stall/k"), chunk,
                    PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK)))
                    .isInstanceOf(ZenohException.class).hasMessageContaining("outbound queue full")
                    .hasMessageContaining("stall/k");
            assertThat(System.nanoTime() - t0).isBetween(Duration.ofMillis(1_900).toNanos(), Duration.ofSeconds(20).toNanos());
            long c0 = System.nanoTime();
            s.close();
            assertThat(System.nanoTime() - c0).as("close with the writer stuck in a socket write (never ends by itself)")
                    .isLessThan(Duration.ofSeconds(20).toNanos());
            String tag = s.zid().substring(0, 8);
            InteropTest.await(() -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().endsWith(tag) && t.isAlive()), "the session's threads to end");
        }
    }

    @Test
    void routerRefusalInHandshakeIsAClearError() throws Exception {
        try (FakeRouter r = new FakeRouter(10_000, true, (n, in, out) -> { })) {
            assertThatThrownBy(() -> Zenoh.open(config(r.endpoint()).toBuilder().connectTimeout(Duration.ofMillis(800))
                    .build())).isInstanceOf(ZenohException.class).hasMessageContaining(r.endpoint())
                    .hasMessageContaining("MAX_LINKS");
        }
    }

    @Test
    void routerCloseTearsDownAndReconnects() throws Exception {
        Script script = (n, in, out) -> {
            if (n == 1) {
                FakeRouter.writeBatch(out, w -> Wire.writeClose(w, Wire.CLOSE_GENERIC, true));
            }
            Thread.sleep(5000);
        };
        try (FakeRouter r = new FakeRouter(10_000, false, script);
             Session s = Zenoh.open(config(r.endpoint()))) {
            InteropTest.await(() -> r.connections.get() >= 2 && s.isConnected(), "reconnect after CLOSE");
            assertThat(s.stats().linkFailures()).isGreaterThanOrEqualTo(1);
            assertThat(s.stats().decodeErrors()).isZero();
        }
    }
}
