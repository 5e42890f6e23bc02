package dev.oprc.zenoh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A session without endpoints: local delivery only, no network. */
@Timeout(30)
class LocalSessionTest {
    @Test
    void tryPutReportsTrueOnALocalOnlySession() {
        try (Session s = Zenoh.open(Config.localOnly())) {
            assertThat(s.tryPut(KeyExpr.of("a/b"), new byte[] {1}, PutOptions.DEFAULT)).isTrue();
        }
    }

    @Test
    void offerOfABlockPutIsRefusedAtOnceWhileDisconnectedAndCounted() throws Exception {
        int deadPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        Config cfg = Config.fromEnv(Map.of("OPRC_ZENOH_PEERS", "tcp/127.0.0.1:" + deadPort,
                "OPRC_ZENOH_MODE", "client", "OPRC_ZENOH_CONNECT_TIMEOUT_MS", "0",
                "OPRC_ZENOH_BLOCK_TIMEOUT_MS", "600000")); // put() would wait 10 minutes; the class times out at 30 s
        try (Session s = Zenoh.open(cfg)) {
            PutOptions block = PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK);
            assertThat(s.offer(KeyExpr.of("a/b"), new byte[] {1}, block)).isFalse();
            assertThat(s.stats().droppedDisconnected()).isEqualTo(1);
        }
    }

    @Test
    void anOfferedPutKeepsItsCongestionControl() throws Exception {
        try (Session s = Zenoh.open(Config.localOnly())) {
            BlockingSubscriber sub = s.declareSubscriber("a/*", 4);
            assertThat(s.offer(KeyExpr.of("a/b"), new byte[] {1},
                    PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK))).isTrue();
            assertThat(sub.poll(Duration.ofSeconds(5)).congestionControl()).isEqualTo(CongestionControl.BLOCK);
        }
    }

    @Test
    void tryPutReportsADropWhileDisconnectedButStillDeliversLocally() throws Exception {
        int deadPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        Config cfg = Config.fromEnv(Map.of("OPRC_ZENOH_PEERS", "tcp/127.0.0.1:" + deadPort,
                "OPRC_ZENOH_MODE", "client", "OPRC_ZENOH_CONNECT_TIMEOUT_MS", "0"));
        try (Session s = Zenoh.open(cfg)) {
            BlockingSubscriber sub = s.declareSubscriber("a/*", 4);
            assertThat(s.tryPut(KeyExpr.of("a/b"), new byte[] {1}, PutOptions.DEFAULT)).isFalse();
            assertThat(s.stats().droppedDisconnected()).isEqualTo(1);
            assertThat(sub.poll(Duration.ofSeconds(5))).isNotNull();
        }
    }

    @Test
    void localOnlySessionDeliversItsOwnPutsToMatchingSubscribers() throws Exception {
        try (Session s = Zenoh.open(Config.fromEnv(Map.of()))) {
            assertThat(s.isConnected()).isFalse();
            CopyOnWriteArrayList<Sample> cb = new CopyOnWriteArrayList<>();
            CopyOnWriteArrayList<String> threads = new CopyOnWriteArrayList<>();
            CountDownLatch two = new CountDownLatch(3);
            s.declareSubscriber("oprc/*/0/async/**", smp -> {
                cb.add(smp);
                threads.add(Thread.currentThread().getName());
                two.countDown();
            });
            BlockingSubscriber q = s.declareSubscriber(KeyExpr.of("oprc/cls/**"), 10);
            byte[] att = {4, 2};
            s.put(KeyExpr.of("oprc/cls/0/async/fn/1"), "p1".getBytes(StandardCharsets.UTF_8),
                    PutOptions.DEFAULT.withEncoding(Encoding.APPLICATION_JSON).withAttachment(att)
                            .withPriority(Priority.REALTIME));
            s.put("oprc/other/0/async/x", "not for q");
            s.put("nomatch/a", "nobody");
            s.delete("oprc/cls/0/async/fn/1");
            assertThat(two.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(cb.get(0).payloadAsString()).isEqualTo("p1");
            assertThat(cb.get(0).encoding()).isEqualTo(Encoding.APPLICATION_JSON);
            assertThat(cb.get(0).attachment()).containsExactly(4, 2);
            assertThat(cb.get(0).priority()).isEqualTo(Priority.REALTIME);
            assertThat(cb.get(1).payloadAsString()).isEqualTo("not for q");
            assertThat(cb.get(2).kind()).isEqualTo(SampleKind.DELETE);
            assertThat(cb).hasSize(3);
            assertThat(threads).allMatch(t -> t.startsWith("zenoh-callbacks-"));
            Sample a = q.poll(Duration.ofSeconds(5));
            Sample b = q.poll(Duration.ofSeconds(5));
            assertThat(a.keyExpr()).isEqualTo(KeyExpr.of("oprc/cls/0/async/fn/1"));
            assertThat(b.kind()).isEqualTo(SampleKind.DELETE);
            assertThat(q.poll()).isNull();
            SessionStats st = s.stats();
            assertThat(st.putsSent()).isZero();
            assertThat(st.putsLocal()).isEqualTo(3);
            assertThat(st.droppedDisconnected()).isZero();
        }
    }

    @Test
    void boundedHandlerCountsDropsAndNeverBlocksThePublisher() {
        try (Session s = Zenoh.open(Config.localOnly())) {
            BlockingSubscriber q = s.declareSubscriber("k/**", 5);
            long t0 = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                s.put(KeyExpr.of("k/" + i), new byte[]{1}, PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK));
            }
            assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(2));
            assertThat(q.size()).isEqualTo(5);
            assertThat(q.dropped()).isEqualTo(995);
            assertThat(s.stats().subscriberDrops()).isEqualTo(995);
        }
    }

    @Test
    void callbackMayPublishWithoutDeadlockEvenWhenTheQueueIsFull() throws Exception {
        Config c = Config.builder().deliveryQueueCapacity(4).build();
        try (Session s = Zenoh.open(c)) {
            CountDownLatch done = new CountDownLatch(1);
            s.declareSubscriber("loop/**", smp -> {
                if (smp.keyExpr().toString().equals("loop/start")) {
                    for (int i = 0; i < 50; i++) { // more than the queue holds, BLOCK: must not wait on itself
                        s.put(KeyExpr.of("loop/" + i), new byte[0],
                                PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK));
                    }
                    done.countDown();
                }
            });
            s.put("loop/start", "go");
            assertThat(done.await(5, TimeUnit.SECONDS)).as("callback finished publishing").isTrue();
            assertThat(s.stats().subscriberDrops()).isGreaterThan(0);
        }
    }

    @Test
    void throwingCallbackIsCountedAndOthersStillReceive() throws Exception {
        try (Session s = Zenoh.open(Config.localOnly())) {
            s.declareSubscriber("x", smp -> {
                throw new IllegalStateException("boom");
            });
            BlockingSubscriber q = s.declareSubscriber("x", 4);
            CountDownLatch got = new CountDownLatch(1);
            s.declareSubscriber("x", smp -> got.countDown());
            s.put("x", "v");
            assertThat(got.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(q.poll(Duration.ofSeconds(1))).isNotNull();
            assertThat(s.stats().callbackErrors()).isEqualTo(1);
        }
    }

    @Test
    void closedSubscriberStopsReceivingAndCloseIsIdempotentAndPrompt() throws Exception {
        Session s = Zenoh.open(Config.localOnly());
        BlockingSubscriber q = s.declareSubscriber("a/b", 4);
        q.close();
        q.close();
        s.put("a/b", "x");
        assertThat(q.poll(Duration.ofMillis(100))).isNull();
        BlockingSubscriber q2 = s.declareSubscriber("a/b", 4);
        long t0 = System.nanoTime();
        s.close();
        s.close();
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(2));
        assertThat(q2.isClosed()).isTrue();
        assertThat(s.isClosed()).isTrue();
        assertThatThrownBy(() -> s.put("a/b", "x")).isInstanceOf(ZenohException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> s.declareSubscriber("a/b", 1)).isInstanceOf(ZenohException.class);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("zenoh-callbacks-"
                + s.zid().substring(0, 8)) && t.isAlive());
    }

    @Test
    void closeFromInsideACallbackDoesNotDeadlock() throws Exception {
        Session s = Zenoh.open(Config.localOnly());
        CountDownLatch closed = new CountDownLatch(1);
        s.declareSubscriber("c", smp -> {
            s.close();
            closed.countDown();
        });
        s.put("c", "x");
        assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(s.isClosed()).isTrue();
    }

    @Test
    void publisherDeliversLocallyAndRejectsUseAfterClose() throws Exception {
        try (Session s = Zenoh.open(Config.localOnly())) {
            BlockingSubscriber q = s.declareSubscriber("pub/**", 4);
            Publisher p = s.declarePublisher(KeyExpr.of("pub/a"), PutOptions.DEFAULT.withEncoding(Encoding.TEXT_PLAIN));
            p.put("x".getBytes(StandardCharsets.UTF_8));
            Sample smp = q.poll(Duration.ofSeconds(5));
            assertThat(smp.keyExpr().toString()).isEqualTo("pub/a");
            assertThat(smp.encoding()).isEqualTo(Encoding.TEXT_PLAIN);
            p.close();
            p.close();
            assertThatThrownBy(() -> p.put(new byte[0])).isInstanceOf(ZenohException.class).hasMessageContaining("pub/a");
            assertThatThrownBy(() -> s.declarePublisher("pub/*")).hasMessageContaining("'pub/*'");
        }
    }

    @Test
    void rejectsWildcardPublishAndBadArguments() {
        try (Session s = Zenoh.open(Config.localOnly())) {
            assertThatThrownBy(() -> s.put("a/*", "x")).isInstanceOf(ZenohException.class).hasMessageContaining("'a/*'");
            assertThatThrownBy(() -> s.declareSubscriber("a", 0)).hasMessageContaining("capacity");
            assertThatThrownBy(() -> s.put("a//b", "x")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("a//b");
            assertThat(List.of(s.zid())).allMatch(z -> z.matches("[0-9a-f]{1,32}"));
        }
    }

    @Test
    void aScopedPutReachesALocalSubscriberUnderTheWholeKey() throws Exception {
        try (Session s = Zenoh.open(Config.localOnly())) {
            BlockingSubscriber sub = s.declareSubscriber(KeyExpr.of("oprc/c/0/async/**"), 4);
            KeyExpr prefix = s.declareKeyExpr("oprc/c/0/async/fn");
            assertThat(s.tryPut(prefix, "/id1", new byte[]{1}, PutOptions.DEFAULT)).isTrue();
            Sample got = sub.poll(java.time.Duration.ofSeconds(5));
            assertThat(got).isNotNull();
            assertThat(got.keyExpr().toString()).isEqualTo("oprc/c/0/async/fn/id1");
        }
    }

    @Test
    void aScopedPutRefusesASuffixThatIsNotAConcreteKeyTail() {
        try (Session s = Zenoh.open(Config.localOnly())) {
            KeyExpr prefix = s.declareKeyExpr("oprc/c/0/async/fn");
            for (String bad : new String[]{"id", "/", "/a/", "/a//b", "/*", "/a/**", "/$*", "/a?b", "/a#b"}) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.tryPut(prefix, bad, new byte[0], PutOptions.DEFAULT))
                        .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key suffix '" + bad + "'");
            }
        }
    }
}
