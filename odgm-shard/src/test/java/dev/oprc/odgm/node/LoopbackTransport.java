package dev.oprc.odgm.node;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Test transport: delivers puts to matching in-process subscribers on one background thread
 * (like a transport's reader thread). Key expressions support '*' (one chunk) and '**'.
 * Records every put. Unit tests only; Zenoh itself is exercised by the zenoh and e2e suites.
 */
final class LoopbackTransport implements NodeTransport {
  record Put(String key, byte[] payload) {}

  private record Sub(String expr, BiConsumer<String, byte[]> handler) {}

  final List<Put> puts = new CopyOnWriteArrayList<>();
  private final List<Sub> subs = new CopyOnWriteArrayList<>();
  private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> new Thread(r, "loopback-reader"));
  volatile boolean down;
  private volatile long epoch;

  /** Takes the link down or brings it back (a new link epoch either way). */
  void setDown(boolean d) {
    down = d;
    epoch++;
  }

  @Override
  public boolean linkUp() {
    return !down;
  }

  @Override
  public long linkEpoch() {
    return epoch;
  }

  @Override
  public void put(String key, byte[] payload) throws Exception {
    if (down) {
      throw new IllegalStateException("link down");
    }
    puts.add(new Put(key, payload));
    reader.execute(() -> {
      for (Sub s : subs) {
        if (matches(s.expr, key)) {
          s.handler.accept(key, payload);
        }
      }
    });
  }

  @Override
  public AutoCloseable subscribe(String keyExpr, BiConsumer<String, byte[]> handler) {
    Sub s = new Sub(keyExpr, handler);
    subs.add(s);
    return () -> subs.remove(s);
  }

  static boolean matches(String expr, String key) {
    return match(expr.split("/"), 0, key.split("/"), 0);
  }

  private static boolean match(String[] e, int i, String[] k, int j) {
    if (i == e.length) {
      return j == k.length;
    }
    if (e[i].equals("**")) {
      for (int n = j; n <= k.length; n++) {
        if (match(e, i + 1, k, n)) {
          return true;
        }
      }
      return false;
    }
    if (j == k.length) {
      return false;
    }
    return (e[i].equals("*") || e[i].equals(k[j])) && match(e, i + 1, k, j + 1);
  }

  @Override
  public void close() {
    reader.shutdown();
    try {
      reader.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
