package dev.oprc.odgm.ops;

import dev.oprc.odgm.node.NodeSettings;
import dev.oprc.odgm.settings.ConfigException;
import dev.oprc.odgm.settings.Settings;
import java.util.Map;

/**
 * Operational settings, read by {@link #fromEnv(Map)} from the variables declared in
 * {@link NodeSettings#OPS} (names, defaults, accepted values and docs live there). An embedded node
 * ({@code OdgmNode.builder()}) uses {@link #embedded()}: metrics off; {@link #EPHEMERAL} (not accepted
 * from the environment) binds an ephemeral metrics port, for tests.
 *
 * <p>Immutable and thread-safe.
 */
public record OpsConfig(
    int grpcMaxMessageBytes,
    int metricsPort,
    boolean requireRouter,
    int invokeMaxConcurrencyPerRoute,
    long invokeQueueMaxBytes,
    int grpcMaxConcurrentCallsPerConnection,
    int grpcBlockingThreads,
    int grpcBlockingQueue,
    String metricsBind) {

  public static final String GRPC_MAX_MESSAGE_BYTES = NodeSettings.GRPC_MAX_MESSAGE_BYTES.name();
  public static final String METRICS_PORT = NodeSettings.METRICS_PORT.name();
  public static final String REQUIRE_ROUTER = NodeSettings.REQUIRE_ROUTER.name();
  public static final String INVOKE_MAX_CONCURRENCY_PER_ROUTE = NodeSettings.INVOKE_MAX_CONCURRENCY_PER_ROUTE.name();
  public static final String INVOKE_QUEUE_MAX_BYTES = NodeSettings.INVOKE_QUEUE_MAX_BYTES.name();
  public static final String GRPC_MAX_CONCURRENT_CALLS_PER_CONNECTION =
      NodeSettings.GRPC_MAX_CONCURRENT_CALLS_PER_CONNECTION.name();
  public static final String GRPC_BLOCKING_THREADS = NodeSettings.GRPC_BLOCKING_THREADS.name();
  public static final String GRPC_BLOCKING_QUEUE = NodeSettings.GRPC_BLOCKING_QUEUE.name();
  public static final String METRICS_BIND = NodeSettings.METRICS_BIND.name();

  /** Default metrics port (OpenTelemetry's Prometheus exporter uses the same). */
  public static final int DEFAULT_METRICS_PORT = NodeSettings.METRICS_PORT.defaultValue();
  /** {@link #metricsPort()} value binding an ephemeral port. */
  public static final int EPHEMERAL = -1;

  /**
   * Checks every value against its declaration ({@link #EPHEMERAL} aside).
   *
   * @throws ConfigException naming the variable of a value out of range
   */
  public OpsConfig {
    NodeSettings.GRPC_MAX_MESSAGE_BYTES.check(grpcMaxMessageBytes);
    if (metricsPort != EPHEMERAL) {
      NodeSettings.METRICS_PORT.check(metricsPort);
    }
    NodeSettings.INVOKE_MAX_CONCURRENCY_PER_ROUTE.check(invokeMaxConcurrencyPerRoute);
    NodeSettings.INVOKE_QUEUE_MAX_BYTES.check(invokeQueueMaxBytes);
    NodeSettings.GRPC_MAX_CONCURRENT_CALLS_PER_CONNECTION.check(grpcMaxConcurrentCallsPerConnection);
    NodeSettings.GRPC_BLOCKING_THREADS.check(grpcBlockingThreads);
    NodeSettings.GRPC_BLOCKING_QUEUE.check(grpcBlockingQueue);
    java.util.Objects.requireNonNull(metricsBind, "metricsBind");
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
   * @throws ConfigException naming the first invalid variable and what it accepts
   */
  public static OpsConfig fromEnv(Map<String, String> env) {
    Settings s = Settings.of(env);
    return new OpsConfig(
        s.get(NodeSettings.GRPC_MAX_MESSAGE_BYTES),
        s.get(NodeSettings.METRICS_PORT),
        s.get(NodeSettings.REQUIRE_ROUTER),
        s.get(NodeSettings.INVOKE_MAX_CONCURRENCY_PER_ROUTE),
        s.get(NodeSettings.INVOKE_QUEUE_MAX_BYTES),
        s.get(NodeSettings.GRPC_MAX_CONCURRENT_CALLS_PER_CONNECTION),
        s.get(NodeSettings.GRPC_BLOCKING_THREADS),
        s.get(NodeSettings.GRPC_BLOCKING_QUEUE),
        s.get(NodeSettings.METRICS_BIND));
  }

  /** A copy with another metrics port ({@link #EPHEMERAL} for any free one, 0 for none). */
  public OpsConfig withMetricsPort(int port) {
    return new OpsConfig(grpcMaxMessageBytes, port, requireRouter, invokeMaxConcurrencyPerRoute, invokeQueueMaxBytes,
        grpcMaxConcurrentCallsPerConnection, grpcBlockingThreads, grpcBlockingQueue, metricsBind);
  }

  /** A copy with another gRPC message limit. */
  public OpsConfig withGrpcMaxMessageBytes(int bytes) {
    return new OpsConfig(bytes, metricsPort, requireRouter, invokeMaxConcurrencyPerRoute, invokeQueueMaxBytes,
        grpcMaxConcurrentCallsPerConnection, grpcBlockingThreads, grpcBlockingQueue, metricsBind);
  }

  /** A copy binding the HTTP ops port to {@code host} (an address or name; {@code 0.0.0.0}: every interface). */
  public OpsConfig withMetricsBind(String host) {
    return new OpsConfig(grpcMaxMessageBytes, metricsPort, requireRouter, invokeMaxConcurrencyPerRoute,
        invokeQueueMaxBytes, grpcMaxConcurrentCallsPerConnection, grpcBlockingThreads, grpcBlockingQueue, host);
  }

  /** A copy with another per-route concurrency limit. */
  public OpsConfig withInvokeMaxConcurrencyPerRoute(int n) {
    return new OpsConfig(grpcMaxMessageBytes, metricsPort, requireRouter, n, invokeQueueMaxBytes,
        grpcMaxConcurrentCallsPerConnection, grpcBlockingThreads, grpcBlockingQueue, metricsBind);
  }

  /** A copy with another size of the pool for blocking gRPC calls and its queue. */
  public OpsConfig withGrpcBlocking(int threads, int queue) {
    return new OpsConfig(grpcMaxMessageBytes, metricsPort, requireRouter, invokeMaxConcurrencyPerRoute,
        invokeQueueMaxBytes, grpcMaxConcurrentCallsPerConnection, threads, queue, metricsBind);
  }
}
