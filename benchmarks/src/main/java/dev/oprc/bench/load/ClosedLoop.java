package dev.oprc.bench.load;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop load generator: {@code concurrency} lanes, each with exactly one call outstanding;
 * a lane issues its next call from the completion of the previous one, so the offered load adapts
 * to the server (no coordinated-omission correction applies: latency is service time under this
 * concurrency). Latency is recorded per completed call in an HdrHistogram {@link Recorder}; only
 * completions inside the measured window count.
 *
 * <p>Failed calls are re-issued after 1 ms on the {@code load-retry} thread, so a server that
 * fails fast cannot recurse on the caller's stack; its queue holds at most one task per lane.
 * One {@link #run} at a time; {@link #close()} stops the retry thread.
 */
final class ClosedLoop implements AutoCloseable {
  /** One kind of call. {@link #issue} is called from gRPC and retry threads, one call per lane at a time. */
  interface Operation {
    /** Starts one call for {@code lane}; {@code done} must be called exactly once, with null on success. */
    void issue(int lane, Completion done);
  }

  /** Completion of one call. */
  interface Completion {
    void done(Throwable errorOrNull);
  }

  /** Called on the harness thread at the edges of the measured window. */
  interface Window {
    void opened();

    void closed();
  }

  /** What one point measured. {@code latencyNanos} holds successful calls only. */
  record Outcome(Histogram latencyNanos, long errors, long elapsedNanos, String firstError, boolean drained) {
    long calls() {
      return latencyNanos.getTotalCount();
    }

    double callsPerSecond() {
      return calls() * 1e9 / elapsedNanos;
    }
  }

  private final ScheduledExecutorService retry;

  ClosedLoop() {
    ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "load-retry");
      t.setDaemon(true);
      return t;
    });
    ex.setRemoveOnCancelPolicy(true);
    this.retry = ex;
  }

  /** Runs {@code op} for warm-up + measure, then stops the lanes and waits up to 30 s for them. */
  Outcome run(Operation op, int concurrency, Duration warmup, Duration measure, Window window)
      throws InterruptedException {
    Run r = new Run(op, concurrency);
    for (int lane = 0; lane < concurrency; lane++) {
      r.issue(lane);
    }
    Thread.sleep(warmup.toMillis());
    r.recorder.reset();
    long errorsBefore = r.errors.sum();
    window.opened();
    long t0 = System.nanoTime();
    Thread.sleep(measure.toMillis());
    Histogram h = r.recorder.getIntervalHistogram();
    long elapsed = System.nanoTime() - t0;
    long errors = r.errors.sum() - errorsBefore;
    window.closed();
    r.stopping = true;
    boolean drained = r.stopped.await(30, TimeUnit.SECONDS);
    return new Outcome(h, errors, elapsed, r.firstError.get(), drained);
  }

  @Override
  public void close() {
    retry.shutdownNow();
    try {
      retry.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** State of one run; lanes touch it from gRPC callback threads. */
  private final class Run {
    final Operation op;
    final Recorder recorder = new Recorder(3);
    final LongAdder errors = new LongAdder();
    final AtomicReference<String> firstError = new AtomicReference<>();
    final CountDownLatch stopped;
    volatile boolean stopping;

    Run(Operation op, int concurrency) {
      this.op = op;
      this.stopped = new CountDownLatch(concurrency);
    }

    void issue(int lane) {
      long start = System.nanoTime();
      try {
        op.issue(lane, err -> complete(lane, start, err));
      } catch (RuntimeException e) {
        complete(lane, start, e);
      }
    }

    void complete(int lane, long start, Throwable err) {
      long now = System.nanoTime();
      if (err == null) {
        recorder.recordValue(now - start);
      } else {
        errors.increment();
        firstError.compareAndSet(null, String.valueOf(err));
      }
      if (stopping) {
        stopped.countDown();
      } else if (err == null) {
        issue(lane);
      } else {
        retryLater(lane);
      }
    }

    void retryLater(int lane) {
      try {
        var unused = retry.schedule(() -> issue(lane), 1, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        stopped.countDown(); // closing
      }
    }
  }
}
