package dev.oprc.zenoh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Queries and liveliness inside one session, without a router (local delivery). */
@Timeout(30)
final class LocalQueryTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void getReachesOwnQueryableWithSelectorPayloadAndAttachment() throws Exception {
        try (Session s = Zenoh.open(Config.localOnly())) {
            AtomicReference<Query> seen = new AtomicReference<>();
            AtomicReference<String> thread = new AtomicReference<>();
            s.declareQueryable(KeyExpr.of("oprc/cls/1/objects/*"), q -> {
                seen.set(q);
                thread.set(Thread.currentThread().getName());
                q.reply(q.keyExpr(), bytes("v:" + q.payloadAsString()), Query.DEFAULT_REPLY
                        .withEncoding(Encoding.APPLICATION_JSON).withAttachment(new byte[]{4}));
            }, true);
            List<Reply> got = s.get("oprc/cls/1/objects/42?a=1;b=2;flag", GetOptions.DEFAULT.withPayload(bytes("p"))
                    .withEncoding(Encoding.TEXT_PLAIN).withAttachment(new byte[]{7})).collect(WAIT);
            assertThat(got).hasSize(1);
            Reply r = got.get(0);
            assertThat(r.isOk()).isTrue();
            assertThat(r.keyExpr()).isEqualTo(KeyExpr.of("oprc/cls/1/objects/42"));
            assertThat(r.payloadAsString()).isEqualTo("v:p");
            assertThat(r.encoding()).isEqualTo(Encoding.APPLICATION_JSON);
            assertThat(r.result().attachment()).containsExactly(4);
            assertThat(r.replierId()).isEqualTo(s.zid());
            Query q = seen.get();
            assertThat(q.selector()).isEqualTo("oprc/cls/1/objects/42?a=1;b=2;flag");
            assertThat(q.parameters()).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"), Map.entry("flag", ""));
            assertThat(q.encoding()).isEqualTo(Encoding.TEXT_PLAIN);
            assertThat(q.attachment()).containsExactly(7);
            assertThat(q.isClosed()).as("closed when the handler returned").isTrue();
            assertThat(thread.get()).startsWith("zenoh-query-");
        }
    }

    @Test
    void errAndDeleteRepliesAndNoQueryableFinishImmediately() throws Exception {
        try (Session s = Zenoh.open(Config.localOnly())) {
            s.declareQueryable(KeyExpr.of("a/**"), q -> {
                q.replyErr("nope");
                q.replyDel("a/gone");
            }, false);
            List<Reply> got = s.get("a/x", GetOptions.DEFAULT.withConsolidation(ConsolidationMode.NONE)).collect(WAIT);
            assertThat(got).hasSize(1); // a/gone does not intersect a/x ... see below
            assertThat(got.get(0).isOk()).isFalse();
            assertThat(got.get(0).error().payloadAsString()).isEqualTo("nope");
            assertThat(got.get(0).encoding()).isEqualTo(Encoding.ZENOH_STRING);
            assertThat(s.queryStats().handlerErrors()).as("replyDel on a disjoint key threw").isEqualTo(1);

            List<Reply> del = s.get("a/*", GetOptions.DEFAULT).collect(WAIT);
            assertThat(del).extracting(Reply::isOk).containsExactlyInAnyOrder(false, true);
            assertThat(del.stream().filter(Reply::isOk).findFirst().orElseThrow().result().kind())
                    .isEqualTo(SampleKind.DELETE);

            long t0 = System.nanoTime();
            ReplyReceiver none = s.get("b/c", GetOptions.DEFAULT);
            assertThat(none.collect(WAIT)).isEmpty();
            assertThat(System.nanoTime() - t0).as("no target: final at once").isLessThan(Duration.ofSeconds(2).toNanos());
        }
    }

    @Test
    void replyOnADisjointKeyIsRejectedUnlessAnyke() throws Exception {
        try (Session s = Zenoh.open(Config.localOnly())) {
            CopyOnWriteArrayList<Throwable> errors = new CopyOnWriteArrayList<>();
            s.declareQueryable(KeyExpr.of("k/**"), q -> {
                try {
                    q.reply("other/key", "x");
                } catch (ZenohException e) {
                    errors.add(e);
                }
            }, false);
            assertThat(s.get("k/1").collect(WAIT)).isEmpty();
            assertThat(errors).hasSize(1);
            assertThat(errors.get(0)).hasMessageContaining("other/key").hasMessageContaining("k/1");
            List<Reply> any = s.get("k/1?_anyke").collect(WAIT);
            assertThat(any).extracting(r -> r.keyExpr().toString()).containsExactly("other/key");
        }
    }

    @Test
    void consolidationLatestKeepsOneReplyPerKeyNoneKeepsAll() throws Exception {
        try (Session s = Zenoh.open(Config.localOnly())) {
            s.declareQueryable(KeyExpr.of("c/*"), q -> {
                q.reply("c/1", "first");
                q.reply("c/1", "second");
                q.reply("c/2", "other");
            }, false);
            List<Reply> latest = s.get("c/*").collect(WAIT);
            assertThat(latest).extracting(Reply::payloadAsString).containsExactly("second", "other");
            List<Reply> none = s.get("c/*", GetOptions.DEFAULT.withConsolidation(ConsolidationMode.NONE))
                    .collect(WAIT);
            assertThat(none).extracting(Reply::payloadAsString).containsExactly("first", "second", "other");
        }
    }

    private static Reply stamped(String key, String payload, Long ntp64) {
        return Reply.ok(new Sample(KeyExpr.of(key), bytes(payload), Encoding.ZENOH_BYTES, SampleKind.PUT,
                ntp64 == null ? null : new Timestamp(ntp64, "a1"), null, QoS.DEFAULT), null);
    }

    @Test
    void monotonicDropsRepliesOlderThanOneDeliveredForTheKeyLatestKeepsTheNewest() throws Exception {
        try (Session s = Zenoh.open(Config.localOnly())) {
            ReplyReceiver mono = new ReplyReceiver(16);
            PendingGet pg = new PendingGet(s.queries(), new java.util.concurrent.ConcurrentHashMap<>(), 1,
                    KeyExpr.of("m/*"), false, ConsolidationMode.MONOTONIC, false, mono.sink);
            assertThat(pg.onReply(stamped("m/1", "t10", 10L))).isTrue();
            assertThat(pg.onReply(stamped("m/1", "t5", 5L))).as("older").isFalse();
            assertThat(pg.onReply(stamped("m/1", "t10b", 10L))).as("equal").isTrue();
            assertThat(pg.onReply(stamped("m/2", "none", null))).isTrue();
            assertThat(pg.onReply(stamped("m/2", "t1", 1L))).as("a timestamp beats none").isTrue();
            pg.start();
            assertThat(mono.collect(WAIT)).extracting(Reply::payloadAsString).containsExactly("t10", "t10b", "none", "t1");

            ReplyReceiver latest = new ReplyReceiver(16);
            PendingGet pl = new PendingGet(s.queries(), new java.util.concurrent.ConcurrentHashMap<>(), 2,
                    KeyExpr.of("m/*"), false, ConsolidationMode.AUTO, false, latest.sink);
            pl.onReply(stamped("m/1", "new", 20L));
            pl.onReply(stamped("m/1", "old", 10L));
            pl.onReply(stamped("m/2", "only", null));
            assertThat(latest.poll()).as("LATEST holds replies until the end").isNull();
            pl.start();
            assertThat(latest.collect(WAIT)).extracting(Reply::payloadAsString).containsExactly("new", "only");
            assertThat(pl.onReply(stamped("m/3", "late", 1L))).isFalse();
            assertThat(s.queryStats().lateReplies()).isEqualTo(1);
        }
    }

    @Test
    void targetAllCompleteOnlyReachesCompleteQueryablesCoveringTheKey() throws Exception {
        try (Session s = Zenoh.open(Config.localOnly())) {
            s.declareQueryable(KeyExpr.of("t/**"), q -> q.reply("t/x", "complete"), true);
            s.declareQueryable(KeyExpr.of("t/x"), q -> q.reply("t/x", "partial"), false);
            GetOptions all = GetOptions.DEFAULT.withConsolidation(ConsolidationMode.NONE);
            assertThat(s.get("t/x", all.withTarget(QueryTarget.ALL)).collect(WAIT))
                    .extracting(Reply::payloadAsString).containsExactlyInAnyOrder("complete", "partial");
            assertThat(s.get("t/x", all.withTarget(QueryTarget.ALL_COMPLETE)).collect(WAIT))
                    .extracting(Reply::payloadAsString).containsExactly("complete");
        }
    }

    @Test
    void detachedQueryRepliesLaterAndItsCloseSendsTheFinal() throws Exception {
        try (Session s = Zenoh.open(Config.localOnly())) {
            LinkedBlockingQueue<Query> held = new LinkedBlockingQueue<>();
            s.declareQueryable(KeyExpr.of("async/*"), q -> held.add(q.detach()), false);
            ReplyReceiver rr = s.get("async/1", GetOptions.DEFAULT.withConsolidation(ConsolidationMode.NONE));
            Query q = held.poll(10, TimeUnit.SECONDS);
            assertThat(q).isNotNull();
            q.reply("async/1", "later");
            Reply first = rr.poll(WAIT);
            assertThat(first.payloadAsString()).isEqualTo("later");
            assertThat(rr.isFinished()).as("detached: still open").isFalse();
            q.close();
            assertThat(rr.awaitFinished(10, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> q.reply("async/1", "after close")).isInstanceOf(ZenohException.class)
                    .hasMessageContaining("closed");
        }
    }

    @Test
    void timeoutFinishesTheGetAndLateRepliesAreCounted() throws Exception {
        try (Session s = Zenoh.open(Config.localOnly())) {
            CountDownLatch timedOut = new CountDownLatch(1);
            CountDownLatch replied = new CountDownLatch(1);
            s.declareQueryable(KeyExpr.of("slow"), q -> {
                try {
                    timedOut.await(10, TimeUnit.SECONDS); // a slow handler, still inside its call
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                q.reply("slow", "too late");
                replied.countDown();
            }, false);
            long t0 = System.nanoTime();
            ReplyReceiver rr = s.get("slow", GetOptions.DEFAULT.withTimeout(Duration.ofMillis(300)));
            assertThat(rr.collect(WAIT)).isEmpty();
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(290).toNanos());
            assertThat(s.queryStats().getsTimedOut()).isEqualTo(1);
            timedOut.countDown();
            assertThat(replied.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(s.queryStats().lateReplies()).isEqualTo(1);
            assertThat(rr.poll()).isNull();
        }
    }

    @Test
    void detachedQueryNeverClosedIsExpiredAtItsDeadline() throws Exception {
        try (Session s = Zenoh.open(Config.localOnly())) {
            s.declareQueryable(KeyExpr.of("leak"), Query::detach, false);
            ReplyReceiver rr = s.get("leak", GetOptions.DEFAULT.withTimeout(Duration.ofMillis(200)));
            assertThat(rr.collect(WAIT)).isEmpty();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (s.queryStats().queriesExpired() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(s.queryStats().queriesExpired()).isEqualTo(1);
        }
    }

    @Test
    void boundedHandlerExecutorAnswersOverflowWithAnErrorAndCountsIt() throws Exception {
        try (Session s = new Session(Config.localOnly(), 1, 1)) {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            s.declareQueryable(KeyExpr.of("busy"), q -> {
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                q.reply("busy", "done");
            }, false);
            GetOptions none = GetOptions.DEFAULT.withConsolidation(ConsolidationMode.NONE);
            ReplyReceiver running = s.get("busy", none);
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            ReplyReceiver queued = s.get("busy", none);
            ReplyReceiver rejected = s.get("busy", none);
            List<Reply> r3 = rejected.collect(WAIT);
            assertThat(r3).hasSize(1);
            assertThat(r3.get(0).isOk()).isFalse();
            assertThat(r3.get(0).error().payloadAsString()).isEqualTo("queryable overloaded");
            assertThat(s.queryStats().queriesRejected()).isEqualTo(1);
            release.countDown();
            assertThat(running.collect(WAIT)).extracting(Reply::payloadAsString).containsExactly("done");
            assertThat(queued.collect(WAIT)).extracting(Reply::payloadAsString).containsExactly("done");
            assertThat(s.queryStats().queriesReceived()).isEqualTo(3);
        }
    }

    @Test
    void replyCallbacksRunOnTheCallbackThreadThenTheFinal() throws Exception {
        try (Session s = Zenoh.open(Config.localOnly())) {
            s.declareQueryable(KeyExpr.of("cb/*"), q -> {
                q.reply("cb/1", "a");
                q.reply("cb/2", "b");
            }, false);
            CopyOnWriteArrayList<String> events = new CopyOnWriteArrayList<>();
            CountDownLatch fin = new CountDownLatch(1);
            s.get("cb/*", GetOptions.DEFAULT.withConsolidation(ConsolidationMode.NONE), r -> events.add(
                    r.payloadAsString() + "@" + Thread.currentThread().getName()), () -> {
                        events.add("final");
                        fin.countDown();
                    });
            assertThat(fin.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(events).hasSize(3);
            assertThat(events.get(0)).startsWith("a@zenoh-callbacks-");
            assertThat(events.get(1)).startsWith("b@zenoh-callbacks-");
            assertThat(events.get(2)).isEqualTo("final");
        }
    }

    @Test
    void handlerExceptionIsCountedAndTheQueryStillFinishes() throws Exception {
        try (Session s = Zenoh.open(Config.localOnly())) {
            s.declareQueryable(KeyExpr.of("boom"), q -> {
                throw new IllegalStateException("handler bug");
            }, false);
            assertThat(s.get("boom").collect(WAIT)).isEmpty();
            assertThat(s.queryStats().handlerErrors()).isEqualTo(1);
        }
    }

    @Test
    void closedQueryableIsNotQueriedAndClosingTheSessionFinishesPendingGets() throws Exception {
        Session s = Zenoh.open(Config.localOnly());
        Queryable q = s.declareQueryable(KeyExpr.of("gone"), x -> x.reply("gone", "x"), false);
        q.close();
        q.close();
        assertThat(s.get("gone").collect(WAIT)).isEmpty();
        s.declareQueryable(KeyExpr.of("hang"), Query::detach, false);
        ReplyReceiver rr = s.get("hang");
        s.close();
        assertThat(rr.awaitFinished(5, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> s.get("hang")).isInstanceOf(ZenohException.class).hasMessageContaining("closed");
    }

    @Test
    void badArgumentsNameTheValue() {
        try (Session s = Zenoh.open(Config.localOnly())) {
            assertThatThrownBy(() -> s.get("a//b")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("a//b");
            assertThatThrownBy(() -> GetOptions.DEFAULT.withTimeout(Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
            assertThatThrownBy(() -> s.liveliness().declareToken("a/*")).isInstanceOf(ZenohException.class)
                    .hasMessageContaining("a/*");
        }
    }

    @Test
    void localTokensAreSeenByLocalLivelinessGetsAndSubscribers() throws Exception {
        try (Session s = Zenoh.open(Config.localOnly())) {
            LinkedBlockingQueue<Sample> changes = new LinkedBlockingQueue<>();
            s.liveliness().declareSubscriber("oprc/c/*/liveliness/*", changes::add);
            LivelinessToken t1 = s.liveliness().declareToken("oprc/c/0/liveliness/1");
            LivelinessToken t1b = s.liveliness().declareToken("oprc/c/0/liveliness/1");
            LivelinessToken t2 = s.liveliness().declareToken("oprc/c/0/liveliness/2");
            s.liveliness().declareToken("other/key");
            Sample a = changes.poll(10, TimeUnit.SECONDS);
            Sample b = changes.poll(10, TimeUnit.SECONDS);
            assertThat(List.of(a.keyExpr().toString(), b.keyExpr().toString()))
                    .containsExactly("oprc/c/0/liveliness/1", "oprc/c/0/liveliness/2");
            assertThat(a.kind()).isEqualTo(SampleKind.PUT);
            List<Reply> alive = s.liveliness().get("oprc/c/**", WAIT).collect(WAIT);
            assertThat(alive).extracting(r -> r.keyExpr().toString())
                    .containsExactlyInAnyOrder("oprc/c/0/liveliness/1", "oprc/c/0/liveliness/2");
            t1.close();
            t2.close();
            Sample gone = changes.poll(10, TimeUnit.SECONDS);
            assertThat(gone.keyExpr().toString()).as("key 1 is still held by t1b").isEqualTo("oprc/c/0/liveliness/2");
            assertThat(gone.kind()).isEqualTo(SampleKind.DELETE);
            t1b.close();
            Sample last = changes.poll(10, TimeUnit.SECONDS);
            assertThat(last.keyExpr().toString()).isEqualTo("oprc/c/0/liveliness/1");
            assertThat(last.kind()).isEqualTo(SampleKind.DELETE);

            CopyOnWriteArrayList<String> hist = new CopyOnWriteArrayList<>();
            s.liveliness().declareToken("oprc/c/1/liveliness/9");
            LivelinessSubscriber h = s.liveliness().declareSubscriber(KeyExpr.of("oprc/**"), smp -> hist.add(
                    smp.kind() + " " + smp.keyExpr()), true);
            LivelinessToken marker = s.liveliness().declareToken("oprc/marker");
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (hist.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(hist).containsExactly("PUT oprc/c/1/liveliness/9", "PUT oprc/marker");
            h.close();
            marker.close();
        }
    }
}
