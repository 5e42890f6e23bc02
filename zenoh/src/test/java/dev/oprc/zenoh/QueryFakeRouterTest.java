package dev.oprc.zenoh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.zenoh.FakeRouterTest.FakeRouter;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The query path against a scripted router: exact messages, ordering, and link loss. */
@Timeout(60)
final class QueryFakeRouterTest {
    private static Config config(String endpoint) {
        return Config.builder().connect(endpoint).lease(Duration.ofSeconds(10)).reconnectInitial(Duration.ofMillis(100))
                .reconnectMax(Duration.ofMillis(200)).build();
    }

    /** Reads the client's batches and hands every network message it sends to {@code sink}. */
    static void readClient(DataInputStream in, Wire.NetworkSink sink) throws Exception {
        Wire.Ext e = new Wire.Ext();
        while (true) {
            WireReader r = new WireReader(FakeRouter.readBatch(in));
            while (r.hasRemaining()) {
                int h = r.u8();
                if ((h & 0x1F) == Wire.T_KEEP_ALIVE) {
                    continue;
                }
                if ((h & 0x1F) == Wire.T_CLOSE) {
                    return; // the session closes its link at the end of the test
                }
                assertThat(h & 0x1F).as("client sends FRAMEs").isEqualTo(Wire.T_FRAME);
                r.vleU32("sn");
                while (r.hasRemaining() && Wire.isNetworkId(r.peek())) {
                    Wire.readNetwork(r, sink, true, e);
                }
            }
        }
    }

    /** Records what the client sends, as short strings. */
    static final class Recorder implements Wire.NetworkSink {
        private final List<String> seen = new java.util.ArrayList<>();
        private final java.util.Set<Integer> taken = new java.util.HashSet<>();

        private synchronized void add(String s) {
            seen.add(s);
            notifyAll();
        }

        @Override
        public void onPush(Wire.Push p, boolean reliable) {
            add("PUSH " + p.suffix());
        }

        @Override
        public void onDeclare(Wire.Declare d) {
            add("DECLARE " + d.body() + " " + d.entityId() + " " + d.suffix());
        }

        @Override
        public void onInterest(Wire.Interest i) {
            add("INTEREST " + i.mode() + " " + i.suffix());
        }

        @Override
        public void onRequest(WireQueries.Request q) {
            add("REQUEST " + q.id() + " " + q.suffix() + "?" + q.parameters() + " t=" + q.timeoutMs());
        }

        @Override
        public void onResponse(WireQueries.Response r) {
            add("RESPONSE " + r.requestId() + " " + (r.kind() == WireQueries.Z_ERR ? "ERR" : "REPLY " + r.suffix())
                    + " " + new String(r.payload(), java.nio.charset.StandardCharsets.UTF_8));
        }

        @Override
        public void onResponseFinal(long requestId) {
            add("FINAL " + requestId);
        }

        /** The first message starting with {@code prefix} not returned before (waits up to 10 s). */
        synchronized String await(String prefix) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                for (int i = 0; i < seen.size(); i++) {
                    if (!taken.contains(i) && seen.get(i).startsWith(prefix)) {
                        taken.add(i);
                        return seen.get(i);
                    }
                }
                TimeUnit.NANOSECONDS.timedWait(this, Math.max(1, deadline - System.nanoTime()));
            }
            throw new AssertionError("client never sent " + prefix + "; sent " + seen);
        }
    }

    @Test
    void routerRequestIsAnsweredWithRepliesThenOneFinal() throws Exception {
        Recorder rec = new Recorder();
        FakeRouterTest.Script script = (n, in, out) -> {
            Thread reader = new Thread(() -> {
                try {
                    readClient(in, rec);
                } catch (Exception ignored) {
                    // link closed
                }
            });
            reader.setDaemon(true);
            reader.start();
            rec.await("DECLARE " + Wire.D_QUERYABLE + " 1");
            rec.await("DECLARE " + Wire.D_QUERYABLE + " 2");
            write(out, 77, "q/1", "a=1");
            write(out, 78, "other/key", "");
            Thread.sleep(5000);
        };
        try (FakeRouter router = new FakeRouter(10_000, false, script);
             Session s = Zenoh.open(config(router.endpoint()))) {
            CopyOnWriteArrayList<String> params = new CopyOnWriteArrayList<>();
            s.declareQueryable(KeyExpr.of("q/*"), q -> {
                params.add(q.parametersString());
                q.reply(q.keyExpr(), "one".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                q.replyErr("two");
            }, false);
            s.declareQueryable(KeyExpr.of("q/**"), q -> q.reply("q/1", "three"), false);
            List<String> got = List.of(rec.await("RESPONSE"), rec.await("RESPONSE"), rec.await("RESPONSE"),
                    rec.await("FINAL 77"));
            assertThat(got.subList(0, 3)).containsExactlyInAnyOrder("RESPONSE 77 REPLY q/1 one", "RESPONSE 77 ERR two",
                    "RESPONSE 77 REPLY q/1 three");
            assertThat(rec.await("FINAL 78")).as("no queryable matched: final at once").isEqualTo("FINAL 78");
            assertThat(params).containsExactly("a=1");
            assertThat(s.queryStats().repliesSent()).isEqualTo(3);
        }
    }

    private static void write(OutputStream out, long id, String key, String params) throws Exception {
        FakeRouter.writeBatch(out, w -> {
            Wire.writeFrameHeader(w, true, 5 + id);
            WireQueries.writeRequest(w, id, key, new WireQueries.QuerySpec(0x0D, 0, 5000, 0, params, null, null, null));
        });
    }

    @Test
    void linkLossFinishesAGetInFlightLongBeforeItsTimeout() throws Exception {
        Recorder rec = new Recorder();
        FakeRouterTest.Script script = (n, in, out) -> {
            if (n == 1) {
                Thread reader = new Thread(() -> {
                    try {
                        readClient(in, rec);
                    } catch (Exception ignored) {
                        // link closed
                    }
                });
                reader.setDaemon(true);
                reader.start();
                rec.await("REQUEST");
                out.close(); // the router dies with the request pending
            } else {
                Thread.sleep(10_000);
            }
        };
        try (FakeRouter router = new FakeRouter(10_000, false, script);
             Session s = Zenoh.open(config(router.endpoint()))) {
            long t0 = System.nanoTime();
            ReplyReceiver rr = s.get("far/away?x=1", GetOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)));
            assertThat(rr.awaitFinished(10, TimeUnit.SECONDS)).isTrue();
            assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(10).toNanos());
            assertThat(s.queryStats().getsTimedOut()).isZero();
            assertThat(rr.poll()).isNull();
        }
    }
}
