package dev.oprc.odgm.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's operations endpoints. On the metrics port (ODGM_METRICS_PORT): {@code GET /metrics}
 * (Prometheus text), {@code /healthz} (200 while the process serves HTTP: liveness) and
 * {@code /readyz} (200 "ready", or 503 with the reason: not serving yet, shutting down, Zenoh
 * router link down). Over gRPC: the standard {@code grpc.health.v1.Health} service with the
 * overall service {@code ""}, {@code oprc.DataService}, {@code oprc.OprcFunction} and one
 * {@code odgm.collection.<name>} per collection, SERVING exactly when {@code /readyz} is 200.
 *
 * <p>Threads: {@code odgm-ops-http} serves HTTP (queue of 16; more concurrent scrapes get the
 * connection closed) and {@code odgm-ops-health} re-evaluates readiness every 500 ms. Both are
 * owned here and stopped by {@link #close()}. Thread-safe.
 */
public final class OpsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OpsServer.class);
  /** Prefix of the per-collection gRPC health service names. */
  public static final String COLLECTION_SERVICE_PREFIX = "odgm.collection.";

  private final HealthStatusManager health = new HealthStatusManager();
  private final List<String> services;
  private final Supplier<String> notReady;
  private volatile ScheduledExecutorService ticker; // from start()
  private HttpServer http;
  private ThreadPoolExecutor httpPool;
  private volatile boolean started;
  private volatile boolean draining;

  /**
   * @param collections served collections (health service names)
   * @param notReady the reason the node is not ready, or null when it is
   */
  public OpsServer(List<String> collections, Supplier<String> notReady) {
    this.notReady = notReady;
    List<String> names = new java.util.ArrayList<>(List.of("", "oprc.DataService", "oprc.OprcFunction"));
    collections.forEach(c -> names.add(COLLECTION_SERVICE_PREFIX + c));
    this.services = List.copyOf(names);
    services.forEach(s -> health.setStatus(s, ServingStatus.NOT_SERVING));
  }

  /** The gRPC health service, to add to the node's gRPC server. */
  public BindableService healthService() {
    return health.getHealthService();
  }

  /**
   * Starts readiness tracking and, unless {@code port} is 0, the HTTP endpoints
   * ({@link OpsConfig#EPHEMERAL}: any free port).
   *
   * @throws IOException naming ODGM_METRICS_PORT when the port cannot be bound
   */
  public void start(int port, NodeMetrics metrics) throws IOException {
    start(OpsConfig.defaults().metricsBind(), port, metrics);
  }

  /**
   * Like {@link #start(int, NodeMetrics)}, the HTTP endpoints bound to {@code bind} (an address or
   * host name; {@code 0.0.0.0}: every interface).
   *
   * @throws IOException naming ODGM_METRICS_PORT / ODGM_METRICS_BIND when the address cannot be bound
   */
  public void start(String bind, int port, NodeMetrics metrics) throws IOException {
    started = true;
    ticker = Executors.newSingleThreadScheduledExecutor(dev.oprc.odgm.lifecycle.Threads.daemon("odgm-ops-health"));
    var unused = ticker.scheduleWithFixedDelay(this::refresh, 0, 500, TimeUnit.MILLISECONDS);
    if (port == 0) {
      return;
    }
    InetSocketAddress address = new InetSocketAddress(bind, port == OpsConfig.EPHEMERAL ? 0 : port);
    if (address.isUnresolved()) {
      throw new IOException(OpsConfig.METRICS_BIND + "='" + bind + "': unknown host; accepted: an IP address or host "
          + "name of this machine");
    }
    try {
      http = HttpServer.create(address, 16);
    } catch (IOException e) {
      throw new IOException("cannot listen for metrics on " + bind + " port " + port + " (" + OpsConfig.METRICS_PORT
          + ", " + OpsConfig.METRICS_BIND + "): " + e.getMessage() + "; accepted: a free TCP port on an address of "
          + "this machine, or port 0 to disable metrics and HTTP health", e);
    }
    httpPool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(16),
        dev.oprc.odgm.lifecycle.Threads.daemon("odgm-ops-http"), new ThreadPoolExecutor.DiscardPolicy());
    http.setExecutor(httpPool);
    http.createContext("/metrics", ex -> reply(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
        metrics == null ? "" : metrics.scrape()));
    http.createContext("/healthz", ex -> reply(ex, 200, "text/plain; charset=utf-8", "ok\n"));
    http.createContext("/readyz", ex -> {
      String why = reason();
      reply(ex, why == null ? 200 : 503, "text/plain; charset=utf-8", why == null ? "ready\n" : why + "\n");
    });
    http.start();
  }

  /** The bound HTTP port, or 0 when HTTP is off. */
  public int port() {
    return http == null ? 0 : http.getAddress().getPort();
  }

  /** Null when ready, else why not. */
  public String reason() {
    if (draining) {
      return "shutting down";
    }
    if (!started) {
      return "not serving yet";
    }
    try {
      return notReady.get();
    } catch (RuntimeException e) {
      return "readiness check failed: " + e.getMessage();
    }
  }

  private void refresh() {
    ServingStatus s = reason() == null ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    services.forEach(name -> health.setStatus(name, s));
  }

  private static void reply(HttpExchange ex, int code, String type, String body) throws IOException {
    try (ex) {
      if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        ex.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      ex.sendResponseHeaders(code, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("ops HTTP reply failed: {}", e.toString());
    }
  }

  /** Marks every service NOT_SERVING (shutdown begins): load balancers stop sending. */
  public void draining() {
    draining = true;
    services.forEach(name -> health.setStatus(name, ServingStatus.NOT_SERVING));
  }

  @Override
  public void close() {
    draining();
    if (ticker != null) {
      ticker.shutdownNow();
    }
    health.enterTerminalState();
    if (http != null) {
      http.stop(0);
      httpPool.shutdownNow();
    }
  }
}
