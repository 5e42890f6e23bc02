package dev.oprc.odgm.storage;

import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The latest moment a write may still be proposed to a replicated log, and whether its caller
 * has gone away: the serving thread sets it ({@link #call}) around a call, and a
 * {@link BatchCommitter} that queues writes before proposing them reads it ({@link #current})
 * and drops a write that became late while queued, so a write whose caller already gave up is
 * never applied. {@code epochMillis} is wall-clock time (the nodes' clocks are assumed to be
 * synchronized, one host or NTP), because it travels between nodes with a forwarded call.
 *
 * <p>Immutable and thread-safe; {@code cancelled} must be thread-safe and cheap.
 */
public record WriteDeadline(long epochMillis, BooleanSupplier cancelled) {
  /** No deadline, never cancelled. */
  public static final WriteDeadline NONE = new WriteDeadline(Long.MAX_VALUE, () -> false);

  private static final ThreadLocal<WriteDeadline> CURRENT = new ThreadLocal<>();

  public WriteDeadline {
    Objects.requireNonNull(cancelled, "cancelled");
  }

  /** The deadline of the call this thread serves ({@link #NONE} outside {@link #call}). */
  public static WriteDeadline current() {
    WriteDeadline d = CURRENT.get();
    return d == null ? NONE : d;
  }

  /** Runs {@code body} with {@code deadline} as this thread's {@link #current()}. */
  public static <T> T call(WriteDeadline deadline, Supplier<T> body) {
    WriteDeadline before = CURRENT.get();
    CURRENT.set(Objects.requireNonNull(deadline, "deadline"));
    try {
      return body.get();
    } finally {
      if (before == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(before);
      }
    }
  }

  /** Why the write must not be proposed at {@code nowMillis} (its deadline passed, it was cancelled), or null. */
  public String lateReason(long nowMillis) {
    if (nowMillis >= epochMillis) {
      return "its caller's deadline passed " + (nowMillis - epochMillis) + " ms before it could be proposed";
    }
    if (cancelled.getAsBoolean()) {
      return "its caller cancelled it before it could be proposed";
    }
    return null;
  }
}
