package dev.oprc.odgm.ops;

import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.events.EventConfigException;
import java.util.Map;

/**
 * Operational settings, read by {@link #fromEnv(Map)}:
 * <ul>
 *   <li>{@code ODGM_GRPC_MAX_MESSAGE_BYTES} (4194304, as gRPC's and upstream's default): the
 *       largest gRPC request the node accepts; larger ones get RESOURCE_EXHAUSTED.</li>
 *   <li>{@code ODGM_METRICS_PORT} (9464; 0 disables): the HTTP port of {@code /metrics},
 *       {@code /healthz} and {@code /readyz}. -1 (not accepted from the environment) binds an
 *       ephemeral port, for tests.</li>
 *   <li>{@code ODGM_REQUIRE_ROUTER} (false): refuse to start when no Zenoh router or peer is
 *       reachable at start, instead of serving and connecting in the background.</li>
 *   <li>{@code ODGM_INVOKE_MAX_CONCURRENCY_PER_ROUTE} (16): remote function calls in flight per
 *       route; further ones wait in that route's queue.</li>
 *   <li>{@code ODGM_INVOKE_QUEUE_MAX_BYTES} (67108864): payload bytes of queued asynchronous
 *       invocations (with ODGM_INVOKE_QUEUE_BOUND, a count); beyond it they are refused and
 *       counted.</li>
 *   <li>{@code ODGM_GRPC_MAX_CONCURRENT_CALLS_PER_CONNECTION} (1024): gRPC calls one client
 *       connection may have in flight (HTTP/2 MAX_CONCURRENT_STREAMS); further ones wait at the
 *       client. Bounds the replies waiting for a WAL sync.</li>
 *   <li>{@code ODGM_GRPC_BLOCKING_THREADS} (32): threads for gRPC calls that may block (an
 *       embedder's own local functions, Raft writes, listings); every other call runs on the gRPC
 *       transport threads. Idle ones end after 30 s.</li>
 *   <li>{@code ODGM_GRPC_BLOCKING_QUEUE} (4096): such calls waiting for one of those threads;
 *       beyond it they are answered RESOURCE_EXHAUSTED.</li>
 * </ul>
 *
 * <p>An embedded node ({@code OdgmNode.builder()}) uses {@link #embedded()}: metrics off.
 * Immutable and thread-safe.
 */
