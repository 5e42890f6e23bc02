package dev.oprc.odgm.storage;

import dev.oprc.odgm.events.DurabilityGate;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A committed write (applied, visible, its events queued) that may not be durable yet: its
 * {@code result} and the ticket of its storage's {@code gate} ({@link DurabilityGate}; 0: durable
 * at commit). Whoever acknowledges the write waits for it first: {@link #awaitDurable()} blocks,
 * {@link #whenDurable} calls back without holding a thread, so one WAL sync can answer a batch of
 * writers.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <R> the write's result
 */
public record Committed<R>(R result, DurabilityGate gate, long durableTicket) {
  public Committed {
    Objects.requireNonNull(gate, "gate");
    if (durableTicket < 0) {
      throw new IllegalArgumentException("durableTicket must be >= 0, was " + durableTicket);
    }
  }

  /** A result that is durable already (nothing written, or storage durable at commit). */
  public static <R> Committed<R> durable(R result) {
    return new Committed<>(result, DurabilityGate.IMMEDIATE, 0);
  }

  /** True when the write is not known to be durable yet. */
  public boolean pending() {
    return durableTicket != 0;
  }

  /** Blocks until the write is durable, then returns its result; throws when it never will be. */
  public R awaitDurable() {
    if (durableTicket != 0) {
      gate.awaitDurable(durableTicket);
    }
    return result;
  }

  /**
   * Calls {@code then} with null once the write is durable (at once, on this thread, when it is
   * already), or with the reason it never will be; {@code then} must not block.
   */
  public void whenDurable(Consumer<RuntimeException> then) {
    if (durableTicket == 0) {
      then.accept(null);
    } else {
      gate.whenDurable(durableTicket, then);
    }
  }

  /** The same write's durability with another result (what the caller made of this one). */
  public <T> Committed<T> withResult(T other) {
    return new Committed<>(other, gate, durableTicket);
  }
}
