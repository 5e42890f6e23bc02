package dev.oprc.zenoh;

/**
 * Point-in-time counters of a {@link Session}. Immutable snapshot; thread-safe.
 *
 * @param connected              a router link is currently up
 * @param putsSent               puts/deletes written to the router link
 * @param putsLocal              puts/deletes delivered to at least one local subscriber
 * @param droppedDisconnected    DROP puts discarded because no link was up (incl. queued at link loss)
 * @param droppedQueueFull       DROP puts discarded because the outbound queue was full
 * @param reconnects             successful re-connections after a link loss
 * @param linkFailures           links lost (I/O error, lease expiry, CLOSE, decode error)
 * @param decodeErrors           malformed or unsupported inbound messages/batches
 * @param samplesReceived        samples received from the router
 * @param subscriberDrops        samples not delivered because a delivery or handler queue was full
 * @param callbackErrors         exceptions thrown by user callbacks (caught and logged)
 * @param rxDropped              inbound network messages dropped without closing the link, one per message:
 *                               each message of a FRAME with a stale sequence number, a fragmented message
 *                               left incomplete (missing fragment, sender's drop marker, interrupted) or
 *                               over {@code maxMessageSize}, unknown key scope, unknown mandatory extension
 * @param rxSnGaps               sequence numbers the router skipped on its channels to this session:
 *                               frames/fragments that never arrived (each may have held several messages)
 * @param linksAccepted          peer mode: connections the listener accepted (each then ran a handshake)
 * @param acceptsRefused         peer mode: connections closed at once because {@value PeerNet#MAX_ACCEPTED}
 *                               accepted links were open or starting
 * @param acceptFailures         peer mode: accepted connections whose handshake failed (bad bytes, wrong
 *                               version, timeout, a second link from a connected ZID); each was closed
 */
public record SessionStats(boolean connected, long putsSent, long putsLocal, long droppedDisconnected,
                           long droppedQueueFull, long reconnects, long linkFailures, long decodeErrors,
                           long samplesReceived, long subscriberDrops, long callbackErrors,
                           long rxDropped, long rxSnGaps, long linksAccepted, long acceptsRefused,
                           long acceptFailures) {
}
