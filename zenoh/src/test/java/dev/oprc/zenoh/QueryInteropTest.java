package dev.oprc.zenoh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.zenoh.testing.PythonZenohProcess;
import dev.oprc.zenoh.testing.PythonZenohProcess.PyReply;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Queries and liveliness of the pure-Java client against real Zenoh (eclipse-zenoh 1.10.2): a
 * Python router and a Python client session on it.
 */
@Timeout(180)
class QueryInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static ZenohRouterProcess router;
    private static PythonZenohProcess py;

    @BeforeAll
    static void start() {
        router = ZenohRouterProcess.start();
        py = PythonZenohProcess.client(router.endpoint());
    }

    @AfterAll
    static void stop() {
        if (py != null) {
            py.close();
        }
        if (router != null) {
            router.close();
        }
    }

    static Config client(String endpoint) {
        return Config.builder().connect(endpoint).reconnectInitial(Duration.ofMillis(200))
                .reconnectMax(Duration.ofSeconds(1)).build();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Waits until a Python get on {@code key} reaches a queryable (the Java declaration is routed). */
    static void awaitQueryable(PythonZenohProcess p, String selector) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (p.get(selector, null, null, null, 2000, null).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("queryable for " + selector + " never visible to Python");
            }
            Thread.sleep(50);
        }
    }

    @Test
    void javaQueryableAnswersPythonGetWithPayloadParametersAndAttachment() throws Exception {
        try (Session s = Zenoh.open(client(router.endpoint()))) {
            s.declareQueryable(KeyExpr.of("jq/echo/**"), q -> {
                String body = q.keyExpr() + "|" + q.parameters() + "|" + q.payloadAsString() + "|" + q.encoding();
                q.reply(KeyExpr.of("jq/echo/a/b"), bytes(body), Query.DEFAULT_REPLY
                        .withEncoding(Encoding.APPLICATION_JSON).withAttachment(q.attachment()));
            }, false);
            awaitQueryable(py, "jq/echo/a/b");
            List<PyReply> got = py.get("jq/echo/a/b?x=1;y=two", bytes("hello"), "text/plain", new byte[]{1, 2},
                    10_000, null);
            assertThat(got).hasSize(1);
            PyReply r = got.get(0);
            assertThat(r.ok()).isTrue();
            assertThat(r.key()).isEqualTo("jq/echo/a/b");
            assertThat(r.payloadAsString()).isEqualTo("jq/echo/a/b|{x=1, y=two}|hello|text/plain");
            assertThat(r.encoding()).isEqualTo("application/json");
            assertThat(r.attachment()).containsExactly(1, 2);
            assertThat(s.queryStats().repliesSent()).isGreaterThanOrEqualTo(1);
            assertThat(s.stats().decodeErrors()).isZero();
        }
    }

    @Test
    void pythonQueryableAnswersJavaGet() throws Exception {
        py.declareQueryable("pq/echo/**", false);
        try (Session s = Zenoh.open(client(router.endpoint()))) {
            ReplyReceiver rr = s.get("pq/echo/k?a=1;b=2", GetOptions.DEFAULT.withPayload(bytes("ping"))
                    .withEncoding(Encoding.TEXT_PLAIN).withAttachment(new byte[]{9}).withTimeout(Duration.ofSeconds(10)));
            List<Reply> replies = rr.collect(WAIT);
            assertThat(replies).hasSize(1);
            Reply r = replies.get(0);
            assertThat(r.isOk()).isTrue();
            assertThat(r.keyExpr()).isEqualTo(KeyExpr.of("pq/echo/k"));
            assertThat(r.payloadAsString()).isEqualTo("py:ping");
            assertThat(r.encoding()).isEqualTo(Encoding.TEXT_PLAIN);
            assertThat(r.result().attachment()).containsExactly(9);
            assertThat(r.replierId()).isEqualTo(py.zid());
            Map<String, Object> q = py.awaitEvents("query", e -> "pq/echo/k".equals(e.get("key")), 1, WAIT).get(0);
            assertThat(q.get("params")).isEqualTo("a=1;b=2");
            assertThat(s.stats().decodeErrors()).isZero();
        }
    }

    @Test
    void oneMebibyteRepliesBothWays() throws Exception {
        byte[] big = new byte[1 << 20];
        new Random(3).nextBytes(big);
        py.declareQueryable("pq/big/**", false);
        try (Session s = Zenoh.open(client(router.endpoint()))) {
            s.declareQueryable(KeyExpr.of("jq/big"), q -> q.reply("jq/big", big), false);
            awaitQueryable(py, "jq/big");
            List<PyReply> got = py.get("jq/big", null, null, null, 20_000, null);
            assertThat(got).hasSize(1);
            assertThat(got.get(0).payload()).isEqualTo(big);

            int n = (1 << 20) + 5;
            List<Reply> back = s.get("pq/big/x?size=" + n, GetOptions.DEFAULT).collect(WAIT);
            assertThat(back).hasSize(1);
            assertThat(back.get(0).payload()).isEqualTo(PythonZenohProcess.pattern(n));
            assertThat(s.stats().decodeErrors()).isZero();
        }
    }

    @Test
    void thousandConcurrentQueriesEachWay() throws Exception {
        py.declareQueryable("pq/many/**", false);
        try (Session s = Zenoh.open(client(router.endpoint()))) {
            s.declareQueryable(KeyExpr.of("jq/many/*"), q -> q.reply(q.keyExpr(),
                    q.payload() == null ? new byte[0] : q.payload(), Query.DEFAULT_REPLY), false);
            awaitQueryable(py, "jq/many/probe");
            Map<String, Object> r = py.getMany("jq/many", 1000, 30_000);
            assertThat(r.get("finals")).isEqualTo(1000L);
            assertThat(r.get("ok")).isEqualTo(1000L);
            assertThat(r.get("bad")).isEqualTo(0L);
            assertThat(r.get("err")).isEqualTo(0L);

            int n = 1000;
            CountDownLatch finals = new CountDownLatch(n);
            AtomicInteger good = new AtomicInteger();
            AtomicInteger wrong = new AtomicInteger();
            for (int i = 0; i < n; i++) {
                String expect = "py:q" + i;
                s.get("pq/many/" + i, GetOptions.DEFAULT.withPayload(bytes("q" + i)), reply -> {
                    if (reply.isOk() && reply.payloadAsString().equals(expect)) {
                        good.incrementAndGet();
                    } else {
                        wrong.incrementAndGet();
                    }
                }, finals::countDown);
            }
            assertThat(finals.await(60, TimeUnit.SECONDS)).as("all finals").isTrue();
            assertThat(good.get()).isEqualTo(n);
            assertThat(wrong.get()).isZero();
            assertThat(s.queryStats().getsTimedOut()).isZero();
        }
    }

    @Test
    void errRepliesBothWays() throws Exception {
        py.declareQueryable("pq/err/**", false);
        try (Session s = Zenoh.open(client(router.endpoint()))) {
            s.declareQueryable(KeyExpr.of("jq/err"), q -> q.replyErr(bytes("java-err:" + q.parameters().get("why")),
                    Encoding.TEXT_PLAIN), false);
            awaitQueryable(py, "jq/err?why=probe");
            List<PyReply> got = py.get("jq/err?why=bad", null, null, null, 10_000, null);
            assertThat(got).hasSize(1);
            assertThat(got.get(0).ok()).isFalse();
            assertThat(got.get(0).payloadAsString()).isEqualTo("java-err:bad");
            assertThat(got.get(0).encoding()).isEqualTo("text/plain");

            List<Reply> back = s.get("pq/err/k?err=boom", GetOptions.DEFAULT).collect(WAIT);
            assertThat(back).hasSize(1);
            assertThat(back.get(0).isOk()).isFalse();
            assertThat(back.get(0).error().payloadAsString()).isEqualTo("py-err:boom");
            assertThat(back.get(0).encoding()).isEqualTo(Encoding.TEXT_PLAIN);
        }
    }

    @Test
    void timeoutsFinishGetsOnTimeBothWays() throws Exception {
        // own Python client: its queryable sleeps in a Zenoh callback thread
        try (PythonZenohProcess slowPy = PythonZenohProcess.client(router.endpoint());
             Session s = Zenoh.open(client(router.endpoint()))) {
            slowPy.declareQueryable("pq/slow/**", false);
            CountDownLatch release = new CountDownLatch(1);
            s.declareQueryable(KeyExpr.of("jq/slow"), q -> {
                try {
                    if (q.parameters().containsKey("hold")) {
                        release.await(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                q.reply("jq/slow", "late");
            }, false);
            awaitQueryable(slowPy, "jq/slow");
            long t0 = System.nanoTime();
            List<PyReply> py1 = slowPy.get("jq/slow?hold", null, null, null, 500, null);
            long pyMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(py1).noneMatch(PyReply::ok);
            assertThat(pyMs).as("python get ended by its timeout, not by the 10 s reply").isLessThan(7000);
            release.countDown();

            t0 = System.nanoTime();
            ReplyReceiver rr = s.get("pq/slow/k?sleep_ms=8000", GetOptions.DEFAULT.withTimeout(Duration.ofMillis(500)));
            List<Reply> replies = rr.collect(WAIT);
            long javaMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(javaMs).as("java get ended by its timeout, not by the 8 s reply").isBetween(400L, 6000L);
            assertThat(replies).noneMatch(Reply::isOk); // at most the router's "Timeout" error
        }
    }

    @Test
    void javaTokenSeenByPythonSubscriberAndGet() throws Exception {
        String key = "oprc/jcls/1/liveliness/shard-" + System.nanoTime(); // a key of this run's own
        py.livelinessSubscribe("oprc/jcls/*/liveliness/**", true); // history: no race with its INTEREST
        try (Session s = Zenoh.open(client(router.endpoint()))) {
            LivelinessToken t = s.liveliness().declareToken(key);
            py.awaitEvents("liveliness", e -> key.equals(e.get("key"))
                    && "SampleKind.PUT".equals(e.get("kind")), 1, WAIT);
            // the router may answer a get a moment before its own token table has the key: ask again
            assertThat(livelinessGetUntil(key, r -> !r.isEmpty())).containsExactly(key);
            t.close();
            py.awaitEvents("liveliness", e -> key.equals(e.get("key"))
                    && "SampleKind.DELETE".equals(e.get("kind")), 1, WAIT);
            assertThat(livelinessGetUntil(key, List::isEmpty)).isEmpty();
        }
    }

    /** Python liveliness gets on {@code key} until {@code done} holds (or 10 s); the last answer. */
    private List<String> livelinessGetUntil(String key, java.util.function.Predicate<List<String>> done)
            throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        List<String> got = py.livelinessGet(key, 5000);
        while (!done.test(got) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            got = py.livelinessGet(key, 5000);
        }
        return got;
    }

    @Test
    void pythonTokenSeenByJavaSubscriberAndGet() throws Exception {
        try (Session s = Zenoh.open(client(router.endpoint()))) {
            java.util.concurrent.LinkedBlockingQueue<Sample> changes = new java.util.concurrent.LinkedBlockingQueue<>();
            s.liveliness().declareSubscriber("oprc/pcls/**", changes::add);
            LivelinessToken mine = s.liveliness().declareToken("oprc/pcls/0/liveliness/java");
            Sample own = changes.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(own.keyExpr().toString()).isEqualTo("oprc/pcls/0/liveliness/java");
            // barrier: a liveliness get travels behind the subscriber's INTEREST on the same link, so
            // once it finished the router knows the (history-less) subscriber
            s.liveliness().get("oprc/pcls/**", Duration.ofSeconds(5)).collect(WAIT);
            py.declareToken("oprc/pcls/0/liveliness/py");
            Sample put = changes.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(put).isNotNull();
            assertThat(put.keyExpr().toString()).isEqualTo("oprc/pcls/0/liveliness/py");
            assertThat(put.kind()).isEqualTo(SampleKind.PUT);

            List<Reply> got = s.liveliness().get("oprc/pcls/**", Duration.ofSeconds(5)).collect(WAIT);
            assertThat(got).extracting(r -> r.keyExpr().toString())
                    .containsExactlyInAnyOrder("oprc/pcls/0/liveliness/py", "oprc/pcls/0/liveliness/java");

            py.undeclareToken("oprc/pcls/0/liveliness/py");
            Sample del = changes.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(del).isNotNull();
            assertThat(del.keyExpr().toString()).isEqualTo("oprc/pcls/0/liveliness/py");
            assertThat(del.kind()).isEqualTo(SampleKind.DELETE);
            mine.close();
            Sample gone = changes.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(gone.kind()).isEqualTo(SampleKind.DELETE);
            assertThat(gone.keyExpr().toString()).isEqualTo("oprc/pcls/0/liveliness/java");
            // the router echo of our own token must not produce a second PUT/DELETE: a later marker
            // token arrives next in the queue
            py.declareToken("oprc/pcls/0/liveliness/marker");
            Sample marker = changes.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(marker.keyExpr().toString()).isEqualTo("oprc/pcls/0/liveliness/marker");
            py.undeclareToken("oprc/pcls/0/liveliness/marker");
        }
    }

    @Test
    void queryableAndTokenAreRedeclaredAfterRouterRestart() throws Exception {
        try (ZenohRouterProcess r = ZenohRouterProcess.start();
             Session s = Zenoh.open(client(r.endpoint()))) {
            s.declareQueryable(KeyExpr.of("jq/re/**"), q -> q.reply(q.keyExpr(), bytes("alive")), false);
            s.liveliness().declareToken("oprc/re/0/liveliness/1");
            try (PythonZenohProcess p1 = PythonZenohProcess.client(r.endpoint())) {
                awaitQueryable(p1, "jq/re/x");
            }
            r.stop();
            InteropTest.await(() -> !s.isConnected(), "link loss noticed");
            r.restart();
            InteropTest.await(s::isConnected, "reconnected");
            try (PythonZenohProcess p2 = PythonZenohProcess.client(r.endpoint())) {
                awaitQueryable(p2, "jq/re/x");
                List<PyReply> got = p2.get("jq/re/y", null, null, null, 5000, null);
                assertThat(got).extracting(PyReply::payloadAsString).containsExactly("alive");
                assertThat(p2.livelinessGet("oprc/re/**", 5000)).containsExactly("oprc/re/0/liveliness/1");
            }
            assertThat(s.stats().reconnects()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void connectedGetReachesLocalAndRemoteQueryablesAndAnotherJavaSession() throws Exception {
        py.declareQueryable("mix/**", false);
        try (Session a = Zenoh.open(client(router.endpoint()));
             Session b = Zenoh.open(client(router.endpoint()))) {
            a.declareQueryable(KeyExpr.of("mix/**"), q -> q.reply(q.keyExpr(), bytes("local-a")), false);
            b.declareQueryable(KeyExpr.of("mix/**"), q -> q.reply(q.keyExpr(), bytes("remote-b")), false);
            awaitQueryable(py, "mix/probe?reply_key=mix/probe");
            GetOptions all = GetOptions.DEFAULT.withTarget(QueryTarget.ALL).withConsolidation(ConsolidationMode.NONE);
            long deadline = System.nanoTime() + WAIT.toNanos();
            List<String> got;
            do {
                got = a.get("mix/k", all).collect(WAIT).stream().map(Reply::payloadAsString).sorted().toList();
                if (got.size() < 3) {
                    Thread.sleep(50); // b's declaration still on its way to the router
                }
            } while (got.size() < 3 && System.nanoTime() < deadline);
            assertThat(got).containsExactly("local-a", "py:", "remote-b");
            assertThat(a.queryStats().mismatchedReplies()).isZero();
        }
    }

    @Test
    void overloadedJavaQueryableAnswersPythonWithErrorsAndCountsThem() throws Exception {
        Session s = new Session(client(router.endpoint()), 1, 1);
        s.start();
        try (s) {
            CountDownLatch release = new CountDownLatch(1);
            s.declareQueryable(KeyExpr.of("jq/busy/*"), q -> {
                try {
                    if (!q.keyExpr().toString().endsWith("/probe")) {
                        release.await(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                q.reply(q.keyExpr(), q.payload() == null ? new byte[0] : q.payload());
            }, false);
            awaitQueryable(py, "jq/busy/probe");
            Thread releaser = new Thread(() -> {
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (s.queryStats().queriesRejected() < 3 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                release.countDown();
            });
            releaser.start();
            Map<String, Object> r = py.getMany("jq/busy", 5, 15_000);
            releaser.join();
            assertThat(r.get("finals")).isEqualTo(5L);
            // one running + at most one queued (an idle worker takes its task from the queue, so a
            // second arrival can find the single slot still occupied)
            long ok = (Long) r.get("ok");
            long err = (Long) r.get("err");
            assertThat(ok + err).isEqualTo(5);
            assertThat(ok).as("%s %s", r, s.queryStats()).isBetween(1L, 2L);
            assertThat(err).as("overflow answered with ERR").isEqualTo(s.queryStats().queriesRejected());
            assertThat(r.get("bad")).isEqualTo(0L);
            assertThat(s.queryStats().queriesRejected()).isGreaterThanOrEqualTo(3);
        }
    }
}
