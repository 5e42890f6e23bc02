package dev.oprc.bench.events;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * {@link FilterMatchBenchmark}'s cases timed in thread CPU time instead of wall time, interleaved
 * in rounds (plain, depth, amount, changed, plain, ...), so that on a shared, overloaded machine
 * the time the thread spends descheduled does not count and every case sees the same load. Each
 * case has its own loop (no shared, megamorphic call site). Prints the median ns/op per case and
 * its ratio to the plain match. Usage:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.oprc.bench.events.FilterCpuTime [rounds]}.
 *
 * <p>Single-threaded tool; not thread-safe.
 */
public final class FilterCpuTime {
  private static final int OPS = 2_000_000;
  private static final String[] NAMES = {"plainMatch", "plainMatchAccepts", "depthFilterPass", "depthFilterReject",
      "amountFilterPass", "amountFilterReject", "changedFilterPass", "changedFilterReject"};
  private static long sink;

  private FilterCpuTime() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    FilterMatchBenchmark b = new FilterMatchBenchmark();
    b.setup();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    double[][] ns = new double[NAMES.length][rounds];
    for (int warm = 0; warm < 5; warm++) {
      for (int c = 0; c < NAMES.length; c++) {
        run(b, c, OPS);
      }
    }
    for (int r = 0; r < rounds; r++) {
      for (int c = 0; c < NAMES.length; c++) {
        long t0 = mx.getCurrentThreadCpuTime();
        run(b, c, OPS);
        ns[c][r] = (mx.getCurrentThreadCpuTime() - t0) / (double) OPS;
      }
    }
    double plain = median(ns[0]);
    System.out.printf("%-22s %10s %10s %8s%n", "case", "median ns", "min ns", "x plain");
    for (int c = 0; c < NAMES.length; c++) {
      System.out.printf("%-22s %10.2f %10.2f %8.2f%n", NAMES[c], median(ns[c]),
          Arrays.stream(ns[c]).min().orElse(0), median(ns[c]) / plain);
    }
    System.out.println("(sink " + sink + ", " + rounds + " rounds x " + OPS + " ops per case)");
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static void run(FilterMatchBenchmark b, int c, int n) {
    long s = 0;
    switch (c) {
      case 0 -> {
        for (int i = 0; i < n; i++) {
          s += b.plainMatch().size();
        }
      }
      case 1 -> {
        for (int i = 0; i < n; i++) {
          s += b.plainMatchAccepts();
        }
      }
      case 2 -> {
        for (int i = 0; i < n; i++) {
          s += b.depthFilterPass();
        }
      }
      case 3 -> {
        for (int i = 0; i < n; i++) {
          s += b.depthFilterReject();
        }
      }
      case 4 -> {
        for (int i = 0; i < n; i++) {
          s += b.amountFilterPass();
        }
      }
      case 5 -> {
        for (int i = 0; i < n; i++) {
          s += b.amountFilterReject();
        }
      }
      case 6 -> {
        for (int i = 0; i < n; i++) {
          s += b.changedFilterPass();
        }
      }
      default -> {
        for (int i = 0; i < n; i++) {
          s += b.changedFilterReject();
        }
      }
    }
    sink += s;
  }
}
