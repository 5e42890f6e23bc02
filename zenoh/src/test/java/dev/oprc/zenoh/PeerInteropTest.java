package dev.oprc.zenoh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.zenoh.testing.PythonZenohProcess;
import dev.oprc.zenoh.testing.PythonZenohProcess.PyReply;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Peer mode against real Zenoh (eclipse-zenoh 1.10.2 in peer mode, multicast scouting and gossip
 * off, explicit listen/connect endpoints): puts, queries and liveliness in both directions, with
 * the Python peer dialing us and us dialing it, with and without a router beside them; a hung peer
 * is detected by its lease and redialed.
 */
@Timeout(180)
class PeerInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    static Config.Builder peer(int listenPort, String... connect) {
        return Config.builder().mode(Mode.PEER).listenPort(listenPort).listenHost("127.0.0.1")
                .endpoints(List.of(connect)).reconnectInitial(Duration.ofMillis(100))
                .reconnectMax(Duration.ofMillis(500)).connectTimeout(Duration.ZERO);
    }

    /** A condition that may wait or throw. */
    @FunctionalInterface
    interface Cond {
        boolean holds() throws Exception;
    }

    static void await(String what, Cond cond) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!cond.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** True if {@code what} was recorded at or after index {@code from} of a synchronized list. */
    static boolean seenAfter(List<String> changes, int from, String what) {
        synchronized (changes) {
            return changes.subList(from, changes.size()).contains(what);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Repeats a Python get until a reply arrives (the Java queryable's declaration has reached it). */
    static List<PyReply> pythonGet(PythonZenohProcess py, String selector) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            List<PyReply> got = py.get(selector, bytes("hi"), null, null, 2000, null);
            if (!got.isEmpty()) {
                return got;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no reply to Python get " + selector);
            }
            Thread.sleep(50);
        }
    }

    /** Repeats a Java get until a reply arrives. */
    static List<Reply> javaGet(Session s, String selector) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            List<Reply> got = s.get(selector, GetOptions.DEFAULT.withTimeout(Duration.ofSeconds(2))
                    .withPayload(bytes("hi"))).collect(Duration.ofSeconds(5));
            if (!got.isEmpty()) {
                return got;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no reply to Java get " + selector);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void pythonPeerDialingJavaPeerExchangesPutsBothWays() throws Exception {
        try (Session s = Zenoh.open(peer(0).build())) {
            BlockingSubscriber sub = s.declareSubscriber("p2p/to-java/**", 64);
            try (PythonZenohProcess py = PythonZenohProcess.peer(null,
                    List.of("tcp/127.0.0.1:" + s.listenPort()), 0, "p2p/to-py/**")) {
                await("the Python peer's link", s::isConnected);
                assertThat(py.awaitMatching("p2p/to-java/x", WAIT)).isTrue();
                py.put("p2p/to-java/x", bytes("from-py"), null, null);
                Sample got = sub.poll(WAIT);
                assertThat(got).isNotNull();
                assertThat(got.payloadAsString()).isEqualTo("from-py");
                s.put("p2p/to-py/y", "from-java");
                assertThat(py.awaitSamples(1, WAIT).get(0).payload()).isEqualTo(bytes("from-java"));
                assertThat(s.stats().linksAccepted()).isEqualTo(1);
            }
        }
    }

    @Test
    void javaPeerDialingPythonPeerAnswersAndSendsQueries() throws Exception {
        int port = ZenohRouterProcess.freePort();
        try (PythonZenohProcess py = PythonZenohProcess.peer("tcp/127.0.0.1:" + port, List.of(), 0);
             Session s = Zenoh.open(peer(-1, "tcp/127.0.0.1:" + port).build())) {
            await("the link to the Python peer", s::isConnected);
            s.declareQueryable(KeyExpr.of("p2p/jq/**"), q -> q.reply(q.keyExpr(), bytes("java:" + q.payloadAsString())),
                    false);
            List<PyReply> fromJava = pythonGet(py, "p2p/jq/a");
            assertThat(fromJava).hasSize(1);
            assertThat(fromJava.get(0).payloadAsString()).isEqualTo("java:hi");
            py.declareQueryable("p2p/pq/**", false);
            List<Reply> fromPy = javaGet(s, "p2p/pq/b");
            assertThat(fromPy).hasSize(1);
            assertThat(fromPy.get(0).result().payloadAsString()).isEqualTo("py:hi");
        }
    }

    @Test
    void livelinessTokensAreSeenBothWaysBetweenPeers() throws Exception {
        try (Session s = Zenoh.open(peer(0).build())) {
            ConcurrentLinkedQueue<String> changes = new ConcurrentLinkedQueue<>();
            s.liveliness().declareSubscriber(KeyExpr.of("p2p/live/**"),
                    smp -> changes.add(smp.kind() + " " + smp.keyExpr()), true);
            LivelinessToken mine = s.liveliness().declareToken("p2p/live/java");
            try (PythonZenohProcess py = PythonZenohProcess.peer(null,
                    List.of("tcp/127.0.0.1:" + s.listenPort()), 0)) {
                py.declareToken("p2p/live/py");
                await("Java sees the Python token", () -> changes.contains("PUT p2p/live/py"));
                assertThat(s.liveliness().get("p2p/live/*", Duration.ofSeconds(5)).collect(Duration.ofSeconds(10))
                        .stream().map(r -> r.result().keyExpr().toString()))
                        .containsExactlyInAnyOrder("p2p/live/java", "p2p/live/py");
                await("Python sees the Java token", () -> py.livelinessGet("p2p/live/*", 2000)
                        .contains("p2p/live/java"));
                py.undeclareToken("p2p/live/py");
                await("Java sees the Python token go", () -> changes.contains("DELETE p2p/live/py"));
                mine.close();
                await("Python sees the Java token go", () -> !py.livelinessGet("p2p/live/*", 2000)
                        .contains("p2p/live/java"));
            }
        }
    }

    @Test
    void hungPythonPeerIsDetectedByItsLeaseAndRedialedWhenBack() throws Exception {
        int port = ZenohRouterProcess.freePort();
        try (PythonZenohProcess py = PythonZenohProcess.peer("tcp/127.0.0.1:" + port, List.of(), 3000,
                "p2p/back/**");
             Session s = Zenoh.open(peer(-1, "tcp/127.0.0.1:" + port).build())) {
            List<String> changes = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            s.liveliness().declareSubscriber(KeyExpr.of("p2p/hung/**"),
                    smp -> changes.add(smp.kind() + " " + smp.keyExpr()), true);
            py.declareToken("p2p/hung/py");
            await("Java sees the token", () -> changes.contains("PUT p2p/hung/py"));
            assertThat(s.linkLeaseMillis()).as("the Python peer's lease").isEqualTo(3000);
            long failures = s.stats().linkFailures();
            int seen = changes.size();
            py.suspend();
            try {
                await("the hung peer's token is dropped", () -> seenAfter(changes, seen, "DELETE p2p/hung/py"));
                assertThat(s.stats().linkFailures()).isGreaterThan(failures);
            } finally {
                py.resume();
            }
            int dropped = changes.lastIndexOf("DELETE p2p/hung/py");
            await("redialed: the token is back", () -> seenAfter(changes, dropped, "PUT p2p/hung/py"));
            assertThat(s.stats().reconnects()).isGreaterThanOrEqualTo(1);
            s.put("p2p/back/z", "after");
            assertThat(py.awaitSamples(1, WAIT).get(0).payload()).isEqualTo(bytes("after"));
        }
    }

    @Test
    void peersExchangePutsQueriesAndLivelinessWithARouterBesideThem() throws Exception {
        int port = ZenohRouterProcess.freePort();
        try (ZenohRouterProcess router = ZenohRouterProcess.start();
             PythonZenohProcess py = PythonZenohProcess.peer("tcp/127.0.0.1:" + port, List.of(router.endpoint()), 0,
                     "p2p/r/to-py/**");
             Session s = Zenoh.open(peer(0, router.endpoint(), "tcp/127.0.0.1:" + port).build())) {
            await("both links", () -> s.faces().size() == 2);
            BlockingSubscriber sub = s.declareSubscriber("p2p/r/to-java/**", 64);
            assertThat(py.awaitMatching("p2p/r/to-java/x", WAIT)).isTrue();
            py.put("p2p/r/to-java/x", bytes("from-py"), null, null);
            assertThat(sub.poll(WAIT).payloadAsString()).isEqualTo("from-py");
            s.put("p2p/r/to-py/y", "from-java");
            assertThat(py.awaitSamples(1, WAIT).get(0).payload()).isEqualTo(bytes("from-java"));

            s.declareQueryable(KeyExpr.of("p2p/r/jq/**"), q -> q.reply(q.keyExpr(), bytes("java")), false);
            assertThat(pythonGet(py, "p2p/r/jq/a").get(0).payloadAsString()).isEqualTo("java");
            py.declareQueryable("p2p/r/pq/**", false);
            assertThat(javaGet(s, "p2p/r/pq/b").get(0).result().payloadAsString()).isEqualTo("py:hi");

            s.liveliness().declareToken("p2p/r/live/java");
            py.declareToken("p2p/r/live/py");
            await("Python sees the Java token", () -> py.livelinessGet("p2p/r/live/*", 2000)
                    .contains("p2p/r/live/java"));
            await("Java sees the Python token", () -> s.liveliness().get("p2p/r/live/*", Duration.ofSeconds(2))
                    .collect(Duration.ofSeconds(5)).stream().anyMatch(r -> r.result().keyExpr().toString()
                            .equals("p2p/r/live/py")));
        }
    }

    @Test
    void routerDialingJavaPeerCarriesItsClientsPutsQueriesAndOurPuts() throws Exception {
        try (Session s = Zenoh.open(peer(0).build())) {
            BlockingSubscriber sub = s.declareSubscriber("p2p/rd/**", 16);
            s.declareQueryable(KeyExpr.of("p2p/rdq/**"), q -> q.reply(q.keyExpr(), bytes("java")), false);
            String routerEndpoint = "tcp/127.0.0.1:" + ZenohRouterProcess.freePort();
            try (PythonZenohProcess router = PythonZenohProcess.start("router", routerEndpoint,
                    List.of("tcp/127.0.0.1:" + s.listenPort()), 0, "p2p/rr/**");
                 PythonZenohProcess client = PythonZenohProcess.client(routerEndpoint)) {
                await("the router's link", s::isConnected);
                assertThat(client.awaitMatching("p2p/rd/x", WAIT)).isTrue();
                client.put("p2p/rd/x", bytes("via-router"), null, null);
                assertThat(sub.poll(WAIT).payloadAsString()).isEqualTo("via-router");
                assertThat(pythonGet(client, "p2p/rdq/a").get(0).payloadAsString()).isEqualTo("java");
                s.put("p2p/rr/y", "to-router");
                assertThat(router.awaitSamples(1, WAIT).get(0).payload()).isEqualTo(bytes("to-router"));
            }
        }
    }

    @Test
    void twoJavaPeersNamingEachOtherKeepOneLinkAndDeliverOnce() throws Exception {
        int pa = ZenohRouterProcess.freePort();
        int pb = ZenohRouterProcess.freePort();
        try (Session a = Zenoh.open(peer(pa, "tcp/127.0.0.1:" + pb).build());
             Session b = Zenoh.open(peer(pb, "tcp/127.0.0.1:" + pa).build())) {
            BlockingSubscriber atB = b.declareSubscriber("mutual/**", 64);
            await("one link each way", () -> a.faces().size() == 1 && b.faces().size() == 1
                    && a.faces().get(0).remoteZid != null && b.faces().get(0).remoteZid != null);
            a.put("mutual/1", "once");
            a.put("mutual/2", "marker");
            int once = 0;
            while (true) {
                Sample smp = atB.poll(WAIT);
                assertThat(smp).as("the marker arrives").isNotNull();
                if (smp.payloadAsString().equals("marker")) {
                    break;
                }
                once++;
            }
            assertThat(once).isEqualTo(1);
        }
    }

    @Test
    void twoJavaPeersWithoutRouterExchangePutsQueriesAndLiveliness() throws Exception {
        try (Session b = Zenoh.open(peer(0).build());
             Session a = Zenoh.open(peer(-1, "tcp/127.0.0.1:" + b.listenPort()).build())) {
            await("a's link to b", a::isConnected);
            await("b's accepted link", b::isConnected);
            BlockingSubscriber atB = b.declareSubscriber("jj/**", 16);
            BlockingSubscriber atA = a.declareSubscriber("jj/**", 16);
            b.declareQueryable(KeyExpr.of("jj/q/**"), q -> q.reply(q.keyExpr(), bytes("b")), false);
            b.liveliness().declareToken("jj/live/b");
            a.put("jj/x", "a->b");
            assertThat(atB.poll(WAIT).payloadAsString()).isEqualTo("a->b");
            assertThat(atA.poll(WAIT).payloadAsString()).isEqualTo("a->b"); // local delivery
            await("b's subscriber reached a", () -> {
                b.put("jj/y", "b->a");
                Sample smp = atA.poll();
                return smp != null && smp.payloadAsString().equals("b->a");
            });
            assertThat(javaGet(a, "jj/q/1").get(0).result().payloadAsString()).isEqualTo("b");
            await("a sees b's token", () -> !a.liveliness().get("jj/live/*", Duration.ofSeconds(2))
                    .collect(Duration.ofSeconds(5)).isEmpty());
        }
    }
}
