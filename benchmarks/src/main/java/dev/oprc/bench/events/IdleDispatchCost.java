package dev.oprc.bench.events;

import dev.oprc.odgm.events.DispatchPool;
import dev.oprc.odgm.events.OutboxConfig;
import dev.oprc.odgm.events.OutboxDispatcher;
import dev.oprc.odgm.events.OutboxRecord;
import dev.oprc.odgm.events.OutboxStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Harness check: the CPU that idle shards cost a shared {@link DispatchPool} (no busy polling).
 * Starts {@code shards} outbox dispatchers with empty stores on a 2-thread pool, lets their
 * start-up scans end, then measures the pool threads' CPU time over {@code seconds} of idleness
 * and prints it in cores. Exits 1 when it is at or above {@code maxCores}. Machine-dependent (a
 * loaded machine delays the threads, not their CPU time, but a slow one costs more per wake-up),
 * so it is a harness check and not a unit test. Usage:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.oprc.bench.events.IdleDispatchCost [shards] [seconds] [maxCores]}
 * (defaults 1024, 3, 0.01).
 *
 * <p>Single-threaded tool; not thread-safe.
 */
public final class IdleDispatchCost {
  private static final String POOL = "idle-dispatch";

  private IdleDispatchCost() {}

  public static void main(String[] args) throws Exception {
    int shards = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
    long seconds = args.length > 1 ? Long.parseLong(args[1]) : 3;
    double maxCores = args.length > 2 ? Double.parseDouble(args[2]) : 0.01;
    double cores;
    DispatchPool pool = DispatchPool.start(POOL, 2);
    List<OutboxDispatcher> dispatchers = new ArrayList<>();
    try {
      OutboxConfig config = OutboxConfig.defaults().withResumeDelayMillis(0);
      for (int i = 0; i < shards; i++) {
        dispatchers.add(OutboxDispatcher.builder().config(config).store(new EmptyStore()).link(dev.oprc.bench.shard.WritePathBenchmark.NOOP_LINK)
            .pool(pool).start());
      }
      Thread.sleep(1_500); // the start-up backlog scans of the empty stores end
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      long before = cpuNanos(mx);
      long wallStart = System.nanoTime();
      Thread.sleep(Duration.ofSeconds(seconds).toMillis());
      cores = (double) (cpuNanos(mx) - before) / (System.nanoTime() - wallStart);
    } finally {
      for (OutboxDispatcher d : dispatchers) {
        d.close(Duration.ofSeconds(1));
      }
      pool.close();
    }
    System.out.printf("%d idle shards on a 2-thread dispatch pool: %.4f cores over %d s (limit %.4f)%n", shards,
        cores, seconds, maxCores);
    if (cores >= maxCores) {
      System.out.println("FAIL: idle shards cost the pool more than the limit");
      System.exit(1);
    }
  }

  private static long cpuNanos(ThreadMXBean mx) {
    long sum = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(POOL) && t.isAlive()) {
        sum += Math.max(0, mx.getThreadCpuTime(t.getId()));
      }
    }
    return sum;
  }

  /** An outbox with nothing in it. Stateless. */
  private static final class EmptyStore implements OutboxStore {
    @Override
    public int scan(long afterSeq, int max, Consumer<OutboxRecord> sink) {
      return 0;
    }

    @Override
    public void retire(long[] seqs, int[] sizes, int n) {}

    @Override
    public void makeDurable() {}

    @Override
    public long pendingCount() {
      return 0;
    }

    @Override
    public long pendingBytes() {
      return 0;
    }

    @Override
    public long oldestCreatedAtMillis() {
      return -1;
    }
  }
}
