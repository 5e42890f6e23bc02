package dev.oprc.odgm.node;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * At most {@code maxConcurrent} asynchronous calls of one function route in flight
 * (ODGM_INVOKE_MAX_CONCURRENCY_PER_ROUTE); further ones wait in a queue of {@code queueBound}
 * and start as running ones complete; beyond that they are refused. No thread waits: a slow
 * route fills its own gate and no other. Thread-safe.
 */
final class RouteGate {
  private final int maxConcurrent;
  private final int queueBound;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int running;

  RouteGate(int maxConcurrent, int queueBound) {
    this.maxConcurrent = maxConcurrent;
    this.queueBound = queueBound;
  }

  /** Starts {@code call} now or when a slot frees; fails with RejectedExecutionException when the queue is full. */
  <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> call) {
    CompletableFuture<T> out = new CompletableFuture<>();
    Runnable start = () -> {
      CompletableFuture<T> f;
      try {
        f = call.get();
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      var unused = f.whenComplete((v, e) -> {
        release();
        if (e != null) {
          out.completeExceptionally(e);
        } else {
          out.complete(v);
        }
      });
    };
    synchronized (this) {
      if (running >= maxConcurrent) {
        if (waiting.size() >= queueBound) {
          return CompletableFuture.failedFuture(new RejectedExecutionException("the route's queue is full ("
              + queueBound + " waiting, " + running + " running)"));
        }
        waiting.add(start);
        return out;
      }
      running++;
    }
    start.run();
    return out;
  }

  private void release() {
    Runnable next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        running--;
      }
    }
    if (next != null) {
      next.run(); // keeps the slot
    }
  }

  synchronized int running() {
    return running;
  }

  synchronized int waiting() {
    return waiting.size();
  }
}
