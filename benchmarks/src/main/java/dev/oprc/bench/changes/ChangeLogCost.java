package dev.oprc.bench.changes;

import dev.oprc.odgm.changes.ChangeStream;
import dev.oprc.odgm.node.ZenohTransport;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * The write-throughput cost of the change log (issue 20 §4: "≤ 15 % fewer writes/s on RocksDB"),
 * measured so that JIT warm-up and a shared machine's load drift do not decide it: one JVM, a
 * common warm-up of both configurations, then {@code pairs} pairs of rounds in ABBA order (off,on /
 * on,off / ...), each round a fresh node on a fresh RocksDB data dir (group sync) written by the
 * same closed-loop gRPC writers. Prints each round's writes/s, process CPU per write and load
 * average, each pair's on/off ratio and the median of those ratios.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.oprc.bench.changes.ChangeLogCost [pairs] [seconds]
 * [writers] [warmup-seconds] [subscribe] [direct]}; {@code subscribe} (true/false, default false)
 * attaches a {@link ChangeStream} over a Zenoh link to the "on" rounds' node and checks it received
 * every event; {@code direct} (true/false, default false) writes by calling the shard in process
 * instead of over gRPC (the storage and event path alone, so its added CPU per write shows clearly).
 * Not thread-safe (a main program).
 */
public final class ChangeLogCost {
  private ChangeLogCost() {}

  /** One measured round. */
  private record Round(int index, boolean on, long writes, double seconds, double cpuSeconds, String load,
      long events) {
    double perSecond() {
      return writes / seconds;
    }

    double cpuMicrosPerWrite() {
      return 1e6 * cpuSeconds / writes;
    }
  }

  public static void main(String[] args) throws Exception {
    int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 6;
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
    int writers = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    double warmup = args.length > 3 ? Double.parseDouble(args[3]) : 15;
    boolean subscribe = args.length > 4 && Boolean.parseBoolean(args[4]);
    boolean direct = args.length > 5 && Boolean.parseBoolean(args[5]);
    Path root = Files.createTempDirectory("odgm-change-cost");
    System.out.printf(Locale.ROOT, "jdk %s, %d cpus, %d pairs x %.0f s, %d writers, warm-up %.0f s per config, "
        + "subscriber %s, %s%n", Runtime.version(), Runtime.getRuntime().availableProcessors(), pairs, seconds, writers,
        warmup, subscribe, direct ? "in-process shard writes" : "gRPC writes");
    run(root.resolve("warm-off"), false, false, direct, writers, warmup, 0);
    run(root.resolve("warm-on"), true, subscribe, direct, writers, warmup, 0);
    List<Round> rounds = new ArrayList<>();
    for (int i = 0; i < 2 * pairs; i++) {
      boolean on = (i % 4 == 1) || (i % 4 == 2); // off,on,on,off,...: ABBA cancels a linear drift
      Round r = run(root.resolve("r" + i), on, on && subscribe, direct, writers, seconds, i + 1);
      rounds.add(r);
      System.out.printf(Locale.ROOT, "round %2d %-3s %8.0f writes/s  %6.1f us CPU/write  events %d  load %s%n",
          r.index(), on ? "on" : "off", r.perSecond(), r.cpuMicrosPerWrite(), r.events(), r.load());
    }
    summary(rounds);
  }

  private static Round run(Path dir, boolean on, boolean subscribe, boolean direct, int writers, double seconds,
      int index) throws Exception {
    try (BenchNode n = BenchNode.start(dir, on); ZenohTransport c = subscribe ? n.client() : null) {
      n.write(writers, 1, direct); // the fresh node's own start-up (connections, caches, first flushes)
      LongAdder events = new LongAdder();
      long from = n.lastSeq();
      ChangeStream s = subscribe ? ChangeStream.builder(c.session(), "bench", 0).from(from)
          .listener(ch -> events.increment()).start() : null;
      String load = loadAverage();
      long cpu0 = cpuNanos();
      long t0 = System.nanoTime();
      long writes = n.write(writers, seconds, direct);
      double elapsed = (System.nanoTime() - t0) / 1e9;
      double cpu = (cpuNanos() - cpu0) / 1e9;
      if (s != null) {
        awaitEvents(s, n.lastSeq());
        s.close();
      }
      return new Round(index, on, writes, elapsed, cpu, load, events.sum());
    }
  }

  private static void awaitEvents(ChangeStream s, long last) throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (s.token() < last && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    if (s.token() < last) {
      throw new IllegalStateException("the subscriber stopped at seq " + s.token() + " of " + last);
    }
  }

  private static void summary(List<Round> rounds) {
    double[] ratios = new double[rounds.size() / 2];
    double[] cpuRatios = new double[ratios.length];
    for (int p = 0; p < ratios.length; p++) {
      Round a = rounds.get(2 * p);
      Round b = rounds.get(2 * p + 1);
      Round on = a.on() ? a : b;
      Round off = a.on() ? b : a;
      ratios[p] = on.perSecond() / off.perSecond();
      cpuRatios[p] = on.cpuMicrosPerWrite() / off.cpuMicrosPerWrite();
      System.out.printf(Locale.ROOT, "pair %d (rounds %d, %d): writes/s on/off %.3f, CPU per write on/off %.3f%n",
          p + 1, a.index(), b.index(), ratios[p], cpuRatios[p]);
    }
    System.out.printf(Locale.ROOT, "median writes/s: off %.0f, on %.0f (ratio of medians %.3f)%n",
        median(rounds, false, Round::perSecond), median(rounds, true, Round::perSecond),
        median(rounds, true, Round::perSecond) / median(rounds, false, Round::perSecond));
    System.out.printf(Locale.ROOT, "median CPU per write: off %.1f us, on %.1f us (ratio of medians %.3f)%n",
        median(rounds, false, Round::cpuMicrosPerWrite), median(rounds, true, Round::cpuMicrosPerWrite),
        median(rounds, true, Round::cpuMicrosPerWrite) / median(rounds, false, Round::cpuMicrosPerWrite));
    System.out.printf(Locale.ROOT, "median of the pairs' writes/s on/off: %.3f (%.1f %% fewer writes/s with the log on)%n",
        median(ratios), 100 * (1 - median(ratios)));
    System.out.printf(Locale.ROOT, "median of the pairs' CPU per write on/off: %.3f%n", median(cpuRatios));
  }

  private static double median(List<Round> rounds, boolean on, java.util.function.ToDoubleFunction<Round> f) {
    return median(rounds.stream().filter(r -> r.on() == on).mapToDouble(f).toArray());
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ", 4);
      return f[0] + " " + f[1] + " " + f[2];
    } catch (java.io.IOException e) {
      return "n/a";
    }
  }
}
