package dev.oprc.odgm.events;

import dev.oprc.odgm.lifecycle.Worker;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the node's committed change events ({@link ChangeEvents}) on their keys, in the order
 * they were committed per partition, each once its write is durable. Writers (or a raft group's
 * apply thread) {@link #offer} events into one bounded lock-free queue and never wait (an idle
 * thread is woken once the event is durable, by the gate's {@code whenDurable}); a full
 * queue drops the live event (counted in {@link #dropped}): it stays in the change log, where a
 * client that sees the gap in {@code seq} resumes from. One thread ({@code odgm-changes}) waits for
 * durability and puts; the link's put must not block (the Zenoh session drops under congestion).
 *
 * <p>Accounting: every offered event is exactly one of published, dropped or failed, once the
 * queue is empty. Construction starts nothing; {@link #start} starts the thread, {@link #close}
 * stops it. Thread-safe.
 */
public final class ChangePublisher implements AutoCloseable, Worker.Duty {
  private static final Logger log = LoggerFactory.getLogger(ChangePublisher.class);
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /** Where events go: a fire-and-forget put that does not block. */
  @FunctionalInterface
  public interface Link {
    void put(String key, byte[] payload) throws Exception;
  }

  /** One event waiting: its partition, body and seq, and the gate its write's durability ticket belongs to. */
  @SuppressWarnings("ArrayRecordComponent") // the body is handed on as it is, never modified
  private record Pending(String cls, int partition, byte[] body, long seq, DurabilityGate gate) {}

  private final ChangeConfig config;
  private final Link link;
  private final BoundedMpmcQueue<Pending> queue;
  private final Worker worker;
  private final LongAdder offered = new LongAdder();
  private final LongAdder published = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder truncated = new LongAdder();
  private volatile boolean idle;
  private final java.util.function.Consumer<RuntimeException> wakeIfIdle; // one instance: no allocation per write

  public ChangePublisher(ChangeConfig config, Link link) {
    this.config = Objects.requireNonNull(config, "config");
    this.link = Objects.requireNonNull(link, "link");
    this.queue = new BoundedMpmcQueue<>(config.queueBound());
    this.worker = new Worker("odgm-changes", this);
    this.wakeIfIdle = failure -> {
      if (idle) {
        worker.wake(); // after a failed sync too: the event is then counted as failed
      }
    };
  }

  public ChangeConfig config() {
    return config;
  }

  /** Starts the publishing thread; returns this. */
  public ChangePublisher start() {
    worker.start();
    return this;
  }

  /**
   * Queues the committed event {@code body} of {@code cls}/{@code partition} with {@code seq};
   * published once {@code gate} says {@code ticket} is durable. Never blocks; false (counted) when
   * the queue is full. Wakes the publishing thread ({@link #enqueue} and {@link #signal} apart).
   */
  public boolean offer(String cls, int partition, byte[] body, long seq, DurabilityGate gate, long ticket) {
    boolean queued = enqueue(cls, partition, body, seq, gate, ticket);
    signal(gate, ticket);
    return queued;
  }

  /**
   * {@link #offer} without the wake-up, for a caller that holds a lock other writers wait for: the
   * key is made on the publishing thread, and {@link #signal} wakes it once the lock is released.
   */
  public boolean enqueue(String cls, int partition, byte[] body, long seq, DurabilityGate gate, long ticket) {
    offered.increment();
    if (!queue.offer(new Pending(cls, partition, body, seq, gate), ticket, System.nanoTime())) {
      dropped.increment();
      return false;
    }
    return true;
  }

  /**
   * Wakes the publishing thread, if it waits for work, for an event {@link #enqueue}d with
   * {@code ticket}: at once when the write is durable already, else from the gate once it is (the
   * thread would only wait for it: one wake-up per group sync instead of one per write).
   */
  public void signal(DurabilityGate gate, long ticket) {
    if (!idle) {
      return; // it polls again before it parks
    }
    if (ticket == 0) {
      worker.wake();
    } else {
      gate.whenDurable(ticket, wakeIfIdle);
    }
  }

  /** Counts {@code n} values cut to {@link ChangeConfig#maxValueBytes()} while events were staged. */
  public void countTruncated(int n) {
    if (n > 0) {
      truncated.add(n);
    }
  }

  @Override
  public void doWork() {
    if (queue.poll(this::publish)) {
      return;
    }
    idle = true;
    if (!queue.poll(this::publish)) { // an offer between the first poll and idle=true did not wake us
      LockSupport.parkNanos(this, IDLE_PARK_NANOS);
    }
    idle = false;
  }

  private void publish(Pending p, long ticket, long offeredNanos) {
    try {
      if (ticket != 0) {
        p.gate().awaitDurable(ticket);
      }
      link.put(ChangeEvents.key(p.cls(), p.partition(), ChangeEvents.objectId(p.body())),
          ChangeEvents.json(p.body(), p.seq()));
      published.increment();
    } catch (Exception e) {
      failed.increment();
      if (log.isDebugEnabled()) {
        log.debug("change event {} of {}/{} not published: {}", p.seq(), p.cls(), p.partition(), e.toString());
      }
    }
  }

  /** Events offered (committed writes of partitions with change streams on). */
  public long offered() {
    return offered.sum();
  }

  /** Events put on the link. */
  public long published() {
    return published.sum();
  }

  /** Live events dropped: the queue was full (they stay in the change log). */
  public long dropped() {
    return dropped.sum();
  }

  /** Events not published: the write never became durable, or the put failed. */
  public long failed() {
    return failed.sum();
  }

  /** Values cut to the cap. */
  public long valuesTruncated() {
    return truncated.sum();
  }

  /** Events waiting in the queue. */
  public long queued() {
    return queue.size();
  }

  /** Publishes what is queued (up to the worker's close timeout), then stops the thread. */
  @Override
  public void close() {
    worker.close();
  }

  @Override
  public void onClose() {
    while (queue.poll(this::publish)) {
      // drain: the events are committed
    }
  }
}
