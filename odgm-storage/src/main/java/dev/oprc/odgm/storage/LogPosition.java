package dev.oprc.odgm.storage;

/**
 * The position (term, index) of the last replicated-log entry a database applied; stored in the
 * same batch as the entry, so re-applying entries up to it after a restart is skipped.
 *
 * <p>Immutable and thread-safe.
 */
public record LogPosition(long term, long index) {
  /** Nothing applied yet. */
  public static final LogPosition NONE = new LogPosition(0, -1);
}
