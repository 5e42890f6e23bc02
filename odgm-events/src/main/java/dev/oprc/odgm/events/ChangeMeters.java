package dev.oprc.odgm.events;

import dev.oprc.odgm.metrics.MeterSpec;
import java.util.List;

/**
 * The declarations of the node's change-stream meters ({@link ChangePublisher}); node-wide, no
 * labels. Stateless.
 */
public final class ChangeMeters {
  private ChangeMeters() {}

  public static final MeterSpec OFFERED = MeterSpec.counter("odgm.changes.offered",
      "change events of committed writes handed to the publisher");
  public static final MeterSpec PUBLISHED = MeterSpec.counter("odgm.changes.published",
      "change events published on oprc/{cls}/{pid}/events/{oid}");
  public static final MeterSpec DROPPED = MeterSpec.counter("odgm.changes.dropped",
      "live change events dropped: publish queue full (ODGM_CHANGE_QUEUE_BOUND); they stay in the change log");
  public static final MeterSpec FAILED = MeterSpec.counter("odgm.changes.failed",
      "change events not published: the write never became durable or the put failed");
  public static final MeterSpec VALUES_TRUNCATED = MeterSpec.counter("odgm.changes.values.truncated",
      "values cut to ODGM_CHANGE_EVENT_MAX_VALUE_BYTES in change events");
  public static final MeterSpec QUEUE_LEN = MeterSpec.gauge("odgm.changes.queue.len",
      "change events waiting to be published");

  public static final MeterSpec TRIMMED = MeterSpec.counter("odgm.changes.trimmed",
      "change events trimmed from the change logs (ODGM_CHANGE_LOG_MAX_COUNT, _BYTES, _AGE_MS)");
  public static final MeterSpec RESUME_QUERIES = MeterSpec.counter("odgm.changes.resume.queries",
      "resume queries received (GET oprc/{cls}/{pid}/events/**?since=...)");
  public static final MeterSpec RESUME_REPLIES = MeterSpec.counter("odgm.changes.resume.replies",
      "retained change events replied to resume queries");
  public static final MeterSpec RESUME_GAPS = MeterSpec.counter("odgm.changes.resume.gaps",
      "resume queries from before the oldest retained event (answered with the gap reply first)");
  public static final MeterSpec RESUME_REJECTED = MeterSpec.counter("odgm.changes.resume.rejected",
      "resume queries refused: the resume queue was full");

  /** Every change-stream meter. */
  public static final List<MeterSpec> ALL = List.of(OFFERED, PUBLISHED, DROPPED, FAILED, VALUES_TRUNCATED, QUEUE_LEN,
      TRIMMED, RESUME_QUERIES, RESUME_REPLIES, RESUME_GAPS, RESUME_REJECTED);
}
