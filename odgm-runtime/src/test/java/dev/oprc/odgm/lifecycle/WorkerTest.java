package dev.oprc.odgm.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class WorkerTest {
  @Test
  void constructionStartsNoThread() {
    AtomicInteger rounds = new AtomicInteger();
    Worker w = new Worker("test-idle", () -> rounds.incrementAndGet());

    assertThat(w.isRunning()).isFalse();
    assertThat(w.close(Duration.ofSeconds(1))).isTrue();
    assertThat(rounds).hasValue(0);
    assertThat(w.isTerminated()).isTrue();
  }

  @Test
  void runsTheDutyUntilClosedThenCallsOnCloseOnce() throws Exception {
    CountDownLatch ran = new CountDownLatch(3);
    AtomicInteger closes = new AtomicInteger();
    Worker w = new Worker("test-loop", new Worker.Duty() {
      @Override
      public void doWork() {
        ran.countDown();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }

      @Override
      public void onClose() {
        closes.incrementAndGet();
      }
    }).start();

    assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(w.close(Duration.ofSeconds(30))).isTrue();
    assertThat(w.isTerminated()).isTrue();
    assertThat(closes).hasValue(1);
  }

  @Test
  void aFailingRoundIsCountedAndTheLoopGoesOn() throws Exception {
    long jvmWideBefore = Worker.failedRounds();
    CountDownLatch afterFailures = new CountDownLatch(3);
    Worker w = new Worker("test-failing", () -> {
      afterFailures.countDown();
      throw new IllegalStateException("boom");
    }).start();

    assertThat(afterFailures.await(30, TimeUnit.SECONDS)).isTrue();
    w.close(Duration.ofSeconds(30));
    assertThat(w.errors()).isGreaterThanOrEqualTo(3);
    assertThat(Worker.failedRounds() - jvmWideBefore).isGreaterThanOrEqualTo(w.errors());
    assertThat(w.isTerminated()).isTrue();
  }

  @Test
  void closeInterruptsAWaitThatWakeDoesNotEnd() throws Exception {
    CountDownLatch waiting = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    Worker w = new Worker("test-blocked", () -> {
      waiting.countDown();
      try {
        never.await(); // an unpark does not end this wait; an interrupt does
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }).start();
    assertThat(waiting.await(30, TimeUnit.SECONDS)).isTrue();

    assertThat(w.close(Duration.ofSeconds(4))).isTrue(); // asks for 1 s, then interrupts
    assertThat(w.isTerminated()).isTrue();
    assertThat(w.stuck()).isZero();
  }

  @Test
  void aThreadThatWillNotStopIsReportedAndCounted() throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Worker w = new Worker("test-stuck", () -> {
      inside.countDown();
      while (release.getCount() > 0) { // ignores wake-ups and interrupts
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
    }).start();
    assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();

    assertThat(w.close(Duration.ofMillis(200))).isFalse();
    assertThat(w.stuck()).isEqualTo(1);
    assertThat(w.isTerminated()).isFalse();

    release.countDown();
    assertThat(w.close(Duration.ofSeconds(30))).isTrue();
  }

  @Test
  void startingTwiceIsRefused() {
    Worker w = new Worker("test-twice", () -> LockSupport.parkNanos(1_000_000)).start();
    try {
      assertThatThrownBy(w::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("test-twice");
    } finally {
      w.close();
    }
  }

  @Test
  void threadsComeFromTheGivenFactoryNamedForTheWorker() throws Exception {
    AtomicInteger made = new AtomicInteger();
    CountDownLatch named = new CountDownLatch(1);
    Worker w = new Worker("test-named", r -> {
      made.incrementAndGet();
      return new Thread(r);
    }, () -> {
      if (Thread.currentThread().getName().equals("test-named")) {
        named.countDown();
      }
      LockSupport.parkNanos(1_000_000);
    }).start();
    try {
      assertThat(named.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(made).hasValue(1);
    } finally {
      w.close();
    }
  }
}
