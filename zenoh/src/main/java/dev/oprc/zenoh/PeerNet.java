package dev.oprc.zenoh;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network of a peer-mode {@link Session}: a listener ({@code zenoh-accept-<zid8>}) that accepts
 * sessions from peers and routers (one {@link Transport} face per accepted link, at most
 * {@value #MAX_ACCEPTED} at a time, the rest refused and counted), and one dialing face per
 * configured endpoint (each reconnects with backoff). Declarations and puts go to every connected
 * face; gets and liveliness gets to every connected face, each owing its own final. One link per
 * remote ZID: a second one (both sides dialing each other) is refused. No multicast scouting, no
 * gossip, no forwarding between two other faces. Thread-safe.
 */
final class PeerNet implements Links {
    private static final Logger LOG = LoggerFactory.getLogger(PeerNet.class);
    /** Accepted faces (incl. those still in their handshake) at one time; more are refused. */
    static final int MAX_ACCEPTED = 64;

    private final Session session;
    private final Config config;
    private final byte[] zid;
    private final String tag;
    /** TLS contexts for tls endpoints and a tls listener, or null. */
    private final TlsLinks tls;
    private final List<Transport> dialers = new ArrayList<>();
    private static final Transport[] NONE = new Transport[0];
    private final Set<Transport> accepted = ConcurrentHashMap.newKeySet();
    /** The connected faces, rebuilt on every link change, read per put without allocating. */
    private volatile Transport[] live = NONE;
    private final Object stateLock = new Object();
    private final AtomicLong epoch = new AtomicLong();
    private final AtomicLong offered = new AtomicLong();
    private final AtomicInteger acceptSeq = new AtomicInteger();
    private final Object checkpointLock = new Object();
    private Checkpoint checkpoint; // checkpointLock
    private long written; // checkpointLock
    private volatile boolean closed;
    private volatile int boundPort = -1;
    private ServerSocket server;
    private Thread acceptThread;

    PeerNet(Session session, Config config, byte[] zid, String tag) {
        this.session = session;
        this.config = config;
        this.zid = zid;
        this.tag = tag;
        this.tls = TlsLinks.of(config);
        for (String e : config.endpoints()) {
            String faceTag = tag + "-d" + dialers.size();
            dialers.add(new Transport(session, config, List.of(Endpoint.parse(e)), null, this, tls, zid, faceTag));
        }
    }

    @Override
    public void start() {
        if (config.listenPort() >= 0) {
            try {
                ServerSocket ss = new ServerSocket();
                ss.setReuseAddress(true);
                ss.bind(new InetSocketAddress(InetAddress.getByName(config.listenHost()), config.listenPort()), 128);
                server = ss;
                boundPort = ss.getLocalPort();
            } catch (IOException e) {
                throw new ZenohException("peer cannot listen on " + config.listenProtocol() + "/"
                        + config.listenHost() + ":" + config.listenPort() + ": " + e.getMessage(), e);
            }
            LOG.info("Zenoh session {} (peer) listening on {}/{}:{}", session.zid(), config.listenProtocol(),
                    config.listenHost(), boundPort);
            acceptThread = new Thread(this::acceptLoop, "zenoh-accept-" + tag);
            acceptThread.setDaemon(true);
            acceptThread.start();
        }
        for (Transport d : dialers) {
            d.start();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("Zenoh session {}: accept failed: {}", tag, e.toString());
                }
                continue;
            }
            if (closed || accepted.size() >= MAX_ACCEPTED) {
                session.acceptsRefused.increment();
                Transport.closeQuietly(s);
                continue;
            }
            Transport face = new Transport(session, config, List.of(), s, this, tls, zid,
                    tag + "-a" + acceptSeq.incrementAndGet());
            accepted.add(face);
            session.linksAccepted.increment();
            face.start();
        }
    }

    /** Accepted faces still open (in their handshake or with a link up). */
    int acceptedOpen() {
        return accepted.size();
    }

    /** A face's link went up or down. */
    void faceChanged() {
        synchronized (stateLock) {
            epoch.incrementAndGet();
            refreshLive();
            stateLock.notifyAll();
        }
    }

    /** An accepted face ended (handshake failed or link down). */
    void faceEnded(Transport face) {
        accepted.remove(face);
        synchronized (stateLock) {
            refreshLive();
        }
    }

    /** Caller holds stateLock. */
    private void refreshLive() {
        List<Transport> up = new ArrayList<>();
        for (Transport f : all()) {
            if (f.connected()) {
                up.add(f);
            }
        }
        live = up.toArray(NONE);
    }

    /**
     * Claims {@code remote} for {@code face}: one link per remote ZID. When another face holds one,
     * the same rule decides on both sides, so two peers that dial each other keep exactly one link:
     * a dialed and an accepted link to the same remote keep the one dialed by the smaller ZID; of
     * two accepted links the newer replaces the older (the remote redialed before our side noticed
     * the loss); of two dialed links the older stays. False: {@code face} must close its link.
     */
    boolean admit(Transport face, String remote) {
        synchronized (stateLock) {
            Transport other = null;
            for (Transport f : all()) {
                if (f != face && remote.equals(f.remoteZid)) {
                    other = f;
                }
            }
            if (other != null) {
                boolean keepNew = face.dialer() == other.dialer() ? !face.dialer()
                        : face.dialer() == (session.zid().compareTo(remote) < 0);
                if (!keepNew) {
                    return false;
                }
                other.remoteZid = null;
                other.replaced("replaced by another link to " + remote);
            }
            face.remoteZid = remote;
            return true;
        }
    }

    /** True while a face holds a link to {@code remote}. */
    boolean linked(String remote) {
        synchronized (stateLock) {
            for (Transport f : all()) {
                if (remote.equals(f.remoteZid)) {
                    return true;
                }
            }
            return false;
        }
    }

    void release(Transport face) {
        synchronized (stateLock) {
            face.remoteZid = null;
        }
    }

    private List<Transport> all() {
        List<Transport> out = new ArrayList<>(dialers.size() + accepted.size());
        out.addAll(dialers);
        out.addAll(accepted);
        return out;
    }

    @Override
    public List<Transport> faces() {
        return List.of(live);
    }

    @Override
    public boolean connected() {
        return live.length > 0;
    }

    @Override
    public boolean awaitConnected(long nanos) {
        long deadline = System.nanoTime() + nanos;
        synchronized (stateLock) {
            while (!connected() && !closed) {
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
            return connected();
        }
    }

    @Override
    public String lastError() {
        for (Transport d : dialers) {
            if (d.lastError() != null) {
                return d.lastError();
            }
        }
        return null;
    }

    @Override
    public long linkEpoch() {
        return epoch.get();
    }

    @Override
    public long linkLeaseMs() {
        long max = 0;
        for (Transport f : faces()) {
            max = Math.max(max, f.linkLeaseMs());
        }
        return max;
    }

    @Override
    public long offeredPuts() {
        return offered.get();
    }

    /**
     * Puts up to the returned position were written on every face they were queued on (or that
     * face's link broke, which changed {@link #linkEpoch()}). Computed from checkpoints: the count
     * of puts read first, then each face's own queue position; once every face has written past
     * its recorded position the checkpoint's count is reached. Makes progress under load.
     */
    @Override
    public long resolvedPuts() {
        synchronized (checkpointLock) {
            if (checkpoint != null && checkpoint.reached()) {
                written = checkpoint.position;
                checkpoint = null;
            }
            if (checkpoint == null) {
                checkpoint = Checkpoint.take(offered.get(), all());
                if (checkpoint.reached()) {
                    written = checkpoint.position;
                    checkpoint = null;
                }
            }
            return written;
        }
    }

    /** A position and, per face, its link epoch and queue position when the position was read. */
    @SuppressWarnings("ArrayRecordComponent") // private, never compared or hashed
    private record Checkpoint(long position, List<Transport> faces, long[] epochs, long[] offered) {
        static Checkpoint take(long position, List<Transport> faces) {
            long[] e = new long[faces.size()];
            long[] o = new long[faces.size()];
            for (int i = 0; i < e.length; i++) {
                e[i] = faces.get(i).linkEpoch();
                o[i] = faces.get(i).offeredPuts();
            }
            return new Checkpoint(position, faces, e, o);
        }

        boolean reached() {
            for (int i = 0; i < epochs.length; i++) {
                Transport f = faces.get(i);
                if (f.linkEpoch() == epochs[i] && (epochs[i] & 1) == 1 && f.resolvedPuts() < offered[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Queues the put on every connected face (each face counts what it drops); counted as offered
     * after every face took it, so a checkpoint's position never runs ahead of the faces' queues.
     */
    @Override
    public boolean send(OutMsg m, CongestionControl cc, String key) {
        Transport[] faces = live;
        if (faces.length == 0 && cc == CongestionControl.BLOCK && awaitConnected(config.blockTimeout().toNanos())) {
            faces = live;
        }
        if (faces.length == 0) {
            if (cc == CongestionControl.BLOCK) {
                throw new ZenohException("BLOCK put on '" + key + "' timed out after "
                        + config.blockTimeout().toMillis() + " ms: no peer connected"
                        + (lastError() != null ? " (last error: " + lastError() + ")" : ""));
            }
            session.droppedDisconnected.increment();
            return false;
        }
        boolean all = true;
        for (Transport f : faces) {
            all &= f.send(m, cc, key);
        }
        offered.incrementAndGet();
        return all;
    }

    @Override
    public void sendControlLocked(byte[] msg) {
        for (Transport f : live) {
            f.sendControlLocked(msg);
        }
    }

    @Override
    public void sendOrdered(byte[] msg) {
        for (Transport f : live) {
            f.sendOrdered(msg);
        }
    }

    @Override
    public int listenPort() {
        return boundPort;
    }

    @Override
    public void close() {
        closed = true;
        synchronized (stateLock) {
            stateLock.notifyAll();
        }
        ServerSocket ss = server;
        if (ss != null) {
            try {
                ss.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        Thread t = acceptThread;
        if (t != null) {
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Transport f : all()) {
            f.close();
        }
    }
}
