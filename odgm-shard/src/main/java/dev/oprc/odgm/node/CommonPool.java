package dev.oprc.odgm.node;

import java.util.concurrent.ForkJoinPool;

/**
 * Sizes the JVM's common fork-join pool before anything uses it. The JDK gives that pool one thread
 * fewer than the cores; with two cores that is one, and {@code CompletableFuture} then runs every
 * async stage on a new thread instead of the pool. Ratis completes each log append, each
 * append-entries reply and each leadership change through such stages, so a raft node on a 2-core
 * machine started thousands of threads a minute (JFR {@code jdk.ThreadStart}: 5,100 in 176 s under
 * load). Startup only; not thread-safe.
 */
final class CommonPool {
  static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";
  /** Enough for Ratis's short stages without starving one behind another; idle workers time out. */
  static final int MIN_PARALLELISM = 4;

  private CommonPool() {}

  /**
   * Raises the common pool to {@link #MIN_PARALLELISM} unless the JVM was told a size
   * ({@code -D}{@value #PARALLELISM}) or has cores enough; returns the size in force, which stays
   * the JDK's when the pool was already created.
   */
  static int ensureParallelism() {
    if (System.getProperty(PARALLELISM) == null
        && Runtime.getRuntime().availableProcessors() - 1 < MIN_PARALLELISM) {
      System.setProperty(PARALLELISM, Integer.toString(MIN_PARALLELISM));
    }
    return ForkJoinPool.getCommonPoolParallelism();
  }
}
