package dev.oprc.zenoh;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One face of a {@link Session}: a TCP (or TLS over TCP) transport to one router or peer. In client mode it is the
 * session's only face ({@link Links}); in peer mode a {@link PeerNet} runs one per configured
 * endpoint (dialing with reconnect) and one per accepted connection (accepting side of the
 * handshake, ends with its link). One I/O thread ({@code zenoh-io-<zid>}) connects
 * (INIT/OPEN handshake), re-connects with exponential backoff, re-declares, batches queued network
 * messages into FRAMEs (fragmenting oversize ones), writes keep-alives every lease/4 and sends CLOSE
 * on shutdown. Each link gets a reader thread ({@code zenoh-rx-<zid>}) that decodes batches via
 * {@link Inbound}; a socket read timeout equal to the router's lease detects lease expiry. Every
 * queue is bounded; every drop is counted in the session stats. Thread-safe.
 */
final class Transport implements Links {
    private static final Logger LOG = LoggerFactory.getLogger(Transport.class);
    private static final OutMsg WAKE = new OutMsg(new byte[0], true, true);
    private static final int MAX_CONTROL = 100_000;
    private static final int FRAME_HEADER_MAX = 6;
    private static final int FRAGMENT_HEADER_MAX = 7;
    private static final int HANDSHAKE_TIMEOUT_MS = 10_000;
    private static final int MAX_ROUTER_KEY_BYTES = 16 << 20;

    static final int CLOSE_CONNECTION_TO_SELF = 0x07;

    private final Session session;
    private final Config config;
    /** Announces itself as a peer and acts as one (initial D_FINAL, answers token interests). */
    private final boolean peerRole;
    /** Accepted socket (accepting side of the handshake, no reconnect), or null for a dialer. */
    private final Socket accepted;
    /** The peer network this face belongs to, or null in client mode. */
    private final PeerNet net;
    /** TLS contexts for tls endpoints and a tls listener, or null. */
    private final TlsLinks tls;
    private final List<Transport> self = List.of(this);
    /** ZID of the remote end while a link is up (peer mode duplicate detection). */
    volatile String remoteZid;
    /** Dialer only: the remote this endpoint led to while another face held the link to it. */
    private String redundantFor;
    private final List<Endpoint> endpoints;
    private final byte[] zid;
    private final String tag;
    private final ArrayBlockingQueue<OutMsg> queue;
    private final ConcurrentLinkedQueue<byte[]> control = new ConcurrentLinkedQueue<>();
    private final AtomicInteger controlSize = new AtomicInteger();
    private final Object stateLock = new Object();
    private final CountDownLatch closeLatch = new CountDownLatch(1);
    private volatile boolean connected;
    /** Incremented on every link up and every link down; odd while a link is up. */
    private volatile long linkEpoch;
    private volatile long linkLeaseMs;
    /** Puts accepted into the outbound queue (any thread). */
    private final java.util.concurrent.atomic.AtomicLong offeredPuts = new java.util.concurrent.atomic.AtomicLong();
    /**
     * Puts written to a socket (flushed) or dropped with a broken link: a volatile copy of
     * {@link #resolvedTotal}, published by the I/O thread for readers on any thread.
     */
    private volatile long resolvedPuts;
    /** The running count behind {@link #resolvedPuts}; I/O thread only (see {@link #addResolved}). */
    private long resolvedTotal;
    private long writtenSinceFlush; // I/O thread only
    private final Object offerLock = new Object();
    private volatile boolean closed;
    private volatile Link link;
    private volatile Socket connecting;
    private volatile String lastError;
    private Thread ioThread;

    Transport(Session session, Config config, List<Endpoint> endpoints, byte[] zid, String tag) {
        this(session, config, endpoints, null, null, TlsLinks.of(config), zid, tag);
    }

    /**
     * A face of {@code net}: a dialer of {@code endpoints} or, with {@code accepted}, an accepted link;
     * {@code tls} (null without tls endpoints or listener) wraps tls links.
     */
    Transport(Session session, Config config, List<Endpoint> endpoints, Socket accepted, PeerNet net, TlsLinks tls,
              byte[] zid, String tag) {
        this.session = session;
        this.tls = tls;
        this.config = config;
        this.peerRole = config.mode() == Mode.PEER;
        this.accepted = accepted;
        this.net = net;
        this.endpoints = List.copyOf(endpoints);
        this.zid = zid;
        this.tag = tag;
        this.queue = new ArrayBlockingQueue<>(config.outboundQueueCapacity());
    }

    @Override
    public void start() {
        ioThread = new Thread(this::ioLoop, "zenoh-io-" + tag);
        ioThread.setDaemon(true);
        ioThread.start();
    }

    @Override
    public boolean connected() {
        return connected;
    }

    @Override
    public long linkEpoch() {
        return linkEpoch;
    }

