package dev.oprc.zenoh;

/** Where a pending get delivers; both methods must never block nor run user code inline. */
interface ReplySink {
    /** Queues a reply; false if it was dropped (bounded queue full). */
    boolean offer(Reply r);

    /** The get completed: no reply follows. Called exactly once. */
    void finish();
}
