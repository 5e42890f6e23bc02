package dev.oprc.zenoh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.zenoh.testing.PythonZenohProcess;
import dev.oprc.zenoh.testing.ReceivedSample;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pure-Java client against a real Zenoh router (eclipse-zenoh 1.10.2 in a Python process). */
@Timeout(120)
class InteropTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static ZenohRouterProcess router;

    @BeforeAll
    static void startRouter() {
        router = ZenohRouterProcess.start("oprc/**");
    }

    @AfterAll
    static void stopRouter() {
        if (router != null) {
            router.close();
        }
    }

    private static Config client(String endpoint) {
        return Config.builder().connect(endpoint).reconnectInitial(Duration.ofMillis(200))
                .reconnectMax(Duration.ofSeconds(1)).build();
    }

    @Test
    void javaPutReachesPythonSubscriberExactly() {
        router.clearSamples();
        byte[] attachment = {1, 2, 3, 0, (byte) 0xFF};
        try (Session s = Zenoh.open(client(router.endpoint()))) {
            assertThat(s.isConnected()).isTrue();
            s.put(KeyExpr.of("oprc/cls/0/async/fn/123"), "hello".getBytes(StandardCharsets.UTF_8),
                    PutOptions.DEFAULT.withEncoding(Encoding.TEXT_PLAIN.withSchema("utf-8")).withAttachment(attachment)
                            .withCongestionControl(CongestionControl.BLOCK));
            s.put(KeyExpr.of("oprc/cls/0/json"), "{\"a\":1}".getBytes(StandardCharsets.UTF_8),
                    PutOptions.DEFAULT.withEncoding(Encoding.APPLICATION_JSON).withPriority(Priority.DATA_HIGH)
                            .withExpress(true));
            s.put("oprc/custom", "x".getBytes(StandardCharsets.UTF_8),
                    PutOptions.DEFAULT.withEncoding(Encoding.fromString("application/x-oprc")));
            s.delete(KeyExpr.of("oprc/cls/0/gone"), PutOptions.DEFAULT.withAttachment(new byte[]{9}));
            List<ReceivedSample> got = router.awaitSamples(4, WAIT);
            ReceivedSample a = got.get(0);
            assertThat(a.key()).isEqualTo("oprc/cls/0/async/fn/123");
            assertThat(a.payloadAsString()).isEqualTo("hello");
            assertThat(a.encoding()).isEqualTo("text/plain;utf-8");
            assertThat(a.attachment()).containsExactly(attachment);
            assertThat(a.kind()).isEqualTo("PUT");
            assertThat(a.congestion()).isEqualTo("BLOCK");
            assertThat(a.timestamp()).as("routers stamp puts").isNotNull();
            ReceivedSample b = got.get(1);
            assertThat(b.key()).isEqualTo("oprc/cls/0/json");
            assertThat(b.encoding()).isEqualTo("application/json");
            assertThat(b.attachment()).isNull();
            assertThat(b.priority()).isEqualTo("DATA_HIGH");
            assertThat(b.express()).isTrue();
            assertThat(got.get(2).encoding()).isEqualTo("application/x-oprc");
            ReceivedSample d = got.get(3);
            assertThat(d.key()).isEqualTo("oprc/cls/0/gone");
            assertThat(d.kind()).isEqualTo("DELETE");
            assertThat(d.attachment()).containsExactly(9);
            assertThat(s.stats().putsSent()).isEqualTo(4);
            assertThat(s.stats().decodeErrors()).isZero();
        }
    }

    @Test
    void sessionFromUpstreamEnvironmentConnectsAsClientInPeerMode() throws Exception {
        router.clearSamples();
        try (Session s = Zenoh.open(Config.fromEnv(java.util.Map.of("OPRC_ZENOH_PEERS", router.endpoint(),
                "OPRC_ZENOH_MODE", "peer")))) {
            assertThat(s.isConnected()).isTrue();
            CopyOnWriteArrayList<String> local = new CopyOnWriteArrayList<>();
            s.declareSubscriber("oprc/env/**", smp -> local.add(smp.payloadAsString()));
            s.put("oprc/env/1", "via-env");
            assertThat(router.awaitSamples(1, WAIT).get(0).payloadAsString()).isEqualTo("via-env");
            await(() -> !local.isEmpty(), "local delivery");
            assertThat(local).as("connected sessions also deliver locally").containsExactly("via-env");
        }
    }

    @Test
    void declaredKeyExprIsUsedOnTheWire() {
        router.clearSamples();
        try (Session s = Zenoh.open(client(router.endpoint()))) {
            KeyExpr k = s.declareKeyExpr("oprc/declared/key");
            s.put(k, "v1".getBytes(StandardCharsets.UTF_8), PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK));
            s.undeclareKeyExpr(k);
            s.put(k, "v2".getBytes(StandardCharsets.UTF_8), PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK));
            try (Publisher pub = s.declarePublisher(KeyExpr.of("oprc/declared/pub"),
                    PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK).withEncoding(Encoding.TEXT_PLAIN))) {
                pub.put("p1".getBytes(StandardCharsets.UTF_8), new byte[]{5});
                pub.delete();
            }
            List<ReceivedSample> got = router.awaitSamples(4, WAIT);
            assertThat(got).extracting(ReceivedSample::key).containsExactly("oprc/declared/key", "oprc/declared/key",
                    "oprc/declared/pub", "oprc/declared/pub");
            assertThat(got).extracting(ReceivedSample::payloadAsString).containsExactly("v1", "v2", "p1", "");
            assertThat(got.get(2).encoding()).isEqualTo("text/plain");
            assertThat(got.get(2).attachment()).containsExactly(5);
            assertThat(got.get(3).kind()).isEqualTo("DELETE");
        }
    }

    @Test
    void aPutOnADeclaredPrefixPlusSuffixArrivesUnderTheWholeKey() {
        router.clearSamples();
        try (Session s = Zenoh.open(client(router.endpoint()))) {
            KeyExpr prefix = s.declareKeyExpr("oprc/scoped/0/async/fn");
            PutOptions block = PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK);
            assertThat(s.tryPut(prefix, "/inv-1", "a".getBytes(StandardCharsets.UTF_8), block)).isTrue();
            assertThat(s.tryPut(prefix, "/inv-2", "b".getBytes(StandardCharsets.UTF_8), block.withAttachment(new byte[]{9})))
                    .isTrue();
            List<ReceivedSample> got = router.awaitSamples(2, WAIT);
            assertThat(got).extracting(ReceivedSample::key)
                    .containsExactly("oprc/scoped/0/async/fn/inv-1", "oprc/scoped/0/async/fn/inv-2");
            assertThat(got).extracting(ReceivedSample::payloadAsString).containsExactly("a", "b");
            assertThat(got.get(1).attachment()).containsExactly(9);
        }
    }

    @Test
    void pythonPutReachesJavaWildcardSubscriber() throws Exception {
        try (Session s = Zenoh.open(client(router.endpoint()))) {
            BlockingSubscriber sub = s.declareSubscriber(KeyExpr.of("java/*/in/**"), 16);
            assertThat(router.awaitMatching("java/a/in/b", WAIT)).as("Java subscriber visible at router").isTrue();
            router.put("java/a/in/b/c", "from-python".getBytes(StandardCharsets.UTF_8), "application/json",
                    new byte[]{7, 8});
            router.put("java/a/other", "not-matching".getBytes(StandardCharsets.UTF_8), null, null);
            router.delete("java/z/in/q");
            Sample smp = sub.poll(WAIT);
            assertThat(smp).isNotNull();
            assertThat(smp.keyExpr().toString()).isEqualTo("java/a/in/b/c");
            assertThat(smp.payloadAsString()).isEqualTo("from-python");
            assertThat(smp.encoding()).isEqualTo(Encoding.APPLICATION_JSON);
            assertThat(smp.attachment()).containsExactly(7, 8);
            assertThat(smp.kind()).isEqualTo(SampleKind.PUT);
            assertThat(smp.timestamp()).isNotNull();
            assertThat(smp.timestamp().toInstant()).isBetween(java.time.Instant.now().minusSeconds(60),
                    java.time.Instant.now().plusSeconds(60));
            Sample del = sub.poll(WAIT);
            assertThat(del).isNotNull();
            assertThat(del.kind()).isEqualTo(SampleKind.DELETE);
            assertThat(del.keyExpr().toString()).isEqualTo("java/z/in/q");
            assertThat(sub.poll(Duration.ofMillis(200))).isNull();
            sub.close();
            sub.close();
            assertThat(sub.isClosed()).isTrue();
        }
    }

    @Test
    void pythonClientPublisherReachesJavaSubscriberInOrder() throws Exception {
        try (Session s = Zenoh.open(client(router.endpoint()));
             PythonZenohProcess py = PythonZenohProcess.client(router.endpoint())) {
            BlockingSubscriber sub = s.declareSubscriber("java/py/**", 2000);
            assertThat(py.awaitMatching("java/py/k", WAIT)).as("Java subscriber visible to the Python client").isTrue();
            py.putMany("java/py/k", "n", 1000);
            for (int i = 0; i < 1000; i++) {
                Sample smp = sub.poll(WAIT);
                assertThat(smp).as("sample %d", i).isNotNull();
                assertThat(smp.payloadAsString()).isEqualTo("n" + i);
            }
            assertThat(sub.dropped()).isZero();
        }
    }

    @Test
    void hundredThousandBlockingReliablePutsArriveCompleteAndInOrder() {
        router.clearSamples();
        int n = 100_000;
        try (Session s = Zenoh.open(client(router.endpoint()))) {
            PutOptions o = PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK)
                    .withReliability(Reliability.RELIABLE);
            KeyExpr k = KeyExpr.of("oprc/seq");
            for (int i = 0; i < n; i++) {
                s.put(k, Integer.toString(i).getBytes(StandardCharsets.UTF_8), o);
            }
            List<ReceivedSample> got = router.awaitSamples(n, r -> r.key().equals("oprc/seq"), Duration.ofSeconds(90));
            assertThat(got).hasSize(n);
            for (int i = 0; i < n; i++) {
                if (!got.get(i).payloadAsString().equals(Integer.toString(i))) {
                    throw new AssertionError("sample " + i + " out of order: " + got.get(i).payloadAsString());
                }
            }
            assertThat(s.stats().droppedQueueFull()).isZero();
            assertThat(s.stats().droppedDisconnected()).isZero();
        }
        router.clearSamples();
    }

    @Test
    void oneMebibytePayloadEachWayIsFragmented() throws Exception {
        router.clearSamples();
        byte[] big = new byte[1 << 20];
        new Random(42).nextBytes(big);
        try (Session s = Zenoh.open(client(router.endpoint()))) {
            s.put(KeyExpr.of("oprc/big"), big, PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK));
            ReceivedSample r = router.awaitSamples(1, x -> x.key().equals("oprc/big"), WAIT).get(0);
            assertThat(r.payload()).isEqualTo(big);

            BlockingSubscriber sub = s.declareSubscriber("java/big", 4);
            assertThat(router.awaitMatching("java/big", WAIT)).isTrue();
            byte[] back = new byte[(1 << 20) + 17];
            new Random(7).nextBytes(back);
            router.put("java/big", back, null, null);
            Sample smp = sub.poll(WAIT);
            assertThat(smp).isNotNull();
            assertThat(smp.payload()).isEqualTo(back);
            assertThat(s.stats().decodeErrors()).isZero();
        }
    }

    @Test
    void idleLongerThanThreeLeasesKeepsTheSession() throws Exception {
        try (ZenohRouterProcess shortLease = ZenohRouterProcess.start(1000, "oprc/**");
             Session s = Zenoh.open(client(shortLease.endpoint()).toBuilder().lease(Duration.ofSeconds(1)).build())) {
            Thread.sleep(3500);
            assertThat(s.isConnected()).isTrue();
            assertThat(s.stats().linkFailures()).isZero();
            assertThat(s.stats().reconnects()).isZero();
            s.put("oprc/after-idle", "still here");
            assertThat(shortLease.awaitSamples(1, WAIT).get(0).payloadAsString()).isEqualTo("still here");
        }
    }

    @Test
    void reconnectsAfterRouterRestartAndSubscriberReceivesAgain() throws Exception {
        try (ZenohRouterProcess r = ZenohRouterProcess.start("oprc/**");
             Session s = Zenoh.open(client(r.endpoint()))) {
            CopyOnWriteArrayList<String> got = new CopyOnWriteArrayList<>();
            s.declareSubscriber("java/re/**", smp -> got.add(smp.payloadAsString()));
            assertThat(r.awaitMatching("java/re/x", WAIT)).isTrue();
            r.put("java/re/x", "before".getBytes(StandardCharsets.UTF_8), null, null);
            await(() -> got.contains("before"), "sample before restart");

            r.stop();
            await(() -> !s.isConnected(), "link loss noticed");
            s.put("java/re/dropped", "while down"); // DROP while disconnected: counted, not blocking
            assertThat(s.stats().droppedDisconnected()).isGreaterThanOrEqualTo(1);
            r.restart();
            await(s::isConnected, "reconnected");
            assertThat(r.awaitMatching("java/re/x", WAIT)).as("subscriber re-declared").isTrue();
            r.put("java/re/x", "after".getBytes(StandardCharsets.UTF_8), null, null);
            await(() -> got.contains("after"), "sample after restart");
            s.put(KeyExpr.of("oprc/after-restart"), "up".getBytes(StandardCharsets.UTF_8),
                    PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK));
            assertThat(r.awaitSamples(1, x -> x.key().equals("oprc/after-restart"), WAIT)).hasSize(1);
            assertThat(s.stats().reconnects()).isGreaterThanOrEqualTo(1);
            assertThat(got).as("local delivery is immediate, also while down").containsExactly("before", "while down", "after");
        }
    }

    @Test
    void twoJavaSessionsTalkThroughTheRouter() throws Exception {
        try (Session a = Zenoh.open(client(router.endpoint()));
             Session b = Zenoh.open(client(router.endpoint()))) {
            BlockingSubscriber sub = a.declareSubscriber("java/pair/**", 100);
            // wait until the router knows a's subscriber (observed through the Python router session)
            assertThat(router.awaitMatching("java/pair/k", WAIT)).isTrue();
            PutOptions o = PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK);
            for (int i = 0; i < 10; i++) {
                b.put(KeyExpr.of("java/pair/k"), ("m" + i).getBytes(StandardCharsets.UTF_8), o);
            }
            for (int i = 0; i < 10; i++) {
                Sample smp = sub.poll(WAIT);
                assertThat(smp).as("message %d", i).isNotNull();
                assertThat(smp.payloadAsString()).isEqualTo("m" + i);
            }
            assertThat(b.stats().putsSent()).isEqualTo(10);
        }
    }

    @Test
    void unreachableRouterFailsOpenWithEndpointInMessage() {
        String ep = "tcp/127.0.0.1:" + ZenohRouterProcess.freePort();
        assertThatThrownBy(() -> Zenoh.open(Config.builder().connect(ep).connectTimeout(Duration.ofMillis(500)).build()))
                .isInstanceOf(ZenohException.class).hasMessageContaining(ep);
    }

    @Test
    void disconnectedDropNeverBlocksAndBlockTimesOut() {
        String ep = "tcp/127.0.0.1:" + ZenohRouterProcess.freePort();
        Config c = Config.builder().connect(ep).connectTimeout(Duration.ZERO).blockTimeout(Duration.ofMillis(300))
                .build();
        try (Session s = Zenoh.open(c)) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                s.put("oprc/x", "y");
            }
            assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(1).toNanos());
            assertThat(s.stats().droppedDisconnected()).isEqualTo(1000);
            assertThatThrownBy(() -> s.put(KeyExpr.of("oprc/x"), new byte[1],
                    PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK)))
                    .isInstanceOf(ZenohException.class).hasMessageContaining("oprc/x").hasMessageContaining("timed out");
        }
    }

    static void await(java.util.function.BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
