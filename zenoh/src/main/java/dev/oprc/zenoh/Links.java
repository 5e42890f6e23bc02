package dev.oprc.zenoh;

import java.util.List;

/**
 * The network side of a {@link Session}: one client {@link Transport} (client mode) or a
 * {@link PeerNet} of several (peer mode). Puts and declarations go to every connected face;
 * query-path messages are sent per face ({@link #faces()}). Implementations are thread-safe.
 */
interface Links {
    void start();

    void close();

    /** True while at least one face is connected. */
    boolean connected();

    boolean awaitConnected(long nanos);

    String lastError();

    /** Changes on every link up and down (see {@link Session#linkEpoch()}). */
    long linkEpoch();

    long linkLeaseMs();

    long offeredPuts();

    long resolvedPuts();

    /** Queues a put/delete for every connected face; false when dropped (counted). */
    boolean send(OutMsg m, CongestionControl cc, String key);

    /** Queues a declaration for every connected face; caller holds the session's declLock. */
    void sendControlLocked(byte[] msg);

    /** Queues an undeclaration behind the data queued so far, on every connected face. */
    void sendOrdered(byte[] msg);

    /** The faces that are connected now. */
    List<Transport> faces();

    /** The port the session listens on, or -1. */
    int listenPort();
}
