package dev.oprc.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class ClosedLoopTest {
  private final ScheduledExecutorService server = Executors.newScheduledThreadPool(2, r -> {
    Thread t = new Thread(r, "fake-server");
    t.setDaemon(true);
    return t;
  });
  private final ClosedLoop loop = new ClosedLoop();

  @AfterEach
  void close() throws InterruptedException {
    loop.close();
    server.shutdownNow();
    assertThat(server.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
  }

  /** Completes each call after 1 ms; remembers the most calls ever outstanding. */
  private static final class FakeServer implements ClosedLoop.Operation {
    final ScheduledExecutorService ex;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final boolean fail;

    FakeServer(ScheduledExecutorService ex, boolean fail) {
      this.ex = ex;
      this.fail = fail;
    }

    @Override
    public void issue(int lane, ClosedLoop.Completion done) {
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      var unused = ex.schedule(() -> {
        inFlight.decrementAndGet();
        done.done(fail ? new IllegalStateException("boom") : null);
      }, 1, TimeUnit.MILLISECONDS);
    }
  }

  @Test
  void keepsExactlyConcurrencyCallsOutstanding() throws InterruptedException {
    FakeServer op = new FakeServer(server, false);
    AtomicInteger windows = new AtomicInteger();
    ClosedLoop.Outcome o = loop.run(op, 8, Duration.ofMillis(100), Duration.ofMillis(300), new ClosedLoop.Window() {
      @Override
      public void opened() {
        windows.incrementAndGet();
      }

      @Override
      public void closed() {
        windows.incrementAndGet();
      }
    });
    assertThat(o.drained()).isTrue();
    assertThat(op.maxInFlight.get()).isEqualTo(8);
    assertThat(op.inFlight.get()).isZero();
    assertThat(windows.get()).isEqualTo(2);
    assertThat(o.errors()).isZero();
    assertThat(o.calls()).isPositive();
    // 8 lanes × ≥ 1 ms per call over 300 ms: at most 2,400 calls, and many fewer is a stuck lane
    assertThat(o.callsPerSecond()).isBetween(500.0, 8_000.0 + 1);
    assertThat(o.latencyNanos().getValueAtPercentile(50)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(1));
  }

  @Test
  void countsFailuresAndKeepsRetrying() throws InterruptedException {
    FakeServer op = new FakeServer(server, true);
    ClosedLoop.Outcome o = loop.run(op, 2, Duration.ofMillis(50), Duration.ofMillis(200), noWindow());
    assertThat(o.drained()).isTrue();
    assertThat(o.calls()).isZero();
    assertThat(o.errors()).isGreaterThan(10);
    assertThat(o.firstError()).contains("boom");
  }

  @Test
  void anOperationThatThrowsCountsAsAFailedCall() throws InterruptedException {
    ClosedLoop.Outcome o = loop.run((lane, done) -> {
      throw new IllegalArgumentException("bad request");
    }, 1, Duration.ZERO, Duration.ofMillis(100), noWindow());
    assertThat(o.drained()).isTrue();
    assertThat(o.errors()).isPositive();
    assertThat(o.firstError()).contains("bad request");
  }

  private static ClosedLoop.Window noWindow() {
    return new ClosedLoop.Window() {
      @Override
      public void opened() {}

      @Override
      public void closed() {}
    };
  }
}
