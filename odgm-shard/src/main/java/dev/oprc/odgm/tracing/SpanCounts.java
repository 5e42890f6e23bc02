package dev.oprc.odgm.tracing;

/**
 * How many spans the node ended, and what became of them: exported (the collector accepted the
 * batch) or failed (the export of their batch failed). {@code ended − exported − failed} are the
 * spans still queued plus those the batch queue dropped when it was full (it never blocks the
 * node). Immutable; a snapshot.
 *
 * @param ended    sampled spans ended, each handed to the batch queue once
 * @param exported spans in batches the exporter delivered
 * @param failed   spans in batches whose export failed (not retried)
 */
public record SpanCounts(long ended, long exported, long failed) {
  /** No tracing: nothing counted. */
  public static final SpanCounts NONE = new SpanCounts(0, 0, 0);
}
