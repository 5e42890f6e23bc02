package dev.oprc.odgm.storage;

/**
 * A partition's retained change events ({@link dev.oprc.odgm.events.ChangeEvents} bodies by seq),
 * written in the same atomic batch as the writes they describe. Seqs are gap-free: the retained
 * events are exactly those from {@link #oldestSeq()} to {@link #lastSeq()}. Trimmed from the
 * oldest end ({@link #trimThrough}) by a thread of its own, never by a writer.
 *
 * <p>Implementations are thread-safe.
 */
public interface ChangeLog {
  /** The log of storage that keeps none: empty, seq 0. */
  ChangeLog NONE = new ChangeLog() {
    @Override
    public long lastSeq() {
      return 0;
    }

    @Override
    public long durableSeq() {
      return 0;
    }

    @Override
    public long oldestSeq() {
      return 1;
    }

    @Override
    public int scan(long afterSeq, long throughSeq, int max, Visitor v) {
      return 0;
    }

    @Override
    public void trimThrough(long seq) {}

    @Override
    public long approximateBytes() {
      return 0;
    }
  };

  /** The seq of the last committed event (0: none yet). */
  long lastSeq();

  /**
   * The last seq whose event is durable, after making every committed event durable (a resume
   * never returns an event a crash could still take back, nor a seq a later event could reuse).
   */
  long durableSeq();

  /** The oldest retained seq; {@link #lastSeq()} + 1 when nothing is retained. */
  long oldestSeq();

  /**
   * Visits, in seq order, the retained events with {@code afterSeq < seq <= throughSeq}, at most
   * {@code max}, while {@code v} returns true; returns how many it visited.
   */
  int scan(long afterSeq, long throughSeq, int max, Visitor v);

  /** Deletes the retained events with seq {@code <= seq} (never the last seq's record of numbering). */
  void trimThrough(long seq);

  /** About how many bytes the retained events take. */
  long approximateBytes();

  /** Receives retained events. */
  @FunctionalInterface
  interface Visitor {
    /** One event; false stops the scan. */
    boolean visit(long seq, byte[] body);
  }
}
