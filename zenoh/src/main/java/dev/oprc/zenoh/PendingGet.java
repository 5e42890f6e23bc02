package dev.oprc.zenoh;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;

/**
 * State of one get (or liveliness get) in flight: counts the targets that still owe a final
 * (each connected face: the router or the peers; each local queryable), applies the querier-side consolidation, and completes on
 * the last final or on the timeout, whichever comes first. Replies after completion are dropped
 * and counted. Thread-safe (all state under the object's monitor; the sink never blocks).
 */
final class PendingGet {
    private final Queries queries;
    private final Map<Long, PendingGet> registry;
    final long id;
    final KeyExpr keyExpr;
    final boolean anyKey;
    private final ConsolidationMode mode;
    private final boolean liveliness;
    private final ReplySink sink;
    private int outstanding = 1; // released by start()
    /** Faces that were sent the get and owe a final (identity; few). */
    private final ArrayList<Object> remotes = new ArrayList<>(1);
    private boolean done;
    private Map<String, Reply> byKey;
    private ScheduledFuture<?> timer;

    PendingGet(Queries queries, Map<Long, PendingGet> registry, long id, KeyExpr keyExpr, boolean anyKey,
               ConsolidationMode mode, boolean liveliness, ReplySink sink) {
        this.queries = queries;
        this.registry = registry;
        this.id = id;
        this.keyExpr = keyExpr;
        this.anyKey = anyKey;
        this.mode = mode.resolved();
        this.liveliness = liveliness;
        this.sink = sink;
        if (this.mode != ConsolidationMode.NONE || liveliness) {
            byKey = this.mode == ConsolidationMode.LATEST && !liveliness ? new LinkedHashMap<>() : new HashMap<>();
        }
    }

    /** One more local target owes a final. */
    synchronized void expect() {
        outstanding++;
    }

    /** {@code face} was sent the get and owes a final. */
    synchronized void expectRemote(Object face) {
        outstanding++;
        remotes.add(face);
    }

    synchronized void setTimer(ScheduledFuture<?> t) {
        if (done) {
            t.cancel(false);
        } else {
            timer = t;
        }
    }

    /** Releases the construction guard: completes now if no target was found. */
    void start() {
        targetDone();
    }

    synchronized boolean isDone() {
        return done;
    }

    /** Accepts a reply from any target; false if it was dropped (late, mismatched or queue full). */
    synchronized boolean onReply(Reply r) {
        if (done) {
            queries.lateReplies.increment();
            return false;
        }
        queries.repliesReceived.increment();
        if (!r.isOk()) {
            return deliver(r);
        }
        if (byKey == null) {
            return deliver(r);
        }
        String k = r.sample().keyExpr().toString();
        Reply prev = byKey.get(k);
        if (prev == null && byKey.size() >= Session.DEFAULT_REPLY_CAPACITY) {
            queries.replyDrops.increment(); // bounded: a get keeps at most this many keys
            return false;
        }
        if (liveliness) {
            if (prev != null) {
                return false; // the router echoes our own tokens: one reply per key
            }
            byKey.put(k, r);
            return deliver(r);
        }
        if (prev != null && compare(r.sample().timestamp(), prev.sample().timestamp()) < 0) {
            return false;
        }
        byKey.put(k, r);
        return mode == ConsolidationMode.LATEST || deliver(r);
    }

    private boolean deliver(Reply r) {
        if (!sink.offer(r)) {
            queries.replyDrops.increment();
            return false;
        }
        return true;
    }

    /** Null sorts first, as Rust's {@code Option<Timestamp>}. */
    private static int compare(Timestamp a, Timestamp b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        int c = Long.compareUnsigned(a.ntp64(), b.ntp64());
        return c != 0 ? c : a.id().compareTo(b.id());
    }

    /** The RESPONSE_FINAL (or D_FINAL, or link loss) of {@code face}; idempotent. */
    void remoteDone(Object face) {
        synchronized (this) {
            int i = indexOf(face);
            if (i < 0) {
                return;
            }
            remotes.remove(i);
        }
        targetDone();
    }

    private int indexOf(Object face) {
        for (int i = 0; i < remotes.size(); i++) {
            if (remotes.get(i) == face) {
                return i;
            }
        }
        return -1;
    }

    /** A local queryable closed its query (or the construction guard was released). */
    void targetDone() {
        synchronized (this) {
            if (done || --outstanding > 0) {
                return;
            }
        }
        complete(false);
    }

    /** Completes the get: flushes LATEST replies, then the final. */
    void complete(boolean timedOut) {
        synchronized (this) {
            if (done) {
                return;
            }
            done = true;
            if (timer != null) {
                timer.cancel(false);
            }
            if (mode == ConsolidationMode.LATEST && !liveliness && byKey != null) {
                for (Reply r : byKey.values()) {
                    deliver(r);
                }
            }
            byKey = null;
            if (timedOut) {
                queries.getsTimedOut.increment();
            }
            registry.remove(id, this);
            sink.finish();
        }
    }
}
