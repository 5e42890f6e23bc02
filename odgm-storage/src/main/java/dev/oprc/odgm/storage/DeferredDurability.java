package dev.oprc.odgm.storage;

import dev.oprc.odgm.events.DurabilityGate;
import java.util.function.Consumer;

/**
 * Lets a caller that must not block, such as a gRPC handler on a transport thread, take over the
 * durability wait of the writes it makes. Between {@link #begin()} and {@link #end()} on one
 * thread, {@link ShardStorage#write} returns once the write is committed (applied, visible, its
 * events queued) instead of waiting for the WAL sync its sync mode promises. The caller then
 * replies from {@link #whenDurable}, which runs at once when nothing is pending, else on the
 * storage's sync thread after the sync that covers the writes. One fsync thus answers a batch of
 * writers without a thread parked per writer. Writes whose storage is durable at commit (memory,
 * sync mode {@code always} or {@code none}, Raft) are unaffected.
 *
 * <p>Thread-confined: one instance per call, used by the thread that began it; nests (an inner
 * scope's writes are its own).
 */
public final class DeferredDurability {
  private static final ThreadLocal<DeferredDurability> CURRENT = new ThreadLocal<>();

  private final DeferredDurability outer;
  private DurabilityGate gate;
  private long ticket;

  private DeferredDurability(DeferredDurability outer) {
    this.outer = outer;
  }

  /** Starts deferring the durability waits of this thread's writes. */
  public static DeferredDurability begin() {
    DeferredDurability d = new DeferredDurability(CURRENT.get());
    CURRENT.set(d);
    return d;
  }

  /** Stops deferring; the writes made so far are waited for by {@link #whenDurable}. */
  public void end() {
    if (CURRENT.get() == this) {
      CURRENT.set(outer);
    }
  }

  /** True when a write made since {@link #begin()} is not known to be durable yet. */
  public boolean pending() {
    return ticket > 0;
  }

  /**
   * Calls {@code then} with null once every write made in this scope is durable, or with the
   * reason one never will be ({@link DurabilityGate#whenDurable}); {@code then} must not block.
   */
  public void whenDurable(Consumer<RuntimeException> then) {
    if (ticket == 0) {
      then.accept(null);
    } else {
      gate.whenDurable(ticket, then);
    }
  }

  /**
   * Called by storage after a commit: takes over the wait for {@code t} of {@code g} when the
   * calling thread defers (true), else leaves it to the caller (false).
   */
  static boolean defer(DurabilityGate g, long t) {
    if (t == 0) {
      return true;
    }
    DeferredDurability d = CURRENT.get();
    if (d == null) {
      return false;
    }
    if (d.gate != null && d.gate != g) {
      d.gate.awaitDurable(d.ticket); // writes to a second engine in one call: rare, so the first is waited for
      d.ticket = 0;
    }
    d.gate = g;
    d.ticket = Math.max(d.ticket, t);
    return true;
  }
}
