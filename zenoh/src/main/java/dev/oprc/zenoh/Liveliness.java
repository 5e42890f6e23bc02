package dev.oprc.zenoh;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Liveliness of a {@link Session} ({@code session.liveliness()}), as in Zenoh 1.x: tokens
 * (DECLARE D_TOKEN), liveliness gets (INTEREST Current on tokens, answered with D_TOKENs and
 * D_FINAL) and liveliness subscribers (INTEREST Future / CurrentFuture). A key is <i>alive</i>
 * while this session holds a token on it or the router announced one (routers also echo this
 * session's own tokens); subscribers see a PUT when a matching key becomes alive and a DELETE when
 * it stops being alive, so a key is reported once however many tokens hold it. On link loss the
 * router-announced keys are dropped (DELETE unless held locally) and re-learnt after reconnect.
 * Thread-safe.
 */
public final class Liveliness {
    private static final int T_TOKENS = 0x08;
    private static final LivelinessSubscriber[] NO_SUBS = new LivelinessSubscriber[0];
    /** Bound on router-announced tokens kept per link (a hostile router cannot exhaust memory). */
    static final int MAX_REMOTE_TOKENS = 1 << 20;

    private final Session session;
    private final AtomicLong nextInterestId = new AtomicLong(1);
    private static final LivelinessToken[] NO_TOKENS = new LivelinessToken[0];
    private final Map<Long, LivelinessToken> tokens = new LinkedHashMap<>(); // declLock
    /** The tokens, for reader threads (which never take declLock: it is held across socket writes). */
    private volatile LivelinessToken[] tokenSnapshot = NO_TOKENS;
    private final Map<Long, LivelinessSubscriber> subs = new LinkedHashMap<>(); // declLock
    private volatile LivelinessSubscriber[] subsSnapshot = NO_SUBS;
    private long nextTokenId = 1;
    private final Map<Long, PendingGet> gets = new ConcurrentHashMap<>();
    /** Presence state, guarded by itself. */
    private final Object state = new Object();
    private final Map<String, Integer> localCount = new HashMap<>();
    private final Map<RemoteToken, String> remoteById = new HashMap<>();
    private final Map<String, Integer> remoteCount = new HashMap<>();

    /** A token declared by the remote end of one face (ids are per link). */
    private record RemoteToken(Transport face, long id) {
    }

    Liveliness(Session session) {
        this.session = session;
    }

    /* ---- tokens ---- */

    /** Declares a liveliness token on the concrete key {@code key} (e.g. {@code oprc/cls/1/liveliness/7}). */
    public LivelinessToken declareToken(KeyExpr key) {
        Objects.requireNonNull(key, "key");
        if (key.isWild()) {
            throw new ZenohException("cannot declare a liveliness token on wildcard key expression '" + key + "'");
        }
        session.ensureOpenForUse();
        LivelinessToken t;
        synchronized (session.declLock) {
            t = new LivelinessToken(this, nextTokenId++, key);
            tokens.put(t.id(), t);
            tokenSnapshot = tokens.values().toArray(NO_TOKENS);
            WireWriter w = new WireWriter();
            WireQueries.writeDeclareToken(w, t.id(), key.toString());
            session.sendDeclarationLocked(w.toByteArray());
        }
        synchronized (state) {
            String k = key.toString();
            if (localCount.merge(k, 1, Integer::sum) == 1 && !remoteCount.containsKey(k)) {
                changed(k, true, null);
            }
        }
        return t;
    }

    public LivelinessToken declareToken(String key) {
        return declareToken(KeyExpr.of(key));
    }

    void undeclare(LivelinessToken t) {
        synchronized (session.declLock) {
            if (tokens.remove(t.id()) == null) {
                return;
            }
            tokenSnapshot = tokens.values().toArray(NO_TOKENS);
            if (!session.isClosed()) {
                WireWriter w = new WireWriter();
                WireQueries.writeUndeclare(w, Wire.U_TOKEN, t.id());
                session.sendDeclarationLocked(w.toByteArray());
            }
        }
        synchronized (state) {
            String k = t.keyExpr().toString();
            Integer n = localCount.merge(k, -1, Integer::sum);
            if (n != null && n <= 0) {
                localCount.remove(k);
                if (!remoteCount.containsKey(k)) {
                    changed(k, false, null);
                }
            }
        }
    }

    /* ---- subscribers ---- */

    /** Subscribes to token changes on {@code key} without history (see {@link LivelinessSubscriber}). */
    public LivelinessSubscriber declareSubscriber(KeyExpr key, Consumer<Sample> callback) {
        return declareSubscriber(key, callback, false);
    }

    public LivelinessSubscriber declareSubscriber(String key, Consumer<Sample> callback) {
        return declareSubscriber(KeyExpr.of(key), callback, false);
    }

    /**
     * Subscribes to token changes on {@code key}; with {@code history} the callback first gets a
     * PUT for every key already alive.
     */
    public LivelinessSubscriber declareSubscriber(KeyExpr key, Consumer<Sample> callback, boolean history) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(callback, "callback");
        session.ensureOpenForUse();
        LivelinessSubscriber s;
        synchronized (session.declLock) {
            s = new LivelinessSubscriber(session, this, nextInterestId.getAndIncrement(), key, callback, history);
            synchronized (state) {
                subs.put(s.id(), s);
                subsSnapshot = subs.values().toArray(NO_SUBS);
                if (history) {
                    for (String k : aliveKeysLocked()) {
                        if (key.intersects(KeyExpr.of(k))) {
                            session.dispatchLiveliness(sample(k, true), new Subscriber[]{s});
                        }
                    }
                }
            }
            session.sendDeclarationLocked(interest(s, history ? 3 : 2));
        }
        return s;
    }

    private static byte[] interest(LivelinessSubscriber s, int mode) {
        WireWriter w = new WireWriter();
        Wire.writeInterest(w, s.id(), mode, T_TOKENS, s.keyExpr().toString());
        return w.toByteArray();
    }

    void undeclare(LivelinessSubscriber s) {
        synchronized (session.declLock) {
            synchronized (state) {
                if (subs.remove(s.id()) == null) {
                    return;
                }
                subsSnapshot = subs.values().toArray(NO_SUBS);
            }
            if (!session.isClosed()) {
                WireWriter w = new WireWriter();
                Wire.writeInterest(w, s.id(), 0, 0, null);
                session.sendDeclarationLocked(w.toByteArray());
            }
        }
    }

    /* ---- gets ---- */

    /** Liveliness get into a blocking receiver: one ok reply per alive key matching {@code key}. */
    public ReplyReceiver get(KeyExpr key, Duration timeout) {
        ReplyReceiver r = new ReplyReceiver(Session.DEFAULT_REPLY_CAPACITY);
        get(key, timeout, r.sink);
        return r;
    }

    public ReplyReceiver get(String key, Duration timeout) {
        return get(KeyExpr.of(key), timeout);
    }

    /** Liveliness get with callbacks on the session's callback thread; {@code onFinal} may be null. */
    public void get(KeyExpr key, Duration timeout, Consumer<Reply> callback, Runnable onFinal) {
        Objects.requireNonNull(callback, "callback");
        get(key, timeout, new CallbackReplySink(session, callback, onFinal, Session.DEFAULT_REPLY_CAPACITY));
    }

    private void get(KeyExpr key, Duration timeout, ReplySink sink) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("liveliness get timeout must be positive, got " + timeout);
        }
        session.ensureOpenForUse();
        Queries q = session.queries();
        long id = nextInterestId.getAndIncrement();
        PendingGet pg = new PendingGet(q, gets, id, key, false, ConsolidationMode.NONE, true, sink);
        gets.put(id, pg);
        q.getsIssued.increment();
        List<String> local;
        synchronized (state) {
            local = new ArrayList<>(localCount.keySet());
        }
        for (String k : local) {
            if (key.intersects(KeyExpr.of(k))) {
                pg.onReply(Reply.ok(sample(k, true), session.zid()));
            }
        }
        List<Transport> faces = session.faces();
        if (!faces.isEmpty()) {
            WireWriter w = new WireWriter();
            Wire.writeInterest(w, id, 1, T_TOKENS, key.toString());
            byte[] interest = w.toByteArray();
            for (Transport face : faces) {
                pg.expectRemote(face);
                if (!face.offer(new OutMsg(interest, true, false, false))) {
                    pg.remoteDone(face);
                }
            }
        }
        pg.setTimer(q.timer.schedule(() -> pg.complete(true), timeout.toMillis(), TimeUnit.MILLISECONDS));
        pg.start();
    }

    /* ---- from the router (reader thread; never blocks) ---- */

    void onRemoteToken(Transport face, long interestId, long tokenId, String key) {
        PendingGet pg = interestId >= 0 ? gets.get(interestId) : null;
        if (pg != null) {
            KeyExpr k = keyOrNull(key);
            if (k != null) {
                pg.onReply(Reply.ok(sample(key, true), null));
            }
            return;
        }
        if (keyOrNull(key) == null) {
            return;
        }
        synchronized (state) {
            RemoteToken id = new RemoteToken(face, tokenId);
            if (remoteById.size() >= MAX_REMOTE_TOKENS && !remoteById.containsKey(id)) {
                session.rxDropped.increment();
                return;
            }
            if (remoteById.putIfAbsent(id, key) != null) {
                return;
            }
            if (remoteCount.merge(key, 1, Integer::sum) == 1 && !localCount.containsKey(key)) {
                changed(key, true, null);
            }
        }
    }

    /** U_TOKEN: {@code extKey} is the key from the WireExprExt, or null. */
    void onRemoteTokenGone(Transport face, long tokenId, String extKey) {
        synchronized (state) {
            String key = remoteById.remove(new RemoteToken(face, tokenId));
            if (key == null) {
                if (extKey != null && keyOrNull(extKey) != null && !localCount.containsKey(extKey)
                        && !remoteCount.containsKey(extKey)) {
                    changed(extKey, false, null); // a token this face never saw declared
                }
                return;
            }
            remoteGone(key);
        }
    }

    /** One remote token on {@code key} is gone (caller holds {@code state}). */
    private void remoteGone(String key) {
        Integer n = remoteCount.merge(key, -1, Integer::sum);
        if (n != null && n <= 0) {
            remoteCount.remove(key);
            if (!localCount.containsKey(key)) {
                changed(key, false, null);
            }
        }
    }

    void onInterestFinal(Transport face, long interestId) {
        PendingGet pg = gets.get(interestId);
        if (pg != null) {
            pg.remoteDone(face);
        }
    }

    /** The link of {@code face} went down: its gets are final, the tokens it announced are gone. */
    void onLinkDown(Transport face) {
        for (PendingGet pg : gets.values()) {
            pg.remoteDone(face);
        }
        synchronized (state) {
            var it = remoteById.entrySet().iterator();
            while (it.hasNext()) {
                var e = it.next();
                if (e.getKey().face() == face) {
                    it.remove();
                    remoteGone(e.getValue());
                }
            }
        }
    }

    /** D_TOKENs of this session's tokens matching {@code filter} (null: all), answering interest {@code id}. */
    List<byte[]> tokensFor(KeyExpr filter, long interestId) {
        List<byte[]> out = new ArrayList<>();
        for (LivelinessToken t : tokenSnapshot) {
            if (filter == null || filter.intersects(t.keyExpr())) {
                WireWriter w = new WireWriter();
                WireQueries.writeDeclareToken(w, t.id(), t.keyExpr().toString(), interestId);
                out.add(w.toByteArray());
            }
        }
        return out;
    }

    /** D_TOKENs and liveliness INTERESTs (CurrentFuture) for a new link; caller holds declLock. */
    void declarationsLocked(List<byte[]> out) {
        for (LivelinessToken t : tokens.values()) {
            WireWriter w = new WireWriter();
            WireQueries.writeDeclareToken(w, t.id(), t.keyExpr().toString());
            out.add(w.toByteArray());
        }
        for (LivelinessSubscriber s : subs.values()) {
            out.add(interest(s, 3));
        }
    }

    void closeAll() {
        for (PendingGet pg : gets.values()) {
            pg.complete(false);
        }
    }

    /* ---- helpers ---- */

    private List<String> aliveKeysLocked() {
        List<String> out = new ArrayList<>(localCount.keySet());
        for (String k : remoteCount.keySet()) {
            if (!localCount.containsKey(k)) {
                out.add(k);
            }
        }
        return out;
    }

    /** Delivers a presence change to matching subscribers (caller holds {@code state}). */
    private void changed(String key, boolean alive, LivelinessSubscriber only) {
        LivelinessSubscriber[] all = subsSnapshot;
        if (all.length == 0) {
            return;
        }
        KeyExpr k = KeyExpr.of(key);
        List<Subscriber> targets = new ArrayList<>(2);
        for (LivelinessSubscriber s : all) {
            if ((only == null || s == only) && !s.isClosed() && s.keyExpr().intersects(k)) {
                targets.add(s);
            }
        }
        if (!targets.isEmpty()) {
            session.dispatchLiveliness(sample(key, alive), targets.toArray(new Subscriber[0]));
        }
    }

    private static Sample sample(String key, boolean alive) {
        return new Sample(KeyExpr.of(key), new byte[0], Encoding.ZENOH_BYTES,
                alive ? SampleKind.PUT : SampleKind.DELETE, null, null, QoS.DEFAULT);
    }

    private static KeyExpr keyOrNull(String key) {
        try {
            return key == null ? null : KeyExpr.of(key);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
