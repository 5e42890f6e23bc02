package dev.oprc.odgm.node;

import dev.oprc.zenoh.BlockingSubscriber;
import dev.oprc.zenoh.KeyExpr;
import dev.oprc.zenoh.Sample;
import dev.oprc.zenoh.SampleKind;
import dev.oprc.zenoh.Session;
import dev.oprc.zenoh.Subscriber;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a session's samples and queries back in the order they arrived, for {@link ZenohTransport}.
 * The session hands samples to its callback thread and queries to its query pool, so a query can
 * overtake an earlier sample (a GET answered with the object a DELETE just removed). The one place
 * that sees arrival order is the session's reader thread, which offers a sample to a queue-backed
 * ({@link BlockingSubscriber}) subscription before it hands a later query to the pool. So samples
 * are taken from such a queue, and a query is passed on only after the queue has been drained:
 * every sample that arrived before it has reached its listener first.
 *
 * <p>One drainer at a time, without a lock: whoever signals while nobody drains becomes the
 * drainer (a query handler thread, or the callback thread through a second, callback subscription
 * that only rings the bell); a signal during a drain makes the drainer go round once more. The
 * drainer only hands off (listeners and query handlers must return quickly), so nobody waits. Both
 * queues are bounded: a full sample queue drops in the session (counted as its subscriber drops), a
 * full query queue refuses the query (counted in {@link #queriesRefused()}).
 *
 * <p>Thread-safe.
 */
final class ArrivalOrder {
  private static final Logger log = LoggerFactory.getLogger(ArrivalOrder.class);

  private record Intake(BlockingSubscriber queue, NodeTransport.SampleListener listener) {}

  private final List<Intake> intakes = new CopyOnWriteArrayList<>();
  private final ArrayBlockingQueue<Runnable> queries;
  private final int sampleCapacity;
  private final AtomicInteger wip = new AtomicInteger();
  private final LongAdder refused = new LongAdder();

  ArrivalOrder(int sampleCapacity, int queryCapacity) {
    this.sampleCapacity = sampleCapacity;
    this.queries = new ArrayBlockingQueue<>(queryCapacity);
  }

  /** Subscribes {@code listener} to {@code key}'s samples, ordered with {@link #query}; close to undeclare. */
  AutoCloseable subscribe(Session session, KeyExpr key, NodeTransport.SampleListener listener) {
    BlockingSubscriber queue = session.declareSubscriber(key, sampleCapacity);
    Intake intake = new Intake(queue, listener);
    intakes.add(intake);
    Subscriber bell = session.declareSubscriber(key, sample -> drain());
    return () -> {
      bell.close();
      queue.close();
      intakes.remove(intake);
    };
  }

  /**
   * Runs {@code handler} once every sample that arrived before this call has reached its listener
   * (on this thread or on the current drainer's); false, counted, when the query queue is full.
   */
  boolean query(Runnable handler) {
    if (!queries.offer(handler)) {
      refused.increment();
      return false;
    }
    drain();
    return true;
  }

  /** Queries refused because the query queue was full. */
  long queriesRefused() {
    return refused.sum();
  }

  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return; // the drainer goes round again
    }
    int missed = 1;
    do {
      drainSamples();
      for (Runnable q = queries.poll(); q != null; q = queries.poll()) {
        drainSamples(); // the samples offered before q was: they are in the queues by now
        run(q);
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  private void drainSamples() {
    for (Intake in : intakes) {
      for (Sample s = in.queue.poll(); s != null; s = in.queue.poll()) {
        try {
          in.listener.onSample(s.keyExpr().toString(), s.payload(), s.kind() == SampleKind.DELETE);
        } catch (RuntimeException e) {
          log.warn("sample listener threw on '{}'", s.keyExpr(), e);
        }
      }
    }
  }

  private static void run(Runnable query) {
    try {
      query.run();
    } catch (RuntimeException e) {
      log.warn("query handler threw", e);
    }
  }
}
