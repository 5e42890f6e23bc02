package dev.oprc.odgm.lifecycle;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one loop thread: runs a {@link Duty} round after round until it is closed, counts and
 * logs what a round throws (the thread survives it), and on {@link #close(Duration)} stops the
 * thread, retrying with an interrupt and reporting a thread that will not stop, with where it is
 * stuck. Every long-running loop of the node runs on one of these, in the manner of Agrona's
 * {@code AgentRunner}.
 *
 * <p>Construction starts nothing; {@link #start()} starts the thread once. Thread-safe.
 */
public final class Worker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Worker.class);
  /** How long {@link #close()} waits for the thread in all. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
  private static final long FAILURE_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final int NEW = 0;
  private static final int RUNNING = 1;
  private static final int STOPPING = 2;
  private static final int TERMINATED = 3;
  /** Every worker's failed rounds and stuck closes in this JVM (the node's metrics read them). */
  private static final LongAdder FAILED_ROUNDS = new LongAdder();
  private static final LongAdder STUCK_THREADS = new LongAdder();

  /** The work of one loop: {@link #doWork} is called until the worker closes. */
  public interface Duty {
    /**
     * One round: does what is ready, or waits a bounded time for more (parking is ended early by
     * {@link Worker#wake()} and by close). Runs on the worker's thread only.
     */
    void doWork() throws Exception;

    /** Called once on the worker's thread after the last round (a final flush, failing what waits). */
    default void onClose() {}
  }

  private final String name;
  private final Duty duty;
  private final Thread thread;
  private final AtomicInteger state = new AtomicInteger(NEW);
  private final LongAdder errors = new LongAdder();
  private final LongAdder stuck = new LongAdder();
  private volatile boolean reportedStuck; // a stuck thread is reported (and counted) once

  /** A worker whose thread, named {@code name}, comes from {@code factory}; nothing starts yet. */
  public Worker(String name, ThreadFactory factory, Duty duty) {
    this.name = Objects.requireNonNull(name, "name");
    this.duty = Objects.requireNonNull(duty, "duty");
    this.thread = Objects.requireNonNull(factory, "factory").newThread(this::loop);
    if (thread == null) {
      throw new IllegalArgumentException("thread factory returned no thread for worker " + name);
    }
    thread.setName(name);
  }

  /** A worker on a daemon thread named {@code name}. */
  public Worker(String name, Duty duty) {
    this(name, Threads.daemon(name), duty);
  }

  /** Starts the thread; returns this. */
  public Worker start() {
    if (!state.compareAndSet(NEW, RUNNING)) {
      throw new IllegalStateException("worker " + name + (state.get() == TERMINATED && thread.getState()
          == Thread.State.NEW ? " was closed before it started" : " was already started"));
    }
    thread.start();
    return this;
  }

  /** True until close was requested: the duty's loops and waits check it. */
  public boolean isRunning() {
    return state.get() == RUNNING;
  }

  /** Ends the thread's current wait early (cheap; any thread). */
  public void wake() {
    LockSupport.unpark(thread);
  }

  /** True when {@code t} is this worker's thread. */
  public boolean isWorkerThread(Thread t) {
    return t == thread;
  }

  /** Rounds that threw (the thread went on). */
  public long errors() {
    return errors.sum();
  }

  /** Rounds that threw, over every worker of this JVM. */
  public static long failedRounds() {
    return FAILED_ROUNDS.sum();
  }

  /** Closes that gave up on a thread that would not stop, over every worker of this JVM. */
  public static long stuckThreads() {
    return STUCK_THREADS.sum();
  }

  /** Closes that gave up on a thread that would not stop. */
  public long stuck() {
    return stuck.sum();
  }

  /** True when the thread has ended (or never started and was closed). */
  public boolean isTerminated() {
    int s = state.get();
    return s == TERMINATED || (s == STOPPING && thread.getState() == Thread.State.TERMINATED);
  }

  public String name() {
    return name;
  }

  private void loop() {
    try {
      while (state.get() == RUNNING) {
        try {
          duty.doWork();
        } catch (Throwable e) { // a round's failure must not end the loop: count it and go on
          errors.increment();
          FAILED_ROUNDS.increment();
          log.warn("worker {}: a round failed ({} so far): {}", name, errors.sum(), e.toString(), e);
          LockSupport.parkNanos(this, FAILURE_BACKOFF_NANOS);
        }
      }
    } finally {
      try {
        duty.onClose();
      } catch (RuntimeException e) {
        errors.increment();
        FAILED_ROUNDS.increment();
        log.warn("worker {}: closing failed: {}", name, e.toString(), e);
      }
    }
  }

  /** {@link #close(Duration)} with {@link #DEFAULT_CLOSE_TIMEOUT}. */
  @Override
  public void close() {
    close(DEFAULT_CLOSE_TIMEOUT);
  }

  /**
   * Stops the thread: asks it to stop and wakes it, waits up to a quarter of {@code timeout},
   * then interrupts it and waits again, until {@code timeout} has passed. Returns true when the
   * thread ended; otherwise logs where it is stuck and counts it. Idempotent; a call from the
   * worker's own thread only asks.
   */
  public boolean close(Duration timeout) {
    if (state.compareAndSet(NEW, TERMINATED)) {
      return true;
    }
    state.compareAndSet(RUNNING, STOPPING);
    wake();
    if (Thread.currentThread() == thread) {
      return false;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    long slice = Math.max(1, timeout.toMillis() / 4);
    while (thread.isAlive()) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        reportStuck(timeout);
        return false;
      }
      if (!join(Math.min(slice, left))) {
        return false;
      }
      if (thread.isAlive()) {
        thread.interrupt(); // a wait the duty does not end on wake(): interrupt it
      }
      wake();
    }
    state.set(TERMINATED);
    return true;
  }

  private boolean join(long millis) {
    try {
      thread.join(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void reportStuck(Duration timeout) {
    if (reportedStuck) {
      return;
    }
    reportedStuck = true;
    stuck.increment();
    STUCK_THREADS.increment();
    StackTraceElement[] at = thread.getStackTrace();
    log.warn("worker {} did not stop within {} ms; left running at {}", name, timeout.toMillis(),
        at.length == 0 ? "(unknown)" : at[0] + (at.length > 1 ? " <- " + at[1] : ""));
  }

  @Override
  public String toString() {
    return "Worker[" + name + ", " + switch (state.get()) {
      case NEW -> "new";
      case RUNNING -> "running";
      case STOPPING -> "stopping";
      default -> "terminated";
    } + "]";
  }
}
