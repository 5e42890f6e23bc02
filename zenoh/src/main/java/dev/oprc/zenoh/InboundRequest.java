package dev.oprc.zenoh;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A REQUEST received from the router or a peer (on one face), shared by the queries of every local queryable it matched:
 * replies are encoded as RESPONSEs carrying the router's request id, and the RESPONSE_FINAL is
 * sent when the last of those queries closes, on the face the REQUEST came on. Replies for a link
 * that broke are dropped (the other side forgot the id). Thread-safe.
 */
final class InboundRequest implements Query.Responder {
    private final Transport face;
    private final long requestId;
    private final long epoch;
    private final AtomicInteger open;
    private final Queries queries;

    InboundRequest(Queries queries, Transport face, long requestId, long epoch, int targets) {
        this.queries = queries;
        this.face = face;
        this.requestId = requestId;
        this.epoch = epoch;
        this.open = new AtomicInteger(targets);
    }

    @Override
    public void reply(Query q, Sample s) {
        if (s.payload().length > queries.maxPayload()) {
            throw new ZenohException("reply of " + s.payload().length + " bytes on '" + s.keyExpr()
                    + "' exceeds maxMessageSize");
        }
        WireWriter w = new WireWriter(s.payload().length + s.keyExpr().toString().length() * 3 + 64
                + (s.attachment() != null ? s.attachment().length : 0));
        WireQueries.writeReply(w, requestId, s.keyExpr().toString(), s.qos().toWire(), queries.zid(), 0,
                s.kind() == SampleKind.PUT, s.encoding(), null, s.attachment(), s.payload());
        if (queries.sendRemote(face, w.toByteArray(), epoch, true, s.congestionControl())) {
            queries.repliesSent.increment();
        }
    }

    @Override
    public void replyErr(Query q, ReplyError e) {
        WireWriter w = new WireWriter(e.payload().length + 48);
        WireQueries.writeErr(w, requestId, WireQueries.REQUEST_QOS, queries.zid(), 0, e.encoding(), e.payload());
        if (queries.sendRemote(face, w.toByteArray(), epoch, true, CongestionControl.BLOCK)) {
            queries.repliesSent.increment();
        }
    }

    @Override
    public void close(Query q) {
        if (open.decrementAndGet() == 0) {
            sendFinal(queries, true);
        }
    }

    @Override
    public void closeNow(Query q) {
        if (open.decrementAndGet() == 0) {
            sendFinal(queries, false);
        }
    }

    void sendFinal(Queries qs, boolean mayBlock) {
        WireWriter w = new WireWriter(16);
        WireQueries.writeResponseFinal(w, requestId, WireQueries.REQUEST_QOS);
        try {
            qs.sendRemote(face, w.toByteArray(), epoch, mayBlock, CongestionControl.BLOCK);
        } catch (ZenohException e) {
            qs.repliesLost.increment();
        }
    }

    /** The executor refused {@code q}: ERR + (last) final, without blocking the reader thread. */
    void rejectFromReader(Queries qs, Query q) {
        WireWriter w = new WireWriter(64);
        WireQueries.writeErr(w, requestId, WireQueries.REQUEST_QOS, qs.zid(), 0, Encoding.ZENOH_STRING,
                Queries.OVERLOADED);
        qs.sendRemote(face, w.toByteArray(), epoch, false, CongestionControl.DROP);
        q.markClosed();
        if (open.decrementAndGet() == 0) {
            sendFinal(qs, false);
        }
    }
}
