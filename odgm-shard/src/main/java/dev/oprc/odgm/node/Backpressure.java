package dev.oprc.odgm.node;

import dev.oprc.odgm.events.OutboxFullException;
import io.grpc.Context;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Slows writers down at the outbox bound ({@code ODGM_OUTBOX_FULL=backpressure}): a write refused
 * with a {@linkplain OutboxFullException#retryable() retryable} {@link OutboxFullException} is
 * tried again after growing delays (0.2 ms doubling to 10 ms) until it goes through or the
 * exception's wait ({@code ODGM_OUTBOX_FULL_WAIT_MS}) passed; then it is refused
 * ({@code RESOURCE_EXHAUSTED}) and counted. A refused attempt wrote nothing, so trying again is safe.
 *
 * <p>gRPC handlers run on transport threads that must never wait: {@link #later} retries on the
 * JDK's delayed executor with the call's {@link Context}, and the reply comes from there. The Zenoh
 * API's lanes are the node's own threads, where a bounded wait is the flow control: {@link #blocking}.
 * Stateless and thread-safe.
 */
final class Backpressure {
  private static final long FIRST_DELAY_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
  private static final long MAX_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private Backpressure() {}

  /**
   * After {@code first} refused {@code body}'s first attempt: refuses at once when it is not
   * retryable or allows no wait, else tries {@code body} again later; {@code ok} gets the result,
   * {@code failed} the final failure (exactly one of them runs, once).
   */
  static <T> void later(OutboxFullException first, Supplier<T> body, Consumer<T> ok, Consumer<RuntimeException> failed) {
    if (!first.retryable() || first.waitMillis() == 0) {
      first.refused();
      failed.accept(first);
      return;
    }
    first.delayed();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(first.waitMillis());
    new Retry<>(body, ok, failed, deadline, Context.current()).schedule(FIRST_DELAY_NANOS);
  }

  /** Runs {@code body}, trying again on this thread while the outbox is full, up to the wait. */
  static <T> T blocking(Supplier<T> body) {
    long deadline = 0;
    long delay = FIRST_DELAY_NANOS;
    while (true) {
      try {
        return body.get();
      } catch (OutboxFullException e) {
        long now = System.nanoTime();
        if (deadline == 0 && e.retryable() && e.waitMillis() > 0) {
          e.delayed();
          deadline = now + TimeUnit.MILLISECONDS.toNanos(e.waitMillis());
        } else if (deadline == 0 || now - deadline >= 0) {
          e.refused();
          throw e;
        }
        LockSupport.parkNanos(delay);
        delay = Math.min(delay * 2, MAX_DELAY_NANOS);
      }
    }
  }

  /** One write being retried; each attempt runs on the delayed executor. */
  private static final class Retry<T> implements Runnable {
    private final Supplier<T> body;
    private final Consumer<T> ok;
    private final Consumer<RuntimeException> failed;
    private final long deadline;
    private final Context context;
    private long delay = FIRST_DELAY_NANOS;

    Retry(Supplier<T> body, Consumer<T> ok, Consumer<RuntimeException> failed, long deadline, Context context) {
      this.body = body;
      this.ok = ok;
      this.failed = failed;
      this.deadline = deadline;
      this.context = context;
    }

    void schedule(long delayNanos) {
      Executor later = CompletableFuture.delayedExecutor(delayNanos, TimeUnit.NANOSECONDS);
      later.execute(context.wrap(this));
    }

    @Override
    public void run() {
      T result;
      try {
        result = body.get();
      } catch (OutboxFullException e) {
        if (System.nanoTime() - deadline >= 0 || context.isCancelled()) {
          e.refused();
          failed.accept(e);
          return;
        }
        delay = Math.min(delay * 2, MAX_DELAY_NANOS);
        schedule(delay);
        return;
      } catch (RuntimeException e) {
        failed.accept(e);
        return;
      }
      ok.accept(result);
    }
  }
}
