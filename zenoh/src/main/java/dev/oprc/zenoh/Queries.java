package dev.oprc.zenoh;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query path of a {@link Session}: queryables, pending gets (local and remote), the bounded
 * handler executor ({@code zenoh-query-<zid8>-<n>}) and the timer thread ({@code zenoh-timer-<zid8>})
 * for get timeouts and detached-query deadlines. Both pools are owned here and stopped by
 * {@link #close()}. Declaration state is guarded by the session's {@code declLock}; everything
 * else is concurrent. Thread-safe.
 */
final class Queries {
    private static final Logger LOG = LoggerFactory.getLogger(Queries.class);
    private static final Queryable[] NO_QUERYABLES = new Queryable[0];
    static final long DEFAULT_QUERY_DEADLINE_MS = 10_000;
    static final byte[] OVERLOADED = "queryable overloaded".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final Session session;
    private final ThreadPoolExecutor executor;
    final ScheduledThreadPoolExecutor timer;
    private final Map<Long, PendingGet> pending = new ConcurrentHashMap<>();
    private final AtomicInteger nextRequestId = new AtomicInteger();
    private final Map<Long, Queryable> queryables = new LinkedHashMap<>(); // guarded by declLock
    private volatile Queryable[] snapshot = NO_QUERYABLES;
    private long nextQueryableId = 1;

    final LongAdder getsIssued = new LongAdder();
    final LongAdder getsTimedOut = new LongAdder();
    final LongAdder repliesReceived = new LongAdder();
    final LongAdder lateReplies = new LongAdder();
    final LongAdder mismatchedReplies = new LongAdder();
    final LongAdder replyDrops = new LongAdder();
    final LongAdder queriesReceived = new LongAdder();
    final LongAdder queriesRejected = new LongAdder();
    final LongAdder handlerErrors = new LongAdder();
    final LongAdder repliesSent = new LongAdder();
    final LongAdder repliesLost = new LongAdder();
    final LongAdder queriesExpired = new LongAdder();

    Queries(Session session, String tag, int handlerThreads, int handlerQueue) {
        this.session = session;
        this.executor = new ThreadPoolExecutor(handlerThreads, handlerThreads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(handlerQueue), named("zenoh-query-" + tag + "-", true));
        this.executor.allowCoreThreadTimeOut(true);
        this.timer = new ScheduledThreadPoolExecutor(1, named("zenoh-timer-" + tag, false));
        this.timer.setRemoveOnCancelPolicy(true);
    }

    private static ThreadFactory named(String name, boolean numbered) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, numbered ? name + n.incrementAndGet() : name);
            t.setDaemon(true);
            return t;
        };
    }

    QueryStats stats() {
        return new QueryStats(getsIssued.sum(), getsTimedOut.sum(), repliesReceived.sum(), lateReplies.sum(),
                mismatchedReplies.sum(), replyDrops.sum(), queriesReceived.sum(), queriesRejected.sum(),
                handlerErrors.sum(), repliesSent.sum(), repliesLost.sum(), queriesExpired.sum());
    }

    /* ---- queryables ---- */

    Queryable declare(KeyExpr key, Consumer<Query> handler, boolean complete) {
        synchronized (session.declLock) {
            long id = nextQueryableId++;
            Queryable q = new Queryable(session, id, key, complete, handler);
            queryables.put(id, q);
            snapshot = queryables.values().toArray(NO_QUERYABLES);
            WireWriter w = new WireWriter();
            WireQueries.writeDeclareQueryable(w, id, key.toString(), complete, 0);
            session.sendDeclarationLocked(w.toByteArray());
            return q;
        }
    }

    void undeclare(Queryable q) {
        synchronized (session.declLock) {
            if (queryables.remove(q.id()) == null) {
                return;
            }
            snapshot = queryables.values().toArray(NO_QUERYABLES);
            if (!session.isClosed()) {
                WireWriter w = new WireWriter();
                WireQueries.writeUndeclare(w, Wire.U_QUERYABLE, q.id());
                session.sendDeclarationLocked(w.toByteArray());
            }
        }
    }

    /** D_QUERYABLEs for a new link; caller holds declLock. */
    void declarationsLocked(List<byte[]> out) {
        for (Queryable q : queryables.values()) {
            WireWriter w = new WireWriter();
            WireQueries.writeDeclareQueryable(w, q.id(), q.keyExpr().toString(), q.isComplete(), 0);
            out.add(w.toByteArray());
        }
    }

    private List<Queryable> matching(KeyExpr key, QueryTarget target) {
        List<Queryable> out = null;
        for (Queryable q : snapshot) {
            if (!q.isClosed() && q.accepts(key, target)) {
                if (out == null) {
                    out = new ArrayList<>(2);
                }
                out.add(q);
            }
        }
        return out == null ? List.of() : out;
    }

    /* ---- gets ---- */

    long nextRequestId() {
        return nextRequestId.getAndIncrement() & 0xFFFF_FFFFL;
    }

    /**
     * Starts a get: local queryables, then (if connected) the router; completes on finals or timeout.
     * {@code mayBlock}: the request may wait for room in a link's outbound queue (BLOCK); false: a
     * link whose queue is full now is skipped. Returns false when some link was skipped or failed.
     */
    boolean get(KeyExpr key, String params, GetOptions o, ReplySink sink, boolean mayBlock) {
        long id = nextRequestId();
        boolean anyKey = Query.parseParameters(params).containsKey("_anyke");
        PendingGet pg = new PendingGet(this, pending, id, key, anyKey, o.consolidation(), false, sink);
        pending.put(id, pg);
        getsIssued.increment();
        List<Queryable> local = matching(key, o.target());
        for (int i = 0; i < local.size(); i++) {
            pg.expect();
        }
        List<Transport> faces = session.faces();
        boolean allSent = true;
        if (!faces.isEmpty()) {
            byte[] request = encodeRequest(id, key, params, o);
            for (Transport face : faces) {
                pg.expectRemote(face);
                if (!sendRequest(face, request, key, mayBlock)) {
                    allSent = false;
                    pg.remoteDone(face);
                }
            }
        }
        pg.setTimer(timer.schedule(() -> pg.complete(true), o.timeout().toMillis(), TimeUnit.MILLISECONDS));
        for (Queryable q : local) {
            Query query = new Query(key, params, o.payload(), o.encoding(), o.attachment(), new LocalResponder(pg));
            submit(q, query, o.timeout().toMillis());
        }
        pg.start();
        return allSent;
    }

    private static byte[] encodeRequest(long id, KeyExpr key, String params, GetOptions o) {
        WireWriter w = new WireWriter(64 + (o.payload() != null ? o.payload().length : 0)
                + (o.attachment() != null ? o.attachment().length : 0));
        WireQueries.writeRequest(w, id, key.toString(), new WireQueries.QuerySpec(WireQueries.REQUEST_QOS,
                o.target().wire(), o.timeout().toMillis(), o.consolidation().resolved().wire(), params,
                o.encoding(), o.payload(), o.attachment()));
        return w.toByteArray();
    }

    private boolean sendRequest(Transport face, byte[] request, KeyExpr key, boolean mayBlock) {
        try {
            OutMsg m = new OutMsg(request, true, false, false);
            return mayBlock ? face.sendNotCounted(m, CongestionControl.BLOCK, key.toString()) : face.offer(m);
        } catch (ZenohException e) {
            LOG.debug("get on '{}' not sent to {}: {}", key, face.describe(), e.getMessage());
            return false;
        }
    }

    /** A RESPONSE from the router (reader thread; never blocks). */
    void onRemoteResponse(WireQueries.Response r, String key) {
        PendingGet pg = pending.get(r.requestId());
        if (pg == null) {
            lateReplies.increment();
            return;
        }
        Reply reply;
        if (r.kind() == WireQueries.Z_ERR) {
            reply = Reply.err(r.payload(), r.encoding(), r.responderZid());
        } else {
            KeyExpr k;
            try {
                k = KeyExpr.of(key);
            } catch (IllegalArgumentException e) {
                mismatchedReplies.increment();
                return;
            }
            if (!pg.anyKey && !pg.keyExpr.intersects(k)) {
                mismatchedReplies.increment();
                return;
            }
            reply = Reply.ok(new Sample(k, r.payload(), r.encoding(), r.put() ? SampleKind.PUT : SampleKind.DELETE,
                    r.timestamp(), r.attachment(), QoS.fromWire(r.qos())), r.responderZid());
        }
        pg.onReply(reply);
    }

    void onRemoteFinal(Transport face, long requestId) {
        PendingGet pg = pending.get(requestId);
        if (pg != null) {
            pg.remoteDone(face);
        }
    }

    /** The link of {@code face} broke: no RESPONSE_FINAL will come for gets sent on it. */
    void onLinkDown(Transport face) {
        for (PendingGet pg : pending.values()) {
            pg.remoteDone(face);
        }
    }

    /* ---- queries from the router ---- */

    /** A REQUEST from the router or a peer on {@code face} (reader thread; never blocks). */
    void onRemoteRequest(Transport face, WireQueries.Request r, KeyExpr key, long epoch) {
        List<Queryable> targets = matching(key, QueryTarget.fromWire(r.target()));
        InboundRequest in = new InboundRequest(this, face, r.id(), epoch, targets.size());
        if (targets.isEmpty()) {
            in.sendFinal(this, false);
            return;
        }
        long deadline = r.timeoutMs() > 0 ? Math.min(r.timeoutMs(), 86_400_000L) : DEFAULT_QUERY_DEADLINE_MS;
        for (Queryable q : targets) {
            Query query = new Query(key, r.parameters(), r.payload(), r.encoding(), r.attachment(), in);
            submit(q, query, deadline);
        }
    }

    /** Hands {@code query} to {@code q}'s handler on the executor; overflow is answered with an ERR. */
    private void submit(Queryable q, Query query, long deadlineMs) {
        queriesReceived.increment();
        try {
            executor.execute(() -> runHandler(q, query, deadlineMs));
        } catch (RejectedExecutionException e) {
            queriesRejected.increment();
            if (query.responderIsRemote()) {
                ((InboundRequest) query.responder()).rejectFromReader(this, query);
            } else {
                query.replyErr(OVERLOADED, Encoding.ZENOH_STRING);
                query.close();
            }
        }
    }

    private void runHandler(Queryable q, Query query, long deadlineMs) {
        try {
            q.handler().accept(query);
        } catch (RuntimeException | Error e) {
            handlerErrors.increment();
            LOG.warn("query handler of {} threw on {}", q, query, e);
        } finally {
            if (!query.isDetached()) {
                query.close();
            } else if (!query.isClosed()) {
                // Not kept: expire() is a no-op once the query closed, and counts what it expired.
                ScheduledFuture<?> unused = timer.schedule(() -> expire(query), deadlineMs, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void expire(Query query) {
        if (query.expire()) {
            queriesExpired.increment();
        }
    }

    /** Sends an encoded reply/final for a remote query if the link it came on is still up. */
    boolean sendRemote(Transport face, byte[] msg, long epoch, boolean mayBlock, CongestionControl cc) {
        if (face.linkEpoch() != epoch) {
            repliesLost.increment();
            return false;
        }
        boolean ok = mayBlock ? face.sendNotCounted(new OutMsg(msg, true, false, false), cc, "reply")
                : face.offer(new OutMsg(msg, true, false, false));
        if (!ok) {
            repliesLost.increment();
        }
        return ok;
    }

    byte[] zid() {
        return session.zidBytes();
    }

    int maxPayload() {
        return session.config().maxMessageSize() - 1024;
    }

    /** Stops both pools; queued handlers are dropped, running ones are interrupted after 1 s. */
    void close() {
        for (PendingGet pg : pending.values()) {
            pg.complete(false);
        }
        timer.shutdownNow();
        executor.shutdown();
        try {
            if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /* ---- responders ---- */

    /** Replies of a local query go straight into the pending get. */
    private final class LocalResponder implements Query.Responder {
        private final PendingGet pg;

        LocalResponder(PendingGet pg) {
            this.pg = pg;
        }

        @Override
        public void reply(Query q, Sample s) {
            pg.onReply(Reply.ok(s, session.zid()));
        }

        @Override
        public void replyErr(Query q, ReplyError e) {
            pg.onReply(new Reply(null, e, session.zid()));
        }

        @Override
        public void close(Query q) {
            pg.targetDone();
        }
    }
}
