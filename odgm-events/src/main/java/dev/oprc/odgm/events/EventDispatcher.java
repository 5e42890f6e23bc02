package dev.oprc.odgm.events;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns matched (event, targets) pairs into fire-and-forget PUTs.
 *
 * <p>{@link #submit} is called on the shard's write path: it never blocks, never takes a lock and
 * allocates nothing. It checks the depth limit, then offers the pair to a bounded lock-free queue
 * ({@link EventConfig#queueBound()}); when the queue is full the dispatches are dropped and
 * counted. The dispatcher's own threads ({@code odgm-event-dispatch-N}) take pairs off the queue,
 * serialize the payload once per event, build one envelope and key per target and hand them to
 * the {@link EventPublisher}. Publish failures are counted and logged at DEBUG (with a WARN at
 * most every 10 s), never propagated to the writer.
 *
 * <p>Thread-safe. The dispatcher owns its threads; {@link #close(Duration)} drains the queue
 * within a timeout and stops them.
 */
public final class EventDispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EventDispatcher.class);
  // Only a safety net: submit() unparks a parked worker, and the parked-flag/queue-size handshake
  // (volatile write then read on both sides) rules out a lost wake-up. A short park would only
  // burn CPU on idle shards (upstream-sized nodes run one dispatcher per shard).
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long YIELD_BEFORE_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
  private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final EventConfig config;
  private final EventPublisher publisher;
  private final InvocationIdGenerator ids;
  private final TriggerPayloadCodec codec;
  private final BoundedMpmcQueue queue;
  private final Worker[] workers;
  private final long expiryNanos;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean accepting = true;
  private volatile boolean terminated; // close() has taken its final look at the queue

  private final LongAdder matched = new LongAdder();
  private final LongAdder dispatched = new LongAdder();
  private final LongAdder publishFailures = new LongAdder();
  private final LongAdder queueDrops = new LongAdder();
  private final LongAdder depthLimited = new LongAdder();
  private final LongAdder expired = new LongAdder();
  private final LongAdder closedDrops = new LongAdder();
  private final LongAdder fanoutTruncatedKeys = new LongAdder();
  private volatile long lastWarnNanos = System.nanoTime() - WARN_INTERVAL_NANOS;

  private EventDispatcher(EventConfig config, EventPublisher publisher, InvocationIdGenerator ids, String name) {
    this.config = Objects.requireNonNull(config, "config");
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.ids = Objects.requireNonNull(ids, "ids");
    this.codec = new TriggerPayloadCodec(config.payloadFormat());
    this.queue = new BoundedMpmcQueue(config.queueBound());
    this.expiryNanos = TimeUnit.MILLISECONDS.toNanos(config.triggerTimeoutMillis());
    this.workers = new Worker[config.dispatchThreads()];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Worker(name + "-" + i);
    }
    for (Worker w : workers) {
      w.thread.start();
    }
  }

  /** A dispatcher with the default invocation ids, threads named {@code odgm-event-dispatch-N}. */
  public static EventDispatcher start(EventConfig config, EventPublisher publisher) {
    return new EventDispatcher(config, publisher, InvocationIdGenerator.unique(), "odgm-event-dispatch");
  }

  /** A dispatcher with a custom id generator and thread name prefix. */
  public static EventDispatcher start(EventConfig config, EventPublisher publisher, InvocationIdGenerator ids,
      String threadNamePrefix) {
    return new EventDispatcher(config, publisher, ids, Objects.requireNonNull(threadNamePrefix, "threadNamePrefix"));
  }

  public EventConfig config() {
    return config;
  }

  /**
   * Queues {@code targets} for {@code ctx}. Returns at once: true when queued (or when there is
   * nothing to dispatch), false when the dispatches were refused (depth limit, full queue,
   * closed), in which case the matching counter was incremented by {@code targets.size()}.
   */
  public boolean submit(EventContext ctx, List<CompiledTarget> targets) {
    int n = targets.size();
    if (n == 0) {
      return true;
    }
    if (ctx.depth() >= config.maxTriggerDepth()) {
      depthLimited.add(n);
      if (log.isDebugEnabled()) {
        log.debug("depth limit {} reached, not dispatching {} target(s) for {}", config.maxTriggerDepth(), n, ctx);
      }
      return false;
    }
    if (!accepting) {
      closedDrops.add(n);
      return false;
    }
    if (!queue.offer(ctx, targets, System.nanoTime())) {
      queueDrops.add(n);
      warnRateLimited("event queue full (bound {}); dropping dispatches, {} dropped so far",
          config.queueBound(), queueDrops);
      return false;
    }
    matched.add(n);
    if (terminated) {
      // raced with close(): its final poll may have missed this offer, so drain it here
      drainLeftovers();
      return false;
    }
    for (Worker w : workers) {
      if (w.parked) {
        LockSupport.unpark(w.thread);
        break;
      }
    }
    return true;
  }

  /** Matches {@code ctx} against {@code index} and submits the targets whose filters accept it. */
  public boolean submit(EventContext ctx, TriggerIndex index) {
    return submit(ctx, accepted(ctx, index.match(ctx.type(), ctx.subject())));
  }

  /** {@code targets} without those whose filter refuses {@code ctx}; the same list when none does. */
  static List<CompiledTarget> accepted(EventContext ctx, List<CompiledTarget> targets) {
    for (int i = 0; i < targets.size(); i++) {
      if (!targets.get(i).accepts(ctx)) {
        List<CompiledTarget> out = new java.util.ArrayList<>(targets.size());
        for (CompiledTarget t : targets) {
          if (t.accepts(ctx)) {
            out.add(t);
          }
        }
        return out;
      }
    }
    return targets;
  }

  /** Records {@code keys} changed keys that the shard skipped because of the fan-out cap. */
  public void recordFanoutTruncated(long keys) {
    if (keys > 0) {
      fanoutTruncatedKeys.add(keys);
      warnRateLimited("fan-out cap {} reached; {} changed keys not evaluated so far", config.maxBatchFanout(),
          fanoutTruncatedKeys);
    }
  }

  public EventStats stats() {
    return new EventStats(matched.sum(), dispatched.sum(), publishFailures.sum(), queueDrops.sum(),
        depthLimited.sum(), expired.sum(), closedDrops.sum(), fanoutTruncatedKeys.sum(), queue.size());
  }

  private void warnRateLimited(String fmt, Object a, LongAdder b) {
    long now = System.nanoTime();
    long last = lastWarnNanos;
    if (now - last >= WARN_INTERVAL_NANOS) {
      lastWarnNanos = now; // benign race: at worst two warnings
      log.warn(fmt, a, b.sum());
    }
  }

  // Runs on dispatcher threads only.
  private void dispatch(EventContext ctx, Object rawTargets, long enqueuedAt) {
    @SuppressWarnings("unchecked")
    List<CompiledTarget> targets = (List<CompiledTarget>) rawTargets;
    if (System.nanoTime() - enqueuedAt > expiryNanos) {
      expired.add(targets.size());
      warnRateLimited("event waited longer than {} ms in the queue; expired, {} expired so far",
          config.triggerTimeoutMillis(), expired);
      return;
    }
    ByteString payload;
    try {
      payload = UnsafeByteOperations.unsafeWrap(codec.encode(ctx)); // fresh array, never mutated
    } catch (Throwable e) { // never let a bad event kill the dispatch thread
      publishFailures.add(targets.size());
      log.warn("cannot serialize trigger payload for {}", ctx, e);
      return;
    }
    for (int i = 0; i < targets.size(); i++) {
      CompiledTarget target = targets.get(i);
      try {
        String key = target.keyPrefix() + ids.next(ctx, target);
        byte[] envelope = InvocationEnvelopes.build(ctx, target, payload);
        publisher.publish(key, envelope, config.triggerTimeoutMillis());
        dispatched.increment();
      } catch (Throwable e) { // an Error from a publisher must not kill the dispatch thread either
        publishFailures.increment();
        if (log.isDebugEnabled()) {
          log.debug("trigger publish failed for {} -> {}", ctx, target.keyPrefix(), e);
        }
        long now = System.nanoTime();
        if (now - lastWarnNanos >= WARN_INTERVAL_NANOS) {
          lastWarnNanos = now;
          log.warn("trigger publish failed ({} failures so far): {}", publishFailures.sum(), e.toString());
        }
      }
    }
  }

  /** Drains with a 5 s timeout. */
  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  /**
   * Stops accepting events, publishes what is queued until {@code drainTimeout} runs out, then
   * stops the threads. What is still queued then is counted in {@code closedDrops}. Idempotent.
   */
  public void close(Duration drainTimeout) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    accepting = false;
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    for (Worker w : workers) {
      w.drainDeadline = deadline;
      w.stopping = true;
      LockSupport.unpark(w.thread);
    }
    for (Worker w : workers) {
      long left = deadline - System.nanoTime();
      try {
        w.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left) + 1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (Worker w : workers) {
      if (w.thread.isAlive()) {
        w.thread.interrupt(); // a publisher stuck past the deadline
      }
    }
    terminated = true; // before the final poll: a submit that races past it drains its own offer
    long left = drainLeftovers();
    if (left > 0) {
      log.warn("event dispatcher closed with {} event(s) undelivered after {} ms", left, drainTimeout.toMillis());
    }
  }

  /** Empties the queue, counting every target as a closed drop; returns the number of events. */
  private long drainLeftovers() {
    long left = 0;
    while (queue.poll((c, t, at) -> closedDrops.add(((List<?>) t).size()))) {
      left++;
    }
    return left;
  }

  private final class Worker implements Runnable {
    final Thread thread;
    volatile boolean parked;
    volatile boolean stopping;
    volatile long drainDeadline;

    Worker(String name) {
      thread = new Thread(this, name);
      thread.setDaemon(true);
    }

    @Override
    @SuppressWarnings("ThreadPriorityCheck") // yielding before parking spares writers an unpark (measured)
    public void run() {
      BoundedMpmcQueue.Sink sink = EventDispatcher.this::dispatch;
      int idle = 0;
      long idleSince = 0;
      while (true) {
        if (stopping && System.nanoTime() - drainDeadline > 0) {
          return;
        }
        if (queue.poll(sink)) {
          idle = 0;
          continue;
        }
        if (stopping) {
          return; // drained
        }
        if (++idle < 64) {
          Thread.onSpinWait();
          continue;
        }
        if (idle == 64) {
          idleSince = System.nanoTime();
        }
        // Under steady load the queue refills within microseconds: yield for a while before
        // parking, so writers rarely pay for an unpark (a futex wake costs them ~1 us).
        if (System.nanoTime() - idleSince < YIELD_BEFORE_PARK_NANOS) {
          Thread.yield();
          continue;
        }
        idle = 0;
        parked = true;
        if (queue.size() == 0 && !stopping) {
          LockSupport.parkNanos(EventDispatcher.this, IDLE_PARK_NANOS);
        }
        parked = false;
        if (Thread.interrupted() && stopping) {
          return;
        }
      }
    }
  }
}
