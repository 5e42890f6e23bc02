package dev.oprc.odgm.node;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's bounded pools and their close path, shared by the async receiver and the Zenoh API:
 * fixed threads named {@code prefix + n} when the prefix ends in '-' (else {@code prefix}), daemon, an
 * {@link ArrayBlockingQueue} of {@code queueBound} and {@link ThreadPoolExecutor.AbortPolicy}
 * (callers count and answer refusals). Stateless.
 */
final class NodeExecutors {
  private static final Logger log = LoggerFactory.getLogger(NodeExecutors.class);

  private NodeExecutors() {}

  static ThreadPoolExecutor bounded(String prefix, int threads, int queueBound) {
    return new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queueBound),
        dev.oprc.odgm.lifecycle.Threads.daemon(prefix), new ThreadPoolExecutor.AbortPolicy());
  }

  /**
   * Lets queued work finish for 5 s, then interrupts what runs and waits 2 s more; returns the
   * tasks that never ran (for the caller to answer).
   */
  static List<Runnable> shutdown(ThreadPoolExecutor pool) {
    pool.shutdown();
    try {
      if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
        List<Runnable> left = pool.shutdownNow();
        pool.awaitTermination(2, TimeUnit.SECONDS);
        return left;
      }
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return pool.shutdownNow();
    }
  }

  /** Closes every subscription or declaration, logging (at DEBUG) the ones that fail. */
  static void closeQuietly(List<AutoCloseable> handles) {
    for (AutoCloseable h : handles) {
      try {
        h.close();
      } catch (Exception e) {
        log.debug("undeclare failed: {}", e.toString());
      }
    }
    handles.clear();
  }
}
