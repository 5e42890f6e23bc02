package dev.oprc.odgm.shard;

/**
 * Who is writing, as far as events care: the depth the write's events get (0 for a client, d + 1
 * for a function invoked by a trigger at depth d) and an optional W3C traceparent to propagate.
 *
 * <p>Immutable and thread-safe.
 */
public record WriteContext(int depth, String traceparent) {
  /** A plain client write. */
  public static final WriteContext CLIENT = new WriteContext(0, null);

  public WriteContext {
    if (depth < 0) {
      throw new IllegalArgumentException("depth must be >= 0, was " + depth);
    }
  }
}
