package dev.oprc.zenoh;

/**
 * Point-in-time counters of a {@link Session}'s query path (gets, queryables, liveliness).
 * Immutable snapshot; thread-safe.
 *
 * @param getsIssued          gets started (local and/or remote)
 * @param getsTimedOut        gets completed by their timeout before every final arrived
 * @param repliesReceived     replies accepted for a pending get (local or remote)
 * @param lateReplies         replies (and finals) for a get that had already completed: dropped
 * @param mismatchedReplies   replies whose key does not intersect the query (dropped, as Zenoh does)
 * @param replyDrops          replies not delivered because a bounded reply queue was full
 * @param queriesReceived     queries handed to local queryables (local and remote)
 * @param queriesRejected     queries refused because the handler executor's queue was full
 *                            (answered with an ERR reply)
 * @param handlerErrors       exceptions thrown by query handlers or reply callbacks
 * @param repliesSent         replies sent to the router for remote queries
 * @param repliesLost         replies or finals for remote queries not sent (link lost, queue full)
 * @param queriesExpired      detached queries closed by their deadline
 */
public record QueryStats(long getsIssued, long getsTimedOut, long repliesReceived, long lateReplies,
                         long mismatchedReplies, long replyDrops, long queriesReceived, long queriesRejected,
                         long handlerErrors, long repliesSent, long repliesLost, long queriesExpired) {
}
