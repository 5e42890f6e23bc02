package dev.oprc.odgm.events;

/**
 * A snapshot of one shard's event accounting. Every count is of (event, target) dispatches
 * unless noted. The invariant, checked by the tests:
 * {@code matched + recovered == retired + pending + dropped + depthLimited + expired + failed + deadLettered}.
 * Nothing is retired before it was handed to a link that stayed up for a settle period (or, for
 * acknowledged targets, before its result arrived).
 *
 * @param matched targets matched by committed writes (and completed functions) since start
 * @param recovered records found in the outbox at start (left by an earlier run)
 * @param retired delivered and deleted from the outbox
 * @param redelivered publishes of a record that had been published before (link loss, restart, ack resend)
 * @param pending records in the outbox now
 * @param pendingBytes their size
 * @param oldestPendingAgeMillis age of the oldest pending record (0 when none)
 * @param dropped not written because the outbox was full (policy drop-new)
 * @param rejectedWrites writes refused because the outbox was full (policy reject-writes; writes, not targets)
 * @param depthLimited not dispatched because the event's depth reached ODGM_MAX_TRIGGER_DEPTH
 * @param expired older than ODGM_OUTBOX_TTL_MS when they could have been sent
 * @param failed could not be encoded
 * @param deadLettered acknowledged targets with no result after every attempt, sent to the dead-letter key
 * @param acknowledged acknowledged targets whose result arrived (included in retired)
 * @param fanoutTruncatedKeys changed keys (not targets) skipped by ODGM_MAX_BATCH_TRIGGER_FANOUT
 * @param queueLength records in the in-memory fast path now
 * @param duplicatesSuppressed invocations of this shard's partition that arrived again and were not run
 * @param filteredOut targets matched by key whose filter refused the event; never written to the
 *     outbox, so not part of {@code matched} nor of the invariant
 * @param valuesTruncated entry values cut to ODGM_EVENT_MAX_VALUE_BYTES in payloads (values, not targets)
 */
public record OutboxStats(
    long matched,
    long recovered,
    long retired,
    long redelivered,
    long pending,
    long pendingBytes,
    long oldestPendingAgeMillis,
    long dropped,
    long rejectedWrites,
    long depthLimited,
    long expired,
    long failed,
    long deadLettered,
    long acknowledged,
    long fanoutTruncatedKeys,
    long queueLength,
    long duplicatesSuppressed,
    long filteredOut,
    long valuesTruncated) {

  /** Zero counters (events disabled). */
  public static final OutboxStats EMPTY = new OutboxStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  /** True when every matched or recovered record is accounted for exactly once. */
  public boolean balanced() {
    return matched + recovered == retired + pending + dropped + depthLimited + expired + failed + deadLettered;
  }

  /** Every target that will never be delivered. */
  public long lost() {
    return dropped + depthLimited + expired + failed + deadLettered;
  }
}
