package dev.oprc.bench.load;

import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.KeyExpr;
import dev.oprc.zenoh.PutOptions;
import dev.oprc.zenoh.Session;
import dev.oprc.zenoh.Subscriber;
import dev.oprc.zenoh.Zenoh;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The ceiling a node's trigger delivery is compared with: one Java Zenoh client session (our
 * client, as a node has one) publishing fresh keys of the trigger key shape
 * {@code oprc/{collection}/{p}/async/{fn}/{n}} as fast as {@code publishers} threads can, through
 * the same router the node uses, to a subscriber session like the harness's trigger subscriber.
 * Puts go as the node's outbox sends them (congestion control DROP, a refused put tried again).
 * No node, no store, no outbox: what reaches the subscriber per second is the most a node's
 * trigger PUTs could reach on this machine and router. Not thread-safe: one run at a time.
 */
final class BarePublisher {
  /** About the size of an {@code InvocationRequest} with a JSON {@code TriggerPayload} the harness's triggers carry. */
  static final int PAYLOAD_BYTES = 320;

  /** One measurement: messages published and received in the measured window, and its length. */
  record Result(int publishers, long published, long received, Duration window) {
    double receivedPerSecond() {
      return received * 1e9 / window.toNanos();
    }

    double publishedPerSecond() {
      return published * 1e9 / window.toNanos();
    }

    String describe() {
      return String.format(Locale.ROOT, "bare Java publisher, %d thread(s), fresh keys, %d-byte payloads: "
          + "%,.0f PUTs/s published, %,.0f/s reached the subscriber", publishers, PAYLOAD_BYTES,
          publishedPerSecond(), receivedPerSecond());
    }
  }

  private BarePublisher() {}

  /** Publishes for {@code warmup} then {@code measure} through the router at {@code endpoint}. */
  static Result run(String endpoint, String collection, int publishers, Duration warmup, Duration measure)
      throws InterruptedException {
    LongAdder received = new LongAdder();
    LongAdder published = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    try (Session sub = Zenoh.open(Config.client(endpoint));
        Session pub = Zenoh.open(Config.client(endpoint))) {
      Subscriber s = sub.declareSubscriber("oprc/" + collection + "/*/async/**", x -> received.increment());
      List<Thread> threads = new ArrayList<>();
      for (int p = 0; p < publishers; p++) {
        threads.add(publisher(pub, "oprc/" + collection + "/" + p + "/async/sink/", published, stop));
      }
      threads.forEach(Thread::start);
      Thread.sleep(warmup.toMillis());
      long p0 = published.sum();
      long r0 = received.sum();
      long t0 = System.nanoTime();
      Thread.sleep(measure.toMillis());
      long p1 = published.sum();
      long r1 = received.sum();
      Duration window = Duration.ofNanos(System.nanoTime() - t0);
      stop.set(true);
      for (Thread t : threads) {
        t.join();
      }
      s.close();
      return new Result(publishers, p1 - p0, r1 - r0, window);
    }
  }

  private static Thread publisher(Session session, String prefix, LongAdder published, AtomicBoolean stop) {
    byte[] payload = new byte[PAYLOAD_BYTES];
    Thread t = new Thread(() -> {
      long n = 0;
      while (!stop.get()) {
        // as a node's outbox does: DROP, and a put the session refused (queue full) is tried again
        if (session.tryPut(KeyExpr.of(prefix + n), payload, PutOptions.DEFAULT)) {
          published.increment();
          n++;
        } else {
          Thread.onSpinWait();
        }
      }
    }, "bare-publisher");
    t.setDaemon(true);
    return t;
  }
}
