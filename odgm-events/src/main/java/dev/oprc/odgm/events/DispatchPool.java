package dev.oprc.odgm.events;

import dev.oprc.odgm.lifecycle.Threads;
import dev.oprc.odgm.lifecycle.Worker;
import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small, fixed set of threads shared by many {@link OutboxDispatcher}s, so that a node's
 * dispatch cost does not grow with its partition count (1024 partitions, a few threads).
 *
 * <p>Each dispatcher is pinned to one worker for its whole life (round robin at registration), so
 * one shard's records are still handled by a single thread at a time, in order. A worker runs a
 * dispatcher when it was woken (a commit, an acknowledgement, close) or when the dispatcher's own
 * timer is due (records in flight settle, acknowledgement timeouts, idle sweeps); an idle
 * dispatcher costs nothing but a sweep a second.
 *
 * <p>Thread-safe. Construction starts nothing; whoever starts the pool owns its threads (one
 * {@link Worker} each): {@link #close()} stops them after the dispatchers on it were closed.
 */
public final class DispatchPool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DispatchPool.class);
  /** Spin (yielding) this long with nothing ready before parking: under load work refills in microseconds. */
  private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
  /** Longest a worker parks without a timer: bounds the cost of a lost wake-up. */
  private static final long MAX_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Waits this long or longer are rounded up to a multiple of it. */
  private static final long COARSE_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  private final Lane[] lanes;
  private final AtomicInteger next = new AtomicInteger();
  private volatile boolean closed;

  /**
   * A pool of {@code threads} threads from {@code factory}, named {@code namePrefix-N}
   * ({@code namePrefix} alone when there is one); nothing runs until {@link #start()}.
   */
  public DispatchPool(String namePrefix, int threads, ThreadFactory factory) {
    if (threads < 1 || threads > 64) {
      throw new IllegalArgumentException("dispatch pool threads must be 1..64, got " + threads);
    }
    if (namePrefix == null || namePrefix.isEmpty()) {
      throw new IllegalArgumentException("dispatch pool needs a thread name prefix");
    }
    lanes = new Lane[threads];
    for (int i = 0; i < threads; i++) {
      lanes[i] = new Lane(threads == 1 ? namePrefix : namePrefix + "-" + i, factory);
    }
  }

  /** Starts a pool of {@code threads} daemon threads named {@code namePrefix-N}. */
  public static DispatchPool start(String namePrefix, int threads) {
    return new DispatchPool(namePrefix, threads, Threads.daemon(namePrefix)).start();
  }

  /** Starts the threads; returns this. */
  public DispatchPool start() {
    for (Lane l : lanes) {
      l.worker.start();
    }
    return this;
  }

  /** Rounds of the pool's threads that failed (each thread went on). */
  public long errors() {
    long n = 0;
    for (Lane l : lanes) {
      n += l.worker.errors();
    }
    return n;
  }

  /** Number of worker threads. */
  public int threads() {
    return lanes.length;
  }

  /** Pins {@code task} to a worker and runs it once soon. */
  void register(Task task) {
    if (closed) {
      throw new IllegalStateException("dispatch pool is closed");
    }
    task.lane = lanes[Math.floorMod(next.getAndIncrement(), lanes.length)];
    task.wake();
  }

  /** Stops the threads (they finish the task slice they are in). Idempotent. */
  @Override
  public void close() {
    closed = true;
    for (Lane l : lanes) {
      l.worker.wake();
    }
    for (Lane l : lanes) {
      l.worker.close();
    }
  }

  /**
   * Something a worker runs repeatedly: a dispatcher's duties. {@link #runSlice} returns 0 to run
   * again right away (it made progress), a positive number of nanoseconds to run again after that
   * long at the latest, or a negative number when the task has ended.
   */
  abstract static class Task {
    private final java.util.concurrent.atomic.AtomicBoolean scheduled = new java.util.concurrent.atomic.AtomicBoolean();
    volatile Lane lane;
    Task nextWoken; // link in the worker's inbox stack
    long timerDeadline; // worker thread only; 0 = no timer
    boolean ended; // worker thread only

    abstract long runSlice();

    /** Asks the task's worker to run it soon. Any thread; cheap when it is already scheduled. */
    final void wake() {
      Lane l = lane;
      if (l != null && !scheduled.get() && scheduled.compareAndSet(false, true)) {
        l.push(this);
        if (l.parked) {
          l.worker.wake();
        }
      }
    }
  }

  private record Timer(long deadline, Task task) {}

  /** One pool thread's duty: a wake-up queue shared with other threads, timers private to it. */
  final class Lane implements Worker.Duty {
    final Worker worker;
    /** Woken tasks, pushed by any thread (an intrusive stack: waking allocates nothing). */
    private final AtomicReference<Task> inbox = new AtomicReference<>();
    /** Woken tasks in wake order, worker thread only. */
    private final ArrayDeque<Task> ready = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> Long.compare(a.deadline, b.deadline));
    volatile boolean parked;
    private long lastProgressNanos;

    Lane(String name, ThreadFactory factory) {
      worker = new Worker(name, factory, this);
    }

    void push(Task t) {
      Task head;
      do {
        head = inbox.get();
        t.nextWoken = head;
      } while (!inbox.compareAndSet(head, t));
    }

    private Task poll() {
      if (ready.isEmpty()) {
        Task t = inbox.getAndSet(null);
        int mark = ready.size();
        for (; t != null; t = t.nextWoken) {
          ready.addFirst(t); // the stack is newest first: reversing restores wake order
        }
        if (ready.size() == mark) {
          return null;
        }
      }
      return ready.pollFirst();
    }

    @Override
    @SuppressWarnings("ThreadPriorityCheck") // yielding while just busy spares the next writer an unpark (measured)
    public void doWork() {
      runTimers();
      Task t = poll();
      if (t != null) {
        t.scheduled.set(false); // a wake-up during the run schedules it again
        run(t);
      } else if (System.nanoTime() - lastProgressNanos < SPIN_NANOS) {
        Thread.yield(); // just busy: spare the next writer an unpark
      } else {
        park();
      }
    }

    private void run(Task t) {
      if (t.ended) {
        return;
      }
      long next;
      try {
        next = t.runSlice();
      } catch (Throwable e) { // never lose the worker: the task's own loop catches what it expects
        log.warn("dispatch task failed: {}", e.toString());
        next = TimeUnit.MILLISECONDS.toNanos(50);
      }
      if (next < 0) {
        t.ended = true;
      } else if (next == 0) {
        lastProgressNanos = System.nanoTime();
        t.wake();
      } else {
        schedule(t, deadline(System.nanoTime() + next, next));
      }
    }

    /**
     * Long waits end on a coarse tick, so that the sweeps of many idle tasks share one wake-up
     * (a wake-up costs more than the sweep itself).
     */
    private static long deadline(long at, long delay) {
      if (delay < COARSE_TICK_NANOS) {
        return at;
      }
      return at - Math.floorMod(at, COARSE_TICK_NANOS) + COARSE_TICK_NANOS;
    }

    private void schedule(Task t, long deadline) {
      if (t.timerDeadline != 0 && t.timerDeadline - deadline <= 0) {
        return; // an earlier timer is already set
      }
      t.timerDeadline = deadline;
      timers.add(new Timer(deadline, t));
    }

    private void runTimers() {
      long now = System.nanoTime();
      Timer top;
      while ((top = timers.peek()) != null && top.deadline - now <= 0) {
        timers.poll();
        Task t = top.task;
        if (t.timerDeadline != top.deadline) {
          continue; // superseded by an earlier timer that already ran
        }
        t.timerDeadline = 0;
        run(t);
      }
    }

    private void park() {
      parked = true;
      if (ready.isEmpty() && inbox.get() == null && !closed) {
        Timer top = timers.peek();
        long wait = top == null ? MAX_PARK_NANOS : Math.min(MAX_PARK_NANOS, top.deadline - System.nanoTime());
        if (wait > 0) {
          LockSupport.parkNanos(this, wait);
        }
      }
      parked = false;
    }
  }
}