public record OpsConfig(
    int grpcMaxMessageBytes,
    int metricsPort,
    boolean requireRouter,
    int invokeMaxConcurrencyPerRoute,
    long invokeQueueMaxBytes,
    int grpcMaxConcurrentCallsPerConnection,
    int grpcBlockingThreads,
    int grpcBlockingQueue) {

  public static final String GRPC_MAX_MESSAGE_BYTES = "ODGM_GRPC_MAX_MESSAGE_BYTES";
  public static final String METRICS_PORT = "ODGM_METRICS_PORT";
  public static final String REQUIRE_ROUTER = "ODGM_REQUIRE_ROUTER";
  public static final String INVOKE_MAX_CONCURRENCY_PER_ROUTE = "ODGM_INVOKE_MAX_CONCURRENCY_PER_ROUTE";
  public static final String INVOKE_QUEUE_MAX_BYTES = "ODGM_INVOKE_QUEUE_MAX_BYTES";
  public static final String GRPC_MAX_CONCURRENT_CALLS_PER_CONNECTION = "ODGM_GRPC_MAX_CONCURRENT_CALLS_PER_CONNECTION";
  public static final String GRPC_BLOCKING_THREADS = "ODGM_GRPC_BLOCKING_THREADS";
  public static final String GRPC_BLOCKING_QUEUE = "ODGM_GRPC_BLOCKING_QUEUE";

  /** Default metrics port (OpenTelemetry's Prometheus exporter uses the same). */
  public static final int DEFAULT_METRICS_PORT = 9464;
  /** {@link #metricsPort()} value binding an ephemeral port. */
  public static final int EPHEMERAL = -1;

  public OpsConfig {
    check(grpcMaxMessageBytes >= 1024 && grpcMaxMessageBytes <= (1 << 30), GRPC_MAX_MESSAGE_BYTES,
        grpcMaxMessageBytes, "1024..1073741824 (bytes)");
    check(metricsPort >= EPHEMERAL && metricsPort <= 65535, METRICS_PORT, metricsPort, "0 (off) or a port 1..65535");
    check(invokeMaxConcurrencyPerRoute >= 1 && invokeMaxConcurrencyPerRoute <= 4096,
        INVOKE_MAX_CONCURRENCY_PER_ROUTE, invokeMaxConcurrencyPerRoute, "1..4096");
    check(invokeQueueMaxBytes >= 1024, INVOKE_QUEUE_MAX_BYTES, invokeQueueMaxBytes, ">= 1024 (bytes)");
    check(grpcMaxConcurrentCallsPerConnection >= 1 && grpcMaxConcurrentCallsPerConnection <= 1 << 20,
        GRPC_MAX_CONCURRENT_CALLS_PER_CONNECTION, grpcMaxConcurrentCallsPerConnection, "1..1048576");
    check(grpcBlockingThreads >= 1 && grpcBlockingThreads <= 1024, GRPC_BLOCKING_THREADS, grpcBlockingThreads,
        "1..1024");
    check(grpcBlockingQueue >= 1 && grpcBlockingQueue <= 1 << 20, GRPC_BLOCKING_QUEUE, grpcBlockingQueue,
        "1..1048576");
  }

  /** Defaults of a node run from the environment. */
  public static OpsConfig defaults() {
    return fromEnv(Map.of());
  }

  /** Defaults of an embedded node: the same, with metrics off. */
  public static OpsConfig embedded() {
    return defaults().withMetricsPort(0);
  }

  /**
   * Reads {@code env}.
   *
   * @throws EventConfigException naming the first invalid variable and what it accepts
   */
  public static OpsConfig fromEnv(Map<String, String> env) {
    long metrics = EventConfig.integer(env, METRICS_PORT, DEFAULT_METRICS_PORT);
    check(metrics >= 0, METRICS_PORT, metrics, "0 (off) or a port 1..65535");
    return new OpsConfig(
        (int) EventConfig.integer(env, GRPC_MAX_MESSAGE_BYTES, 4 << 20),
        (int) metrics,
        EventConfig.bool(env, REQUIRE_ROUTER, false),
        (int) EventConfig.integer(env, INVOKE_MAX_CONCURRENCY_PER_ROUTE, 16),
        EventConfig.integer(env, INVOKE_QUEUE_MAX_BYTES, 64 << 20),
        (int) EventConfig.integer(env, GRPC_MAX_CONCURRENT_CALLS_PER_CONNECTION, 1024),
        (int) EventConfig.integer(env, GRPC_BLOCKING_THREADS, 32),
        (int) EventConfig.integer(env, GRPC_BLOCKING_QUEUE, 4096));
  }

  private static void check(boolean ok, String name, long value, String accepted) {
    if (!ok) {
      throw new EventConfigException(name + "=" + value + " is out of range; accepted: " + accepted);
    }
  }

  /** A copy with another metrics port ({@link #EPHEMERAL} for any free one, 0 for none). */
  public OpsConfig withMetricsPort(int port) {
    return new OpsConfig(grpcMaxMessageBytes, port, requireRouter, invokeMaxConcurrencyPerRoute, invokeQueueMaxBytes,
        grpcMaxConcurrentCallsPerConnection, grpcBlockingThreads, grpcBlockingQueue);
  }

  /** A copy with another gRPC message limit. */
  public OpsConfig withGrpcMaxMessageBytes(int bytes) {
    return new OpsConfig(bytes, metricsPort, requireRouter, invokeMaxConcurrencyPerRoute, invokeQueueMaxBytes,
        grpcMaxConcurrentCallsPerConnection, grpcBlockingThreads, grpcBlockingQueue);
  }

  /** A copy with another per-route concurrency limit. */
  public OpsConfig withInvokeMaxConcurrencyPerRoute(int n) {
    return new OpsConfig(grpcMaxMessageBytes, metricsPort, requireRouter, n, invokeQueueMaxBytes,
        grpcMaxConcurrentCallsPerConnection, grpcBlockingThreads, grpcBlockingQueue);
  }

  /** A copy with another size of the pool for blocking gRPC calls and its queue. */
  public OpsConfig withGrpcBlocking(int threads, int queue) {
    return new OpsConfig(grpcMaxMessageBytes, metricsPort, requireRouter, invokeMaxConcurrencyPerRoute,
        invokeQueueMaxBytes, grpcMaxConcurrentCallsPerConnection, threads, queue);
  }
}
