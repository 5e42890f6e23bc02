package dev.oprc.zenoh;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Zenoh session opened with {@link Zenoh#open(Config)}: publishes ({@link #put}, {@link #delete})
 * and subscribes ({@link #declareSubscriber}). Every put is delivered to this session's own matching
 * subscribers (local delivery, as Zenoh does) and, when router endpoints are configured, sent to
 * the router over one TCP link in client mode; in peer mode ({@link Mode#PEER}) it listens and
 * sends to every peer or router it is linked with (one link each, see {@link PeerNet}); with no
 * endpoints and no listener the session is local-only.
 *
 * <p>Threads (all daemon, suffixed with the first 8 hex digits of the ZID): {@code zenoh-io-<zid8>} connects,
 * reconnects with backoff, batches and writes, and sends keep-alives; {@code zenoh-rx-<zid8>} reads
 * and decodes one link; {@code zenoh-callbacks-<zid8>} runs subscriber callbacks. {@code put} with
 * {@link CongestionControl#DROP} never blocks; {@link CongestionControl#BLOCK} waits at most
 * {@link Config#blockTimeout()}. Delivery is at most once: messages queued or in flight when a
 * link breaks are lost (counted).
 *
 * <p>Thread-safe. {@link #close()} is prompt (sends CLOSE, stops threads within about a second)
 * and idempotent.
 */
public final class Session implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    private static final Subscriber[] NO_SUBS = new Subscriber[0];

    private final Config config;
    private final byte[] zid;
    private final String zidHex;
    private final Dispatcher dispatcher;
    private final Links transport;
    private final Queries queries;
    private final Liveliness liveliness;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Guards declaration state and its hand-off to the link (see {@link Transport}). */
    final Object declLock = new Object();
    private final Map<Long, Subscriber> subscribers = new LinkedHashMap<>();
    private volatile Subscriber[] subsSnapshot = NO_SUBS;
    private long nextSubscriberId = 1;
    private final Map<String, Integer> keyIds = new ConcurrentHashMap<>();
    private final Map<Integer, String> keysById = new ConcurrentHashMap<>();
    private int nextKeyId = 1;

    final LongAdder putsSent = new LongAdder();
    final LongAdder putsLocal = new LongAdder();
    final LongAdder droppedDisconnected = new LongAdder();
    final LongAdder droppedQueueFull = new LongAdder();
    final LongAdder reconnects = new LongAdder();
    final LongAdder linkFailures = new LongAdder();
    final LongAdder decodeErrors = new LongAdder();
    final LongAdder samplesReceived = new LongAdder();
    final LongAdder subscriberDrops = new LongAdder();
    final LongAdder callbackErrors = new LongAdder();
    final LongAdder rxDropped = new LongAdder();
    final LongAdder rxSnGaps = new LongAdder();
    final LongAdder linksAccepted = new LongAdder();
    final LongAdder acceptsRefused = new LongAdder();
    final LongAdder acceptFailures = new LongAdder();

    /** Query handler threads of a session (created on demand, idle ones exit after 30 s). */
    static final int DEFAULT_HANDLER_THREADS = 8;
    /** Queries waiting for a handler thread; beyond this they are answered with an ERR reply. */
    static final int DEFAULT_HANDLER_QUEUE = 4096;
    /** Replies a get buffers for its handler/callback before dropping (counted). */
    static final int DEFAULT_REPLY_CAPACITY = 65_536;

    Session(Config config) {
        this(config, DEFAULT_HANDLER_THREADS, DEFAULT_HANDLER_QUEUE);
    }

    Session(Config config, int handlerThreads, int handlerQueue) {
        this.config = Objects.requireNonNull(config, "config");
        this.zid = newZid();
        this.zidHex = Wire.zidHex(zid);
        String tag = zidHex.length() > 8 ? zidHex.substring(0, 8) : zidHex;
        this.dispatcher = new Dispatcher(this, config.deliveryQueueCapacity(), "zenoh-callbacks-" + tag);
        this.queries = new Queries(this, tag, handlerThreads, handlerQueue);
        this.liveliness = new Liveliness(this);
        if (config.mode() == Mode.PEER && (config.listenPort() >= 0 || !config.endpoints().isEmpty())) {
            this.transport = new PeerNet(this, config, zid, tag);
        } else if (config.endpoints().isEmpty()) {
            this.transport = null;
        } else {
            List<Endpoint> eps = new ArrayList<>();
            for (String e : config.endpoints()) {
                eps.add(Endpoint.parse(e));
            }
            this.transport = new Transport(this, config, eps, zid, tag);
        }
    }

    void start() {
        if (transport == null) {
            LOG.info("Zenoh session {} opened local-only (no endpoints)", zidHex);
            return;
        }
        try {
            transport.start();
        } catch (ZenohException e) {
            close();
            throw e;
        }
        if (!config.connectTimeout().isZero() && !config.endpoints().isEmpty()) {
            boolean up = transport.awaitConnected(config.connectTimeout().toNanos());
            if (!up && config.failOnConnectTimeout()) {
                String why = transport.lastError();
                close();
                throw new ZenohException("could not connect to any of " + config.endpoints() + " within "
                        + config.connectTimeout().toMillis() + " ms" + (why != null ? ": " + why : ""));
            }
        }
    }

    private static byte[] newZid() {
        byte[] z = new byte[16];
        new SecureRandom().nextBytes(z);
        if (z[15] == 0) {
            z[15] = 1;
        }
        return z;
    }

    /** This session's Zenoh id (lowercase hex, as Zenoh displays it). */
    public String zid() {
        return zidHex;
    }

    /** The configuration the session was opened with. */
    public Config config() {
        return config;
    }

    /**
     * The TCP port a peer-mode session accepts peers and routers on (the bound port when
     * {@link Config#listenPort()} was 0), or -1 when it does not listen.
     */
    public int listenPort() {
        return transport == null ? -1 : transport.listenPort();
    }

    /** True while a router link (peer mode: at least one link) is established (false when local-only). */
    public boolean isConnected() {
        return transport != null && transport.connected();
    }

    /**
     * A counter that changes on every router link up and every link down (odd while a link is up;
     * always 0 for a local-only session). A put accepted by {@link #tryPut} while the epoch was
     * {@code e} went to a link that never broke as long as the epoch is still {@code e}; it was
     * written to the socket once {@link #writtenPosition()} reached its {@link #putPosition()}.
     */
    public long linkEpoch() {
        return transport == null ? 0 : transport.linkEpoch();
    }

    /**
     * The router's lease on the current (or last) link, in milliseconds: a router that stops
     * answering is detected within this time. 0 for a local-only session, where a put is
     * delivered before {@link #tryPut} returns.
     */
    public long linkLeaseMillis() {
        return transport == null ? 0 : transport.linkLeaseMs();
    }

    /**
     * How many puts this session has queued for the router so far. A put accepted by
     * {@link #tryPut} is at or before the value read right after it returned.
     */
    public long putPosition() {
        return transport == null ? 0 : transport.offeredPuts();
    }

    /**
     * Puts up to this position have left the outbound queue: written to the socket, or dropped with
     * a link that broke (then {@link #linkEpoch()} changed). {@code Long.MAX_VALUE} when local-only.
     */
    public long writtenPosition() {
        return transport == null ? Long.MAX_VALUE : transport.resolvedPuts();
    }

    public boolean isClosed() {
        return closed.get();
    }

    // ------------------------------------------------------------------ publishing

    /** Puts {@code payload} on {@code key} with default options (DROP, never blocks). */
    public void put(String key, byte[] payload) {
        put(KeyExpr.of(key), payload, PutOptions.DEFAULT);
    }

    /** Puts a UTF-8 string with default options. */
    public void put(String key, String payload) {
        put(KeyExpr.of(key), payload.getBytes(StandardCharsets.UTF_8), PutOptions.DEFAULT);
    }

    public void put(KeyExpr key, byte[] payload) {
        put(key, payload, PutOptions.DEFAULT);
    }

    public void put(String key, byte[] payload, PutOptions options) {
        put(KeyExpr.of(key), payload, options);
    }

    /**
     * Publishes {@code payload} on a concrete (non-wildcard) key: delivers it to matching local
     * subscribers and, if connected, queues it for the router. With DROP the call never blocks
     * (full queue or no link: dropped and counted in {@link #stats()}); with BLOCK it waits at most
     * {@link Config#blockTimeout()} and then throws. The payload array must not be modified afterwards.
     *
     * @throws ZenohException if the session is closed, the key is a wildcard, the payload exceeds
     *                        {@link Config#maxMessageSize()}, or a BLOCK put timed out
     */
    public void put(KeyExpr key, byte[] payload, PutOptions options) {
        publish(key, Objects.requireNonNull(payload, "payload"), options, true, true);
    }

    /**
     * Like {@link #put(KeyExpr, byte[], PutOptions)}, but reports whether the put left this session
     * for the router: false when congestion control DROP dropped it (no link, or the outbound
     * queue was full; counted in {@link #stats()}), and false when a matching local subscriber had to
     * drop it (its queue was full). A caller that re-sends on false may deliver twice to the others.
     */
    public boolean tryPut(KeyExpr key, byte[] payload, PutOptions options) {
        return publish(key, Objects.requireNonNull(payload, "payload"), options, true, true);
    }

    /**
     * Like {@link #tryPut(KeyExpr, byte[], PutOptions)}, but never waits, whatever the options'
     * congestion control: false at once when there is no link or no room in the outbound queue
     * (counted as a DROP put is), or when a matching local subscriber's queue is full. The
     * congestion control still travels with the message: with BLOCK, a router forwarding it to a
     * slow subscriber waits for that link instead of dropping the put there, so a publisher that
     * re-sends whatever this call refused loses nothing to congestion on the way.
     */
    public boolean offer(KeyExpr key, byte[] payload, PutOptions options) {
        return publish(key, Objects.requireNonNull(payload, "payload"), options, true, false);
    }

    /**
     * Like {@link #tryPut(KeyExpr, byte[], PutOptions)} on the key {@code prefix + suffix}, where
     * {@code prefix} was declared with {@link #declareKeyExpr}: the message carries the prefix's
     * numeric id and only the suffix (Zenoh's scope + suffix wire expression, as zenoh's own
     * publishers send), so the router resolves a cached prefix instead of a fresh key string. The
     * suffix is one or more chunks starting with {@code /}, without wildcards. An undeclared
     * prefix is sent as the full key.
     *
     * @throws IllegalArgumentException if the suffix is not a valid concrete key tail
     */
    public boolean tryPut(KeyExpr prefix, String suffix, byte[] payload, PutOptions options) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(payload, "payload");
        checkSuffix(suffix);
        String p = prefix.toString();
        Integer scope = keyIds.get(p);
        if (scope == null) {
            return publish(KeyExpr.of(p + suffix), payload, options, true, true); // undeclared: the full key
        }
        ensureOpen();
        if (prefix.isWild()) {
            throw new ZenohException("cannot publish on wildcard key expression '" + p + suffix + "'");
        }
        if (payload.length > config.maxMessageSize() - 1024) {
            throw new ZenohException("payload of " + payload.length + " bytes on '" + p + suffix
                    + "' exceeds maxMessageSize " + config.maxMessageSize());
        }
        // local subscribers match on the whole key, which is only built when there are any
        boolean local = subsSnapshot.length == 0 || deliverLocal(KeyExpr.of(p + suffix), payload, options, true, true);
        if (transport == null) {
            return local;
        }
        return sendPush(scope, suffix, payload, options, true, p, true) && local;
    }

    /** A concrete key tail: {@code /chunk[/chunk...]}, no wildcard, no empty chunk. */
    private static void checkSuffix(String suffix) {
        if (suffix == null || suffix.length() < 2 || suffix.charAt(0) != '/' || suffix.endsWith("/")) {
            throw new IllegalArgumentException("key suffix '" + suffix + "' must be '/chunk[/chunk...]'");
        }
        for (int i = 1; i < suffix.length(); i++) {
            char c = suffix.charAt(i);
            if (c == '*' || c == '$' || c == '#' || c == '?' || (c == '/' && suffix.charAt(i - 1) == '/')) {
                throw new IllegalArgumentException("key suffix '" + suffix + "' contains '" + c
                        + "' (wildcards, '#', '?' and empty chunks are not allowed)");
            }
        }
    }

    /** Deletes {@code key} (a DEL sample) with default options. */
    public void delete(String key) {
        delete(KeyExpr.of(key), PutOptions.DEFAULT);
    }

    public void delete(KeyExpr key) {
        delete(key, PutOptions.DEFAULT);
    }

    /** Publishes a delete; congestion control, priority, express and attachment of {@code options} apply. */
    public void delete(KeyExpr key, PutOptions options) {
        publish(key, new byte[0], options, false, true);
    }

    /** {@code mayWait}: a BLOCK put may wait for queue space here; false: it is refused instead. */
    private boolean publish(KeyExpr key, byte[] payload, PutOptions options, boolean put, boolean mayWait) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(options, "options");
        ensureOpen();
        if (key.isWild()) {
            throw new ZenohException("cannot publish on wildcard key expression '" + key + "'");
        }
        if (payload.length > config.maxMessageSize() - 1024) {
            throw new ZenohException("payload of " + payload.length + " bytes on '" + key
                    + "' exceeds maxMessageSize " + config.maxMessageSize());
        }
        boolean local = deliverLocal(key, payload, options, put, mayWait);
        if (transport == null) {
            return local;
        }
        String k = key.toString();
        Integer scope = keyIds.get(k);
        return sendPush(scope == null ? 0 : scope, scope == null ? k : null, payload, options, put, k, mayWait) && local;
    }

    /** Encodes one PUSH (scope 0: {@code suffix} is the whole key) and hands it to the transport. */
    private boolean sendPush(int scope, String suffix, byte[] payload, PutOptions options, boolean put, String keyForErrors,
            boolean mayWait) {
        int klen = (suffix == null ? 0 : suffix.length() * 3) + 16;
        WireWriter w = new WireWriter(payload.length + klen
                + (options.attachment() != null ? options.attachment().length + 8 : 0));
        Wire.writePush(w, scope, suffix, options.qos().toWire(), put, options.encoding(), null, options.attachment(),
                payload);
        return transport.send(new OutMsg(w.toByteArray(), options.reliability() == Reliability.RELIABLE,
                options.express()), mayWait ? options.congestionControl() : CongestionControl.DROP, keyForErrors);
    }

    /** Delivers to matching local subscribers; false when one of them dropped the sample. */
    private boolean deliverLocal(KeyExpr key, byte[] payload, PutOptions o, boolean put, boolean mayWait) {
        Subscriber[] subs = subsSnapshot;
        if (subs.length == 0) {
            return true;
        }
        Subscriber[] targets = match(subs, key);
        if (targets.length == 0) {
            return true;
        }
        putsLocal.increment();
        Sample s = new Sample(key, payload, o.encoding(), put ? SampleKind.PUT : SampleKind.DELETE, null,
                o.attachment(), o.qos());
        long wait = mayWait && o.congestionControl() == CongestionControl.BLOCK ? config.blockTimeout().toNanos() : 0;
        return dispatch(s, targets, wait);
    }

    private static Subscriber[] match(Subscriber[] subs, KeyExpr key) {
        Subscriber[] out = null;
        int n = 0;
        for (Subscriber sub : subs) {
            if (sub.keyExpr().intersects(key)) {
                if (out == null) {
                    out = new Subscriber[subs.length];
                }
                out[n++] = sub;
            }
        }
        if (n == 0) {
            return NO_SUBS;
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /** Hands {@code s} to every target; false when any of them had to drop it (counted). */
    private boolean dispatch(Sample s, Subscriber[] targets, long waitNanos) {
        int callbacks = 0;
        boolean all = true;
        for (Subscriber sub : targets) {
            if (sub.direct()) {
                if (!sub.deliver(s)) {
                    sub.dropped.increment();
                    subscriberDrops.increment();
                    all = false;
                }
            } else {
                callbacks++;
            }
        }
        if (callbacks == 0) {
            return all;
        }
        Subscriber[] cbs = targets;
        if (callbacks != targets.length) {
            cbs = new Subscriber[callbacks];
            int i = 0;
            for (Subscriber sub : targets) {
                if (!sub.direct()) {
                    cbs[i++] = sub;
                }
            }
        }
        if (!dispatcher.offer(s, cbs, waitNanos)) {
            for (Subscriber sub : cbs) {
                sub.dropped.increment();
            }
            subscriberDrops.add(cbs.length);
            return false;
        }
        return all;
    }

    /** Called by the reader thread for every accepted PUSH (never blocks). */
    void onRemotePush(Wire.Push p, String routerKeyForScope) {
        String key;
        if (p.scope() == 0) {
            key = p.suffix();
        } else {
            String base = p.senderMapping() ? routerKeyForScope : keysById.get(p.scope());
            if (base == null) {
                rxDropped.increment();
                LOG.debug("PUSH with unknown key scope {} dropped", p.scope());
                return;
            }
            key = base + p.suffix();
        }
        samplesReceived.increment();
        Subscriber[] subs = subsSnapshot;
        if (subs.length == 0) {
            return;
        }
        KeyExpr k;
        try {
            k = KeyExpr.of(key);
        } catch (IllegalArgumentException e) {
            rxDropped.increment();
            LOG.debug("PUSH with invalid key dropped: {}", e.getMessage());
            return;
        }
        Subscriber[] targets = match(subs, k);
        if (targets.length == 0) {
            return;
        }
        Sample s = new Sample(k, p.payload(), p.encoding(), p.put() ? SampleKind.PUT : SampleKind.DELETE,
                p.timestamp(), p.attachment(), QoS.fromWire(p.qos()));
        dispatch(s, targets, 0);
    }

    // ------------------------------------------------------------------ key expressions

    /**
     * Declares a publisher on the concrete key {@code key} with fixed options; its puts use a
     * declared key-expr id on the wire (see {@link Publisher}).
     */
    public Publisher declarePublisher(KeyExpr key, PutOptions options) {
        Objects.requireNonNull(key, "key");
        if (key.isWild()) {
            throw new ZenohException("cannot declare a publisher on wildcard key expression '" + key + "'");
        }
        declareKeyExpr(key.toString());
        return new Publisher(this, key, options);
    }

    public Publisher declarePublisher(String key) {
        return declarePublisher(KeyExpr.of(key), PutOptions.DEFAULT);
    }

    /**
     * Declares {@code key} to the router under a numeric id so later puts on exactly this key are
     * sent with the id instead of the full string (re-declared after every reconnect).
     */
    public KeyExpr declareKeyExpr(String key) {
        KeyExpr k = KeyExpr.of(key);
        ensureOpen();
        synchronized (declLock) {
            if (keyIds.containsKey(key)) {
                return k;
            }
            if (nextKeyId > 0xFFFF) {
                throw new ZenohException("too many declared key expressions (max 65535), cannot declare '" + key + "'");
            }
            int id = nextKeyId++;
            keyIds.put(key, id);
            keysById.put(id, key);
            if (transport != null) {
                WireWriter w = new WireWriter();
                Wire.writeDeclareKeyExpr(w, id, key);
                transport.sendControlLocked(w.toByteArray());
            }
        }
        return k;
    }

    /** Removes a declaration made with {@link #declareKeyExpr}; no-op if not declared. */
    public void undeclareKeyExpr(KeyExpr key) {
        Integer id;
        synchronized (declLock) {
            id = keyIds.remove(key.toString());
            if (id == null) {
                return;
            }
            keysById.remove(id);
        }
        if (transport != null) {
            WireWriter w = new WireWriter();
            Wire.writeUndeclareKeyExpr(w, id);
            transport.sendOrdered(w.toByteArray());
        }
    }

    // ------------------------------------------------------------------ subscribing

    /** Subscribes with a callback run on the session's callback thread (see {@link Subscriber}). */
    public Subscriber declareSubscriber(KeyExpr key, Consumer<Sample> callback) {
        Objects.requireNonNull(callback, "callback");
        return register(key, id -> new Subscriber(this, id, key, callback));
    }

    public Subscriber declareSubscriber(String key, Consumer<Sample> callback) {
        return declareSubscriber(KeyExpr.of(key), callback);
    }

    /** Subscribes into a bounded queue of {@code capacity} samples (see {@link BlockingSubscriber}). */
    public BlockingSubscriber declareSubscriber(KeyExpr key, int capacity) {
        if (capacity < 1) {
            throw new ZenohException("subscriber capacity must be >= 1, got " + capacity);
        }
        return register(key, id -> new BlockingSubscriber(this, id, key, capacity));
    }

    public BlockingSubscriber declareSubscriber(String key, int capacity) {
        return declareSubscriber(KeyExpr.of(key), capacity);
    }

    private <S extends Subscriber> S register(KeyExpr key, java.util.function.LongFunction<S> factory) {
        Objects.requireNonNull(key, "key");
        ensureOpen();
        synchronized (declLock) {
            long id = nextSubscriberId++;
            S sub = factory.apply(id);
            subscribers.put(id, sub);
            subsSnapshot = subscribers.values().toArray(NO_SUBS);
            if (transport != null) {
                WireWriter w = new WireWriter();
                Wire.writeDeclareSubscriber(w, id, key.toString(), true, null);
                transport.sendControlLocked(w.toByteArray());
            }
            return sub;
        }
    }

    void undeclare(Subscriber sub) {
        synchronized (declLock) {
            if (subscribers.remove(sub.id()) == null) {
                return;
            }
            subsSnapshot = subscribers.values().toArray(NO_SUBS);
            if (transport != null && !closed.get()) {
                WireWriter w = new WireWriter();
                Wire.writeUndeclareSubscriber(w, sub.id());
                transport.sendControlLocked(w.toByteArray());
            }
        }
    }

    /** All current declarations, encoded; caller holds {@link #declLock}. */
    List<byte[]> declarationsLocked() {
        List<byte[]> out = new ArrayList<>();
        Map<Integer, String> keys = new HashMap<>(keysById);
        for (Map.Entry<Integer, String> e : keys.entrySet()) {
            WireWriter w = new WireWriter();
            Wire.writeDeclareKeyExpr(w, e.getKey(), e.getValue());
            out.add(w.toByteArray());
        }
        for (Subscriber s : subscribers.values()) {
            WireWriter w = new WireWriter();
            Wire.writeDeclareSubscriber(w, s.id(), s.keyExpr().toString(), true, null);
            out.add(w.toByteArray());
        }
        queries.declarationsLocked(out);
        liveliness.declarationsLocked(out);
        return out;
    }

    /** Our D_SUBSCRIBERs matching an interest's key (null key = all); caller holds no lock. */
    List<Subscriber> subscribersSnapshot() {
        return List.of(subsSnapshot);
    }

    // ------------------------------------------------------------------ queries

    /**
     * Declares a queryable on {@code key}: matching queries from this session and from the router
     * run {@code handler} on the session's bounded query executor ({@code zenoh-query-<zid8>-<n>},
     * {@value #DEFAULT_HANDLER_THREADS} threads, {@value #DEFAULT_HANDLER_QUEUE} queued; overflow is
     * answered with an ERR reply and counted in {@link QueryStats#queriesRejected()}). The final is
     * sent when the handler returns unless it {@linkplain Query#detach() detached} the query.
     * {@code complete}: this queryable answers every key its expression covers.
     */
    public Queryable declareQueryable(KeyExpr key, Consumer<Query> handler, boolean complete) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(handler, "handler");
        ensureOpen();
        return queries.declare(key, handler, complete);
    }

    public Queryable declareQueryable(String key, Consumer<Query> handler) {
        return declareQueryable(KeyExpr.of(key), handler, false);
    }

    /**
     * Queries {@code selector} ({@code key} or {@code key?a=1;b=2}) and returns a blocking handle
     * that receives the replies; the get finishes on the last final (router and local queryables)
     * or at {@link GetOptions#timeout()}, whichever comes first.
     *
     * @throws IllegalArgumentException if the selector's key expression is invalid
     * @throws ZenohException           if the session is closed or the payload is too large
     */
    public ReplyReceiver get(String selector, GetOptions options) {
        ReplyReceiver r = new ReplyReceiver(DEFAULT_REPLY_CAPACITY);
        startGet(selector, options, r.sink);
        return r;
    }

    public ReplyReceiver get(String selector) {
        return get(selector, GetOptions.DEFAULT);
    }

    /**
     * Like {@link #get(String, GetOptions)}, but replies go to {@code callback} and then
     * {@code onFinal} (may be null) runs once, both on the session's callback thread.
     */
    public void get(String selector, GetOptions options, Consumer<Reply> callback, Runnable onFinal) {
        Objects.requireNonNull(callback, "callback");
        startGet(selector, options, new CallbackReplySink(this, callback, onFinal, DEFAULT_REPLY_CAPACITY));
    }

    /**
     * Like {@link #get(String, GetOptions, Consumer, Runnable)}, but never waits for room in a link's
     * outbound queue: a link whose queue is full now does not get the request. Returns false when
     * some link did not get it; the get still runs (and ends with {@code onFinal}) on the others, so
     * its final then proves nothing about the link that was skipped.
     */
    public boolean tryGet(String selector, GetOptions options, Consumer<Reply> callback, Runnable onFinal) {
        Objects.requireNonNull(callback, "callback");
        return startGet(selector, options, new CallbackReplySink(this, callback, onFinal, DEFAULT_REPLY_CAPACITY),
                false);
    }

    private void startGet(String selector, GetOptions options, ReplySink sink) {
        startGet(selector, options, sink, true);
    }

    private boolean startGet(String selector, GetOptions options, ReplySink sink, boolean mayBlock) {
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(options, "options");
        ensureOpen();
        int q = selector.indexOf('?');
        KeyExpr key = KeyExpr.of(q < 0 ? selector : selector.substring(0, q));
        String params = q < 0 ? "" : selector.substring(q + 1);
        long size = (options.payload() != null ? options.payload().length : 0L)
                + (options.attachment() != null ? options.attachment().length : 0L);
        if (size > config.maxMessageSize() - 1024) {
            throw new ZenohException("get payload of " + size + " bytes on '" + key + "' exceeds maxMessageSize "
                    + config.maxMessageSize());
        }
        return queries.get(key, params, options, sink, mayBlock);
    }

    /** Liveliness tokens, gets and subscribers of this session. */
    public Liveliness liveliness() {
        return liveliness;
    }

    Queries queries() {
        return queries;
    }

    byte[] zidBytes() {
        return zid;
    }

    boolean dispatcherSubmit(Runnable task) {
        return dispatcher.submit(task);
    }

    /** Delivers a liveliness change (never blocks; full queue: dropped and counted). */
    void dispatchLiveliness(Sample s, Subscriber[] targets) {
        dispatch(s, targets, 0);
    }

    /** Queues a declaration for the link (dropped while disconnected); caller holds declLock. */
    void sendDeclarationLocked(byte[] msg) {
        if (transport != null) {
            transport.sendControlLocked(msg);
        }
    }

    /** Accepted peer-mode connections still open (handshaking or linked); 0 when not listening. */
    int acceptedOpen() {
        return transport instanceof PeerNet p ? p.acceptedOpen() : 0;
    }

    /** The connected faces (router link, or peer-mode links); empty when local-only. */
    List<Transport> faces() {
        return transport == null ? List.of() : transport.faces();
    }

    /** The key declared by this session under {@code id}, or null. */
    String keyForId(int id) {
        return keysById.get(id);
    }

    /** Called by the I/O thread of {@code face} after its link went down. */
    void onLinkDown(Transport face) {
        queries.onLinkDown(face);
        liveliness.onLinkDown(face);
    }

    // ------------------------------------------------------------------ lifecycle

    /** Counters since open. */
    public SessionStats stats() {
        return new SessionStats(isConnected(), putsSent.sum(), putsLocal.sum(), droppedDisconnected.sum(),
                droppedQueueFull.sum(), reconnects.sum(), linkFailures.sum(), decodeErrors.sum(),
                samplesReceived.sum(), subscriberDrops.sum(), callbackErrors.sum(), rxDropped.sum(), rxSnGaps.sum(),
                linksAccepted.sum(), acceptsRefused.sum(), acceptFailures.sum());
    }

    /** Counters of the query path (gets, queryables, liveliness) since open. */
    public QueryStats queryStats() {
        return queries.stats();
    }

    void ensureOpenForUse() {
        ensureOpen();
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new ZenohException("session " + zidHex + " is closed");
        }
    }

    /**
     * Closes the session: sends CLOSE to the router (best effort), stops the threads, drops queued
     * messages and undeclares every subscriber. Idempotent; safe to call from a callback.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (transport != null) {
            transport.close();
        }
        synchronized (declLock) {
            for (Subscriber s : subscribers.values()) {
                s.markClosed();
            }
            subscribers.clear();
            subsSnapshot = NO_SUBS;
        }
        liveliness.closeAll();
        queries.close();
        dispatcher.stop(1000);
        LOG.info("Zenoh session {} closed", zidHex);
    }

    @Override
    public String toString() {
        return "Session[" + zidHex + ", " + (transport == null ? "local-only" : config.endpoints()) + "]";
    }
}
