package dev.oprc.bench.changes;

import dev.oprc.odgm.changes.ChangeStream;
import dev.oprc.odgm.node.ZenohTransport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Change streams, in one process on one run (issue 20 §4): a RocksDB node (group sync) in peer mode
 * written by gRPC clients, with {@code ODGM_ZENOH_EVENT_PUBLISH} off and then on (a fresh data dir
 * each); with it on, a {@link ChangeStream} over a real Zenoh link counts the events it receives
 * and their latency (arrival wall time minus the event's {@code timestamp}, ms resolution); then the
 * time a fresh {@link ChangeStream} takes to replay 100k retained events; then off once more (order bias).
 * The write-cost comparison without that bias is {@link ChangeLogCost}'s (interleaved rounds).
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.oprc.bench.changes.ChangeStreamBench [seconds] [writers]}.
 */
public final class ChangeStreamBench {
  private ChangeStreamBench() {}

  private static long timestamp(byte[] json) {
    String t = new String(json, StandardCharsets.UTF_8);
    int i = t.indexOf("\"timestamp\":") + 12;
    return Long.parseLong(t.substring(i, t.indexOf(',', i)));
  }

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
    int writers = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    Path root = Files.createTempDirectory("odgm-change-bench");
    long off;
    try (BenchNode n = BenchNode.start(root.resolve("off"), false)) {
      n.write(writers, 2); // warm-up
      off = n.write(writers, seconds);
    }
    ConcurrentHistogram latency = new ConcurrentHistogram(3);
    LongAdder received = new LongAdder();
    long on;
    long last;
    double replaySeconds;
    try (BenchNode n = BenchNode.start(root.resolve("on"), true); ZenohTransport c = n.client()) {
      n.write(writers, 2);
      AtomicBoolean measuring = new AtomicBoolean();
      ChangeStream live = ChangeStream.builder(c.session(), "bench", 0).from(n.lastSeq())
          .listener(ch -> {
            if (measuring.get()) {
              received.increment();
              latency.recordValue(Math.max(0, System.currentTimeMillis() - timestamp(ch.json())));
            }
          }).start();
      try {
        measuring.set(true);
        on = n.write(writers, seconds);
        measuring.set(false);
      } finally {
        live.close();
      }
      while (true) { // at least 100k retained events
        last = n.lastSeq();
        if (last >= 100_000) {
          break;
        }
        n.write(writers, 2);
      }
      long from = last - 100_000;
      long t0 = System.nanoTime();
      try (ChangeStream r = ChangeStream.builder(c.session(), "bench", 0).from(from).listener(ch -> { }).start()) {
        while (r.token() < last) {
          Thread.sleep(1);
        }
      }
      replaySeconds = (System.nanoTime() - t0) / 1e9;
    }
    long offAgain; // off once more, after on: the JIT warms up during the first run
    try (BenchNode n = BenchNode.start(root.resolve("off2"), false)) {
      n.write(writers, 2);
      offAgain = n.write(writers, seconds);
    }
    System.out.printf("writers %d, %.0f s per run%n", writers, seconds);
    System.out.printf("writes/s change log off (after on): %.0f%n", offAgain / seconds);
    System.out.printf("writes/s change log off: %.0f%n", off / seconds);
    System.out.printf("writes/s change log on:  %.0f (%.1f %% of the mean of both off runs)%n", on / seconds,
        200.0 * on / (off + offAgain));
    System.out.printf("events/s reaching the subscriber: %.0f (%d events for %d writes)%n", received.sum() / seconds,
        received.sum(), on);
    System.out.printf("write-to-subscriber latency (ms, event timestamp to arrival): p50 %d, p99 %d, max %d%n",
        latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), latency.getMaxValue());
    System.out.printf("replay of 100000 retained events (seqs %d..%d) by a fresh ChangeStream: %.2f s (%.0f events/s)%n",
        last - 99_999, last, replaySeconds, 100_000 / replaySeconds);
  }

}
