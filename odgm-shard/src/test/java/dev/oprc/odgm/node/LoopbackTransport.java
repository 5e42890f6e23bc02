package dev.oprc.odgm.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Test transport: delivers puts to matching in-process subscribers on one background thread
 * (like a transport's reader thread). Key expressions support '*' (one chunk) and '**'.
 * Records every put. Queries reach matching local queryables on the same thread; a get completes
 * when every matched query is closed or at its timeout. Tokens are recorded in {@link #tokens}.
 * Unit tests only; Zenoh itself is exercised by the zenoh and e2e suites.
 */
final class LoopbackTransport implements NodeTransport {
  @SuppressWarnings("ArrayRecordComponent") // bytes are passed through, never compared or hashed
  record Put(String key, byte[] payload) {}

  private record Sub(String expr, SampleListener handler) {}

  private record Qbl(String expr, Consumer<IncomingQuery> handler) {}

  final List<String> tokens = new CopyOnWriteArrayList<>();
  private final List<Qbl> queryables = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
      r -> new Thread(r, "loopback-timer"));

  final List<Put> puts = new CopyOnWriteArrayList<>();
  private final List<Sub> subs = new CopyOnWriteArrayList<>();
  private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> new Thread(r, "loopback-reader"));
  volatile boolean down;
  private volatile long epoch;

  /** Takes the link down or brings it back (a new link epoch either way). */
  synchronized void setDown(boolean d) {
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
    deliver(key, payload, false);
  }

  /** A DELETE sample on {@code key} (as a Zenoh delete). */
  void delete(String key) {
    deliver(key, new byte[0], true);
  }

  private void deliver(String key, byte[] payload, boolean delete) {
    reader.execute(() -> {
      for (Sub s : subs) {
        if (matches(s.expr, key)) {
          s.handler.onSample(key, payload, delete);
        }
      }
    });
  }

  @Override
  public AutoCloseable subscribe(String keyExpr, BiConsumer<String, byte[]> handler) {
    if (refuseSubscriptions) {
      throw new IllegalStateException("subscriptions refused (test)");
    }
    return subscribeSamples(keyExpr, (k, p, delete) -> {
      if (!delete) {
        handler.accept(k, p);
      }
    });
  }

  @Override
  public AutoCloseable subscribeSamples(String keyExpr, SampleListener listener) {
    Sub s = new Sub(keyExpr, listener);
    subs.add(s);
    return () -> subs.remove(s);
  }

  @Override
  public AutoCloseable declareQueryable(String keyExpr, Consumer<IncomingQuery> handler) {
    Qbl q = new Qbl(keyExpr, handler);
    queryables.add(q);
    return () -> queryables.remove(q);
  }

  @Override
  public AutoCloseable declareToken(String key) {
    tokens.add(key);
    return () -> tokens.remove(key);
  }

  /** Runs matching queryables on the reader thread; keys of the query match exactly or by pattern. */
  @Override
  public CompletableFuture<List<QueryReply>> get(String selector, byte[] payload, Duration timeout) {
    int qm = selector.indexOf('?');
    String key = qm < 0 ? selector : selector.substring(0, qm);
    Map<String, String> params = new java.util.LinkedHashMap<>();
    if (qm >= 0) {
      for (String kv : com.google.common.base.Splitter.on(';').split(selector.substring(qm + 1))) {
        int eq = kv.indexOf('=');
        if (!kv.isEmpty()) {
          params.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
        }
      }
    }
    CompletableFuture<List<QueryReply>> done = new CompletableFuture<>();
    List<QueryReply> replies = new CopyOnWriteArrayList<>();
    reader.execute(() -> {
      List<Qbl> hit = new ArrayList<>();
      for (Qbl q : queryables) {
        if (matches(q.expr, key) || matches(key, q.expr)) {
          hit.add(q);
        }
      }
      AtomicInteger open = new AtomicInteger(hit.size());
      Runnable finish = () -> done.complete(List.copyOf(replies));
      if (hit.isEmpty()) {
        finish.run();
        return;
      }
      var unused = timer.schedule(finish, timeout.toMillis(), TimeUnit.MILLISECONDS); // finish reports itself
      for (Qbl q : hit) {
        q.handler.accept(new LoopQuery(key, params, payload, replies, () -> {
          if (open.decrementAndGet() == 0) {
            finish.run();
          }
        }));
      }
    });
    return done;
  }

  private static final class LoopQuery implements IncomingQuery {
    private final String key;
    private final Map<String, String> params;
    private final byte[] payload;
    private final List<QueryReply> replies;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    LoopQuery(String key, Map<String, String> params, byte[] payload, List<QueryReply> replies, Runnable onClose) {
      this.key = key;
      this.params = params;
      this.payload = payload;
      this.replies = replies;
      this.onClose = onClose;
    }

    @Override
    public String key() {
      return key;
    }

    @Override
    public Map<String, String> parameters() {
      return params;
    }

    @Override
    public byte[] payload() {
      return payload;
    }

    @Override
    public void reply(String k, byte[] p) {
      if (closed.get()) {
        throw new IllegalStateException("query closed");
      }
      if (!matches(key, k) && !matches(k, key)) {
        throw new IllegalArgumentException("reply key '" + k + "' does not intersect '" + key + "'");
      }
      replies.add(new QueryReply(true, k, p));
    }

    @Override
    public void replyErr(String message) {
      if (closed.get()) {
        throw new IllegalStateException("query closed");
      }
      replies.add(new QueryReply(false, null, message.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        onClose.run();
      }
    }
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

  private volatile boolean transportClosed;
  private volatile boolean refuseSubscriptions;

  /** From now on {@link #subscribe} throws, as a session that lost its router may. */
  LoopbackTransport refusingSubscriptions() {
    refuseSubscriptions = true;
    return this;
  }

  /** True once the node closed this transport. */
  boolean isClosed() {
    return transportClosed;
  }

  @Override
  public void close() {
    transportClosed = true;
    timer.shutdownNow();
    reader.shutdown();
    try {
      reader.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
