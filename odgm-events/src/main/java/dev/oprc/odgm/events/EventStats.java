package dev.oprc.odgm.events;

/**
 * A snapshot of a dispatcher's counters. Each counts (event, target) dispatches unless noted.
 *
 * @param matched accepted into the queue
 * @param dispatched published successfully
 * @param publishFailures the publisher threw (Zenoh error, link down with DROP, ...)
 * @param queueDrops rejected because the queue was full
 * @param depthLimited not dispatched because the event's depth reached the maximum
 * @param expired dequeued after waiting longer than the trigger timeout
 * @param closedDrops submitted after close, or still queued when the close timeout ran out
 * @param fanoutTruncatedKeys changed keys (not targets) skipped by the per-write fan-out cap
 * @param queueLength events waiting right now
 */
public record EventStats(
    long matched,
    long dispatched,
    long publishFailures,
    long queueDrops,
    long depthLimited,
    long expired,
    long closedDrops,
    long fanoutTruncatedKeys,
    long queueLength) {

  /** Every dispatch that was accepted or refused and did not reach the publisher successfully. */
  public long lost() {
    return publishFailures + queueDrops + depthLimited + expired + closedDrops;
  }
}