    @Override
    public long linkLeaseMs() {
        return linkLeaseMs;
    }

    @Override
    public long offeredPuts() {
        return offeredPuts.get();
    }

    @Override
    public long resolvedPuts() {
        return resolvedPuts;
    }

    @Override
    public String lastError() {
        return lastError;
    }

    @Override
    public List<Transport> faces() {
        return connected ? self : List.of();
    }

    @Override
    public int listenPort() {
        return -1;
    }

    /** Where this face's link goes (or comes from), for logs. */
    String describe() {
        Link l = link;
        return l != null ? l.endpoint + " (" + l.routerZid + ")" : endpoints.toString();
    }

    @Override
    public boolean awaitConnected(long nanos) {
        long deadline = System.nanoTime() + nanos;
        synchronized (stateLock) {
            while (!connected && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(stateLock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return connected;
        }
    }

    private void setConnected(boolean up) {
        synchronized (stateLock) {
            if (connected != up) {
                linkEpoch++; // written under stateLock only
            }
            connected = up;
            stateLock.notifyAll();
        }
        if (net != null) {
            net.faceChanged();
        }
    }

    // ------------------------------------------------------------------ send side (any thread)

    /** Queues {@code m}; false when DROP congestion control dropped it (counted). */
    @Override
    public boolean send(OutMsg m, CongestionControl cc, String key) {
        if (cc == CongestionControl.DROP) {
            if (!connected) {
                session.droppedDisconnected.increment();
                return false;
            } else if (!offerCounted(m)) {
                session.droppedQueueFull.increment();
                return false;
            }
            return true;
        }
        long timeout = config.blockTimeout().toNanos();
        long deadline = System.nanoTime() + timeout;
        if (!connected && !awaitConnected(timeout)) {
            if (closed) {
                throw new ZenohException("session closed while a BLOCK put on '" + key + "' waited for a link");
            }
            throw new ZenohException("BLOCK put on '" + key + "' timed out after " + config.blockTimeout().toMillis()
                    + " ms: not connected to " + config.endpoints()
                    + (lastError != null ? " (last error: " + lastError + ")" : ""));
        }
        while (!offerCounted(m)) {
            if (System.nanoTime() - deadline > 0) {
                throw new ZenohException("BLOCK put on '" + key + "' timed out after "
                        + config.blockTimeout().toMillis() + " ms: outbound queue full (capacity "
                        + config.outboundQueueCapacity() + ")");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000); // the I/O thread drains; retry shortly
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new ZenohException("interrupted while a BLOCK put on '" + key + "' waited for queue space");
            }
        }
        return true;
    }

    /**
     * Queues a put and counts it in one step, so the count's order is the queue's order: the n-th
     * counted put is the n-th data message the I/O thread takes (see {@link #resolvedPuts()}).
     */
    private boolean offerCounted(OutMsg m) {
        synchronized (offerLock) {
            if (!queue.offer(m)) {
                return false;
            }
            offeredPuts.incrementAndGet();
            return true;
        }
    }

    /**
     * Queues a query-path message (request, reply, final): never waits for a link (false when
     * disconnected); DROP never waits, BLOCK waits at most the block timeout for queue space and
     * then throws. Not counted as a put.
     */
    boolean sendNotCounted(OutMsg m, CongestionControl cc, String key) {
        if (!connected) {
            return false;
        }
        if (cc == CongestionControl.DROP) {
            return queue.offer(m);
        }
        try {
            if (!queue.offer(m, config.blockTimeout().toNanos(), TimeUnit.NANOSECONDS)) {
                throw new ZenohException("BLOCK message on '" + key + "' timed out after "
                        + config.blockTimeout().toMillis() + " ms: outbound queue full (capacity "
                        + config.outboundQueueCapacity() + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZenohException("interrupted while a message on '" + key + "' waited for queue space", e);
        }
        return true;
    }

    /** Queues without waiting (reader thread); false when disconnected or full. */
    boolean offer(OutMsg m) {
        return connected && queue.offer(m);
    }

    /** Queues a declaration; caller holds the session's declLock. Dropped while disconnected. */
    @Override
    public void sendControlLocked(byte[] msg) {
        if (!connected) {
            return; // re-sent from the declaration snapshot on (re)connect
        }
        if (controlSize.incrementAndGet() > MAX_CONTROL) {
            controlSize.decrementAndGet();
            throw new ZenohException("more than " + MAX_CONTROL + " declarations pending for the router");
        }
        control.add(msg);
        queue.offer(WAKE);
    }

    /**
     * Queues an undeclaration behind the data already queued (so earlier puts that use a key-expr
     * id are written first). Waits at most the block timeout; dropped while disconnected.
     */
    @Override
    public void sendOrdered(byte[] msg) {
        if (!connected) {
            return;
        }
        try {
            if (!queue.offer(new OutMsg(msg, true, false, false), config.blockTimeout().toNanos(),
                    TimeUnit.NANOSECONDS)) {
                session.droppedQueueFull.increment();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Queues a reply from the reader thread (never blocks; dropped and counted if too many). */
    private void sendControlFromReader(byte[] msg) {
        if (controlSize.get() > 1024) {
            session.rxDropped.increment();
            return;
        }
        controlSize.incrementAndGet();
        control.add(msg);
        queue.offer(WAKE);
    }

    // ------------------------------------------------------------------ I/O thread

    private void ioLoop() {
        if (accepted != null) {
            runAccepted();
            return;
        }
        long delay = config.reconnectInitial().toMillis();
        boolean everConnected = false;
        while (!closed) {
            if (redundantFor != null && net.linked(redundantFor)) {
                pause(config.reconnectMax().toMillis()); // the remote is reached by another link: do not dial
                continue;
            }
            redundantFor = null;
            Link l = dialAny();
            if (closed) {
                if (l != null) {
                    l.closeSocket();
                }
                break;
            }
            if (l == null) {
                LOG.info("Zenoh session {}: no router reachable ({}), retrying in {} ms", tag, lastError, delay);
                try {
                    closeLatch.await(delay, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    if (closed) {
                        break;
                    }
                }
                delay = Math.min(delay * 2, config.reconnectMax().toMillis());
                continue;
            }
            if (net != null && !net.admit(this, l.routerZid)) {
                refuseRedundant(l);
                continue;
            }
            delay = config.reconnectInitial().toMillis();
            if (everConnected) {
                session.reconnects.increment();
            }
            everConnected = true;
            link = l;
            logConnected(l);
            runUntilLost(l);
        }
        dropQueued();
    }

    /** The first endpoint that completes the handshake, or null (last error recorded). */
    private Link dialAny() {
        for (Endpoint ep : endpoints) {
            if (closed) {
                return null;
            }
            try {
                return handshake(ep);
            } catch (IOException | ZenohException e) {
                lastError = ep + ": " + e.getMessage();
                LOG.debug("Zenoh connect to {} failed: {}", ep, e.toString());
            }
        }
        return null;
    }

    /** Runs an established link until it fails or the session closes, then takes it down. */
    private void runUntilLost(Link l) {
        try {
            runLink(l);
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                String why = l.failure != null ? l.failure : e.toString();
                lastError = l.endpoint + ": " + why;
                LOG.warn("Zenoh session {} lost {} {}: {}", tag, dialer() ? "link to" : "accepted link from",
                        l.endpoint, why);
            }
        } finally {
            linkDown(l);
        }
    }

    /** A dialed link to a remote already linked by another face: closed, and not redialed while that link lasts. */
    private void refuseRedundant(Link l) {
        l.writeClose();
        l.closeSocket();
        redundantFor = l.routerZid;
        lastError = l.endpoint + ": already connected to " + l.routerZid + " by another link";
        LOG.debug("Zenoh session {}: {}", tag, lastError);
        pause(config.reconnectMax().toMillis());
    }

    private void pause(long millis) {
        try {
            closeLatch.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // only close() interrupts this thread; the loop checks closed
        }
    }

    /** True for a face that dials its endpoint (false: an accepted connection). */
    boolean dialer() {
        return accepted == null;
    }

    /** Closes the current link because another link to the same remote replaced it. */
    void replaced(String why) {
        Link l = link;
        if (l != null) {
            l.fail(why);
        }
    }

    /** Accepting side: one handshake, one link, no reconnect; the face then leaves its net. */
    private void runAccepted() {
        Link l;
        try {
            l = PeerHandshake.accept(this, accepted, config, zid);
        } catch (IOException | RuntimeException e) {
            session.acceptFailures.increment();
            LOG.debug("Zenoh session {}: handshake from {} refused: {}", tag, accepted.getRemoteSocketAddress(),
                    e.toString());
            closeQuietly(accepted);
            net.release(this);
            net.faceEnded(this);
            return;
        }
        link = l;
        if (remoteZid == null) {
            l.fail("replaced by another link to " + l.routerZid); // while this one was still handshaking
        }
        logConnected(l);
        try {
            runUntilLost(l);
        } finally {
            dropQueued();
            net.faceEnded(this);
        }
    }

    /** Admits the remote ZID (peer mode: one link per remote session); false for a duplicate. */
    boolean admit(String remote) {
        return net == null || net.admit(this, remote);
    }

    Link newLink(Endpoint endpoint, Socket socket, Socket tcp, InputStream in, OutputStream out, int batchSize,
                 long snMask, long txInitialSn, long rxInitialSn, long leaseMs, boolean patch, boolean qos,
                 String remote) {
        return new Link(endpoint, socket, tcp, in, out, batchSize, snMask, txInitialSn, rxInitialSn, leaseMs, patch,
                qos, remote);
    }

    /** The TLS contexts of this face's session, or null when it has no tls link. */
    TlsLinks tls() {
        return tls;
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private void logConnected(Link l) {
        LOG.info("Zenoh session {} {} {} ({} {}, batch {}, lease {} ms, QoS {})", tag,
                accepted != null ? "accepted" : "connected to", l.endpoint, peerRole ? "zid" : "router", l.routerZid,
                l.batchSize, l.routerLeaseMs, l.qos ? "on" : "off");
        if (!l.qos) {
            LOG.warn("Zenoh router {} refused QoS (transport/unicast/qos/enabled=false?): after its first "
                    + "congestion drop toward this session a Zenoh 1.x router may drop every later DROP sample "
                    + "for it, uncounted here (see zenoh/README.md \"Router congestion\")", l.routerZid);
        }
    }

    /** After a link ended: reader stopped, session told (pending gets, router tokens), queue dropped. */
    private void linkDown(Link l) {
        setConnected(false);
        l.closeSocket();
        joinQuietly(l.reader, 1000);
        session.onLinkDown(this);
        if (net != null) {
            net.release(this);
        }
        link = null;
        if (!closed) {
            session.linkFailures.increment();
        }
        dropQueued();
    }

    /** Puts appended since the last flush are now on the socket (I/O thread). */
    private void resolvePuts() {
        if (writtenSinceFlush > 0) {
            addResolved(writtenSinceFlush);
            writtenSinceFlush = 0;
        }
    }

    /**
     * Advances {@link #resolvedPuts} by {@code n}. I/O thread only: the single writer keeps a plain
     * running total and publishes it with one volatile write, so no update can be lost.
     */
    private void addResolved(long n) {
        resolvedTotal += n;
        resolvedPuts = resolvedTotal;
    }

    /** True for the wake-up marker. */
    @SuppressWarnings("ReferenceEquality") // WAKE is a sentinel instance: identity is the intended test
    private static boolean isWake(OutMsg m) {
        return m == WAKE;
    }

    private void dropQueued() {
        List<OutMsg> stale = new ArrayList<>();
        queue.drainTo(stale);
        long dropped = writtenSinceFlush; // appended but never flushed: gone with the link
        writtenSinceFlush = 0;
        for (OutMsg m : stale) {
            if (!isWake(m)) {
                session.droppedDisconnected.increment();
                if (m.data()) {
                    dropped++;
                }
            }
        }
        addResolved(dropped); // resolved as lost: the link epoch changed, senders re-send
        control.clear();
        controlSize.set(0);
    }

    private static void joinQuietly(Thread t, long millis) {
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        try {
            t.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Link handshake(Endpoint ep) throws IOException {
        Socket s = new Socket();
        connecting = s;
        try {
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            int connectMs = (int) Math.min(5000, Math.max(1000, config.connectTimeout().toMillis()));
            s.connect(new InetSocketAddress(ep.host(), ep.port()), connectMs);
            s.setSoTimeout(HANDSHAKE_TIMEOUT_MS); // also bounds the TLS handshake
            Socket io = ep.tls() ? tls.connect(s, ep) : s;
            Link l = ep.tls() ? openTls(ep, io, s) : open(ep, io, s);
            connecting = null;
            return l;
        } catch (IOException | RuntimeException e) {
            connecting = null;
            closeQuietly(s);
            throw e;
        }
    }

    /**
     * {@link #open} on a TLS link. A server that requires mutual TLS checks the client's certificate
     * after the client has finished its side of the TLS 1.3 handshake, so its refusal shows up here,
     * as a closed link (or its alert) on the first Zenoh message: said in the error.
     */
    private Link openTls(Endpoint ep, Socket io, Socket tcp) throws IOException {
        try {
            return open(ep, io, tcp);
        } catch (IOException e) {
            throw new IOException("TLS link closed by the server after the TLS handshake (a server requiring mutual"
                    + " TLS refuses a missing client certificate or one from a CA it does not trust): " + e, e);
        }
    }

    /** INIT/OPEN as the dialing side on {@code io}; the link reads and writes {@code io}, closes {@code tcp}. */
    private Link open(Endpoint ep, Socket io, Socket tcp) throws IOException {
        InputStream in = new BufferedInputStream(io.getInputStream(), 1 << 16);
        OutputStream out = io.getOutputStream();
        WireWriter w = new WireWriter(64);
        Wire.Init ack = exchangeInit(in, out, w);
        long mask = SeqNum.maskFor(ack.resolution());
        int batch = Math.min(config.batchSize(), ack.batchSize());
        if (batch < 64) {
            throw new ZenohDecodeException("router batch size " + ack.batchSize() + " too small");
        }
        long initialSn = ThreadLocalRandom.current().nextLong(mask);
        w.reset();
        w.u16le(0);
        Wire.writeOpen(w, new Wire.Open(false, config.lease().toMillis(), initialSn, ack.cookie()));
        writeBatch(out, w);
        WireReader r = new WireReader(readBatch(in, new byte[65535]));
        refuseIfClose(r, "OPEN");
        Wire.Open openAck = Wire.readOpen(r);
        if (!openAck.ack()) {
            throw new ZenohDecodeException("expected OPEN Ack, got OPEN Syn");
        }
        if (openAck.initialSn() > mask) {
            throw new ZenohDecodeException("router initial sn " + openAck.initialSn() + " exceeds mask " + mask);
        }
        long lease = Math.max(100, Math.min(openAck.leaseMs(), Integer.MAX_VALUE));
        tcp.setSoTimeout((int) lease);
        return new Link(ep, io, tcp, in, out, batch, mask, initialSn, openAck.initialSn(), lease,
                ack.patch() >= 1, ack.qos(), Wire.zidHex(ack.zid()));
    }

    /**
     * Sends INIT Syn (patch 1 and QoS: with QoS the router keeps one queue and one congestion flag
     * per priority; see zenoh/README.md "Router congestion") and returns the validated INIT Ack.
     */
    private Wire.Init exchangeInit(InputStream in, OutputStream out, WireWriter w) throws IOException {
        w.reset();
        w.u16le(0);
        Wire.writeInit(w, new Wire.Init(false, Wire.VERSION, Wire.WHATAMI_CLIENT, zid, Wire.DEFAULT_RESOLUTION,
                config.batchSize(), null, 1, true));
        writeBatch(out, w);
        WireReader r = new WireReader(readBatch(in, new byte[65535]));
        refuseIfClose(r, "INIT");
        Wire.Init ack = Wire.readInit(r);
        if (!ack.ack()) {
            throw new ZenohDecodeException("expected INIT Ack, got INIT Syn");
        }
        if (ack.version() != Wire.VERSION) {
            throw new ZenohException("router speaks Zenoh protocol version 0x" + Integer.toHexString(ack.version())
                    + ", this client 0x09");
        }
        if ((ack.resolution() & 0x03) > (Wire.DEFAULT_RESOLUTION & 0x03)) {
            throw new ZenohDecodeException("router chose a larger sequence-number resolution than proposed");
        }
        return ack;
    }

    private static void refuseIfClose(WireReader r, String phase) {
        int h = r.peek();
        if ((h & 0x1F) == Wire.T_CLOSE) {
            r.u8();
            int reason = r.hasRemaining() ? r.u8() : -1;
            throw new ZenohException("router refused " + phase + " with CLOSE reason " + reason
                    + (reason == Wire.CLOSE_MAX_LINKS ? " (MAX_LINKS: a previous link is still open)" : ""));
        }
    }

    static void writeBatch(OutputStream out, WireWriter w) throws IOException {
        w.putU16leAt(0, w.position() - 2);
        out.write(w.array(), 0, w.position());
        out.flush();
    }

    /** Reads one length-prefixed batch into {@code buf}; returns a right-sized copy. */
    static byte[] readBatch(InputStream in, byte[] buf) throws IOException {
        int len = readLen(in);
        readFully(in, buf, len);
        return java.util.Arrays.copyOf(buf, len);
    }

    private static int readLen(InputStream in) throws IOException {
        int a = in.read();
        int b = in.read();
        if (a < 0 || b < 0) {
            throw new EOFException("connection closed by the router");
        }
        return a | (b << 8);
    }

    private static void readFully(InputStream in, byte[] buf, int len) throws IOException {
        int off = 0;
        while (off < len) {
            int n = in.read(buf, off, len - off);
            if (n < 0) {
                throw new EOFException("connection closed in the middle of a batch");
            }
            off += n;
        }
    }

    private void runLink(Link l) throws IOException {
        synchronized (session.declLock) {
            control.clear();
            controlSize.set(0);
            List<OutMsg> stale = new ArrayList<>();
            queue.drainTo(stale);
            long dropped = 0;
            for (OutMsg m : stale) {
                if (!isWake(m)) {
                    session.droppedDisconnected.increment();
                    if (m.data()) {
                        dropped++;
                    }
                }
            }
            addResolved(dropped); // queued while the last link went down: lost with it, senders re-send
            for (byte[] d : session.declarationsLocked()) {
                l.append(d, true);
            }
            if (peerRole) { // p2p: as if answering the implicit initial interest 0 (Zenoh 1.x hat/p2p_peer)
                WireWriter w = new WireWriter(16);
                Wire.writeDeclareFinal(w, 0);
                l.append(w.toByteArray(), true);
            }
            l.flush();
            linkLeaseMs = l.routerLeaseMs;
            setConnected(true);
        }
        l.reader = new Thread(() -> readLoop(l), "zenoh-rx-" + tag);
        l.reader.setDaemon(true);
        l.reader.start();
        long keepAliveNanos = config.lease().toNanos() / 4;
        List<OutMsg> drained = new ArrayList<>(1024);
        while (true) {
            if (l.failed) {
                throw new IOException(l.failure);
            }
            if (closed) {
                drainData(l, drained);
                l.flush();
                l.writeClose();
                return;
            }
            long wait = keepAliveNanos - (System.nanoTime() - l.lastTx);
            OutMsg m;
            try {
                m = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
            } catch (InterruptedException e) {
                m = null;
            }
            if (m != null && m.data() && !isWake(m)) {
                writtenSinceFlush++; // counted when taken: written or lost with this link from here on
            }
            drainControl(l);
            if (m != null) {
                l.appendMsg(m);
                drainData(l, drained);
            }
            l.flush();
            resolvePuts();
            if (System.nanoTime() - l.lastTx >= keepAliveNanos) {
                l.writeKeepAlive();
            }
        }
    }

    private void drainData(Link l, List<OutMsg> drained) throws IOException {
        while (true) {
            drained.clear();
            if (queue.drainTo(drained, 1024) == 0) {
                return;
            }
            for (OutMsg o : drained) {
                if (!isWake(o) && o.data()) {
                    writtenSinceFlush++; // counted when taken, so a failed write mid-batch loses none
                }
            }
            for (OutMsg o : drained) {
                if (isWake(o)) {
                    drainControl(l); // a declaration queued before the data behind its wake-up goes first
                } else {
                    l.appendMsg(o);
                }
            }
            if (!control.isEmpty()) {
                drainControl(l);
            }
        }
    }

    private void drainControl(Link l) throws IOException {
        byte[] c;
        while ((c = control.poll()) != null) {
            controlSize.decrementAndGet();
            l.append(c, true);
        }
    }

    private void readLoop(Link l) {
        byte[] buf = new byte[65535];
        Inbound inbound = new Inbound(l.snMask, l.routerInitialSn, config.maxMessageSize(), l.patch, l.qos, l);
        try {
            while (!l.failed && !closed) {
                int len = readLen(l.in);
                readFully(l.in, buf, len);
                inbound.onBatch(buf, 0, len);
                if (inbound.closed()) {
                    l.fail("router closed the link (CLOSE reason " + l.closeReason + ")");
                }
            }
        } catch (SocketTimeoutException e) {
            l.fail("lease expired: nothing received from the router for " + l.routerLeaseMs + " ms");
        } catch (ZenohDecodeException e) {
            session.decodeErrors.increment();
            l.fail("decode error, closing link: " + e.getMessage());
        } catch (IOException e) {
            l.fail(e.getMessage() == null ? e.toString() : e.getMessage());
        } catch (RuntimeException e) {
            session.decodeErrors.increment();
            LOG.error("Zenoh reader failed unexpectedly", e);
            l.fail("internal error: " + e);
        }
    }

    // ------------------------------------------------------------------ shutdown

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeLatch.countDown();
        synchronized (stateLock) {
            stateLock.notifyAll();
        }
        queue.offer(WAKE);
        Socket c = connecting;
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        Thread t = ioThread;
        if (t != null && t != Thread.currentThread()) {
            joinQuietly(t, 1500);
            if (t.isAlive()) {
                Link l = link;
                if (l != null) {
                    l.closeSocket();
                }
                t.interrupt();
                joinQuietly(t, 500);
            }
        }
        Link l = link;
        if (l != null) {
            l.closeSocket();
        }
        if (accepted != null) {
            closeQuietly(accepted);
        }
    }

    // ------------------------------------------------------------------ one link

    /** State of one established TCP link. Writer-side fields are confined to the I/O thread. */
    final class Link implements Inbound.Sink {
        final Endpoint endpoint;
        /** The socket read and written: the TCP socket, or the TLS socket over it. */
        final Socket socket;
        /**
         * The TCP socket under {@link #socket}: closing it (not the TLS socket, whose close would
         * first wait for the writer's lock to send close_notify) never blocks.
         */
        final Socket tcp;
        final InputStream in;
        final OutputStream out;
        final int batchSize;
        final long snMask;
        final long routerInitialSn;
        final long routerLeaseMs;
        final boolean patch;
        /** QoS negotiated: the router sends on 8 priority channels (this side sends on priority Data only). */
        final boolean qos;
        final String routerZid;
        final SeqNum txReliable;
        final SeqNum txBestEffort;
        final byte[] batch;
        int pos = 2;
        int frameKind = -1;
        long lastTx = System.nanoTime();
        volatile boolean failed;
        volatile String failure;
        volatile int closeReason = -1;
        Thread reader;
        private final Map<Integer, String> routerKeys = new HashMap<>();
        private long routerKeyBytes;

        /** A link without QoS. */
        Link(Endpoint endpoint, Socket socket, InputStream in, OutputStream out, int batchSize, long snMask,
             long txInitialSn, long routerInitialSn, long routerLeaseMs, boolean patch, String routerZid) {
            this(endpoint, socket, socket, in, out, batchSize, snMask, txInitialSn, routerInitialSn, routerLeaseMs,
                    patch, false, routerZid);
        }

        Link(Endpoint endpoint, Socket socket, Socket tcp, InputStream in, OutputStream out, int batchSize,
             long snMask, long txInitialSn, long routerInitialSn, long routerLeaseMs, boolean patch, boolean qos,
             String routerZid) {
            this.endpoint = endpoint;
            this.socket = socket;
            this.tcp = tcp;
            this.in = in;
            this.out = out;
            this.batchSize = batchSize;
            this.snMask = snMask;
            this.routerInitialSn = routerInitialSn;
            this.routerLeaseMs = routerLeaseMs;
            this.patch = patch;
            this.qos = qos;
            this.routerZid = routerZid;
            this.txReliable = new SeqNum(snMask, txInitialSn);
            this.txBestEffort = new SeqNum(snMask, txInitialSn);
            this.batch = new byte[batchSize];
        }

        void fail(String why) {
            if (!failed) {
                failure = why;
                failed = true;
            }
            closeSocket();
            queue.offer(WAKE);
        }

        void closeSocket() {
            try {
                tcp.close();
            } catch (IOException ignored) {
                // already closed
            }
        }

        void appendMsg(OutMsg m) throws IOException {
            if (isWake(m)) {
                return;
            }
            append(m.bytes(), m.reliable());
            if (m.data()) {
                session.putsSent.increment();
            }
            if (m.express()) {
                flush();
            }
        }

        void append(byte[] b, boolean reliable) throws IOException {
            if (b.length + FRAME_HEADER_MAX > batchSize - 2) {
                flush();
                fragment(b, reliable);
                return;
            }
            int kind = reliable ? 1 : 0;
            boolean newFrame = frameKind != kind;
            if (pos + b.length + (newFrame ? FRAME_HEADER_MAX : 0) > batchSize) {
                flush();
                newFrame = true;
            }
            if (newFrame) {
                batch[pos++] = (byte) (Wire.T_FRAME | (reliable ? 0x20 : 0));
                pos = putVle(batch, pos, (reliable ? txReliable : txBestEffort).getAndIncrement());
                frameKind = kind;
            }
            System.arraycopy(b, 0, batch, pos, b.length);
            pos += b.length;
        }

        private void fragment(byte[] b, boolean reliable) throws IOException {
            SeqNum ch = reliable ? txReliable : txBestEffort;
            int off = 0;
            boolean first = true;
            while (off < b.length) {
                int p = 2;
                int chunk = Math.min(b.length - off, batchSize - 2 - FRAGMENT_HEADER_MAX);
                boolean more = off + chunk < b.length;
                boolean firstExt = first && patch;
                batch[p++] = (byte) (Wire.T_FRAGMENT | (reliable ? 0x20 : 0) | (more ? 0x40 : 0)
                        | (firstExt ? Wire.Z : 0));
                p = putVle(batch, p, ch.getAndIncrement());
                if (firstExt) {
                    batch[p++] = 0x02;
                }
                System.arraycopy(b, off, batch, p, chunk);
                p += chunk;
                off += chunk;
                first = false;
                pos = p;
                flush();
            }
        }

        void flush() throws IOException {
            if (pos <= 2) {
                return;
            }
            int len = pos - 2;
            batch[0] = (byte) len;
            batch[1] = (byte) (len >>> 8);
            out.write(batch, 0, pos);
            pos = 2;
            frameKind = -1;
            lastTx = System.nanoTime();
        }

        void writeKeepAlive() throws IOException {
            flush();
            batch[pos++] = (byte) Wire.T_KEEP_ALIVE;
            flush();
        }

        void writeClose() {
            try {
                flush();
                batch[pos++] = (byte) (Wire.T_CLOSE | 0x20);
                batch[pos++] = (byte) Wire.CLOSE_GENERIC;
                flush();
                out.flush();
            } catch (IOException e) {
                LOG.debug("could not send CLOSE: {}", e.toString());
            }
        }

        // ---- Inbound.Sink (reader thread)

        @Override
        public void onPush(Wire.Push p, boolean reliable) {
            if (p.rejected()) {
                session.rxDropped.increment();
                return;
            }
            session.onRemotePush(p, p.senderMapping() && p.scope() != 0 ? routerKeys.get(p.scope()) : null);
        }

        @Override
        public void onDeclare(Wire.Declare d) {
            if (d.rejected()) {
                session.rxDropped.increment();
                return;
            }
            if (d.body() == Wire.D_KEYEXPR) {
                String base = "";
                if (d.scope() != 0) {
                    base = routerKeys.get(d.scope());
                    if (base == null) {
                        session.rxDropped.increment();
                        return;
                    }
                }
                String key = base + d.suffix();
                if (routerKeyBytes + key.length() > MAX_ROUTER_KEY_BYTES) {
                    throw new ZenohDecodeException("router declared more than " + MAX_ROUTER_KEY_BYTES
                            + " bytes of key expressions");
                }
                String old = routerKeys.put((int) d.entityId(), key);
                routerKeyBytes += key.length() - (old == null ? 0 : old.length());
            } else if (d.body() == Wire.U_KEYEXPR) {
                String old = routerKeys.remove((int) d.entityId());
                if (old != null) {
                    routerKeyBytes -= old.length();
                }
            } else {
                onLivelinessDeclare(d);
            }
        }

        /** D_TOKEN / U_TOKEN / D_FINAL; D_SUBSCRIBER and D_QUERYABLE only answer interests we never send. */
        private void onLivelinessDeclare(Wire.Declare d) {
            if (d.body() == Wire.D_TOKEN) {
                String key = resolve(d.scope(), d.senderMapping(), d.suffix());
                if (key == null) {
                    session.rxDropped.increment();
                    return;
                }
                session.liveliness().onRemoteToken(Transport.this, d.interestId(), d.entityId(), key);
            } else if (d.body() == Wire.U_TOKEN) {
                String key = d.suffix() == null ? null : resolve(d.scope(), d.senderMapping(), d.suffix());
                session.liveliness().onRemoteTokenGone(Transport.this, d.entityId(), key);
            } else if (d.body() == Wire.D_FINAL && d.interestId() >= 0) {
                session.liveliness().onInterestFinal(Transport.this, d.interestId());
            }
        }

        /** Full key of a received wire expr, or null if its scope is unknown. */
        private String resolve(int scope, boolean senderMapping, String suffix) {
            if (scope == 0) {
                return suffix;
            }
            String base = senderMapping ? routerKeys.get(scope) : session.keyForId(scope);
            return base == null ? null : base + suffix;
        }

        @Override
        public void onRequest(WireQueries.Request q) {
            String key = resolve(q.scope(), q.senderMapping(), q.suffix());
            KeyExpr k = null;
            try {
                k = key == null ? null : KeyExpr.of(key);
            } catch (IllegalArgumentException e) {
                LOG.debug("REQUEST with invalid key dropped: {}", e.getMessage());
            }
            if (q.rejected() || k == null) {
                session.rxDropped.increment(); // answered with a final so the querier does not wait
                new InboundRequest(session.queries(), Transport.this, q.id(), linkEpoch, 0)
                        .sendFinal(session.queries(), false);
                return;
            }
            session.queries().onRemoteRequest(Transport.this, q, k, linkEpoch);
        }

        @Override
        public void onResponse(WireQueries.Response r) {
            if (r.rejected()) {
                session.rxDropped.increment();
                return;
            }
            String key = r.kind() == WireQueries.Z_ERR ? "" : resolve(r.scope(), r.senderMapping(), r.suffix());
            if (key == null) {
                session.rxDropped.increment();
                return;
            }
            session.queries().onRemoteResponse(r, key);
        }

        @Override
        public void onResponseFinal(long requestId) {
            session.queries().onRemoteFinal(Transport.this, requestId);
        }

        @Override
        public void onInterest(Wire.Interest i) {
            if (i.rejected() || i.mode() == 0) {
                return;
            }
            if (i.mode() == 1 || i.mode() == 3) {
                if (peerRole && (i.options() & 0x08) != 0) {
                    answerTokenInterest(i);
                }
                WireWriter w = new WireWriter(16);
                Wire.writeDeclareFinal(w, i.id());
                sendControlFromReader(w.toByteArray());
            }
        }

        /** Our tokens matching a peer's current token interest, tagged with its id (D_FINAL follows). */
        private void answerTokenInterest(Wire.Interest i) {
            KeyExpr filter = null;
            if (i.suffix() != null) {
                String key = resolve(i.scope(), i.senderMapping(), i.suffix());
                if (key == null) {
                    return;
                }
                try {
                    filter = KeyExpr.of(key);
                } catch (IllegalArgumentException e) {
                    return;
                }
            }
            for (byte[] t : session.liveliness().tokensFor(filter, i.id())) {
                sendControlFromReader(t);
            }
        }

        @Override
        public void onClose(int reason) {
            closeReason = reason;
        }

        @Override
        public void onDropped(String why) {
            session.rxDropped.increment();
            LOG.debug("Zenoh rx drop: {}", why);
        }

        @Override
        public void onSnGap(long missing) {
            session.rxSnGaps.add(missing);
            LOG.debug("Zenoh rx: {} sequence number(s) skipped by the router", missing);
        }
    }

    static int putVle(byte[] a, int p, long v) {
        int n = 0;
        while ((v & ~0x7FL) != 0 && n < 8) {
            a[p++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
            n++;
        }
        a[p++] = (byte) v;
        return p;
    }
}
