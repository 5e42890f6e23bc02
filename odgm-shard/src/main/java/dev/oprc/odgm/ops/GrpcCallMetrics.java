package dev.oprc.odgm.ops;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import dev.oprc.odgm.metrics.NodeMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Counts gRPC server calls by method and status code ({@code odgm_grpc_server_calls_total}) and
 * times them from the call's start to its close ({@code odgm_grpc_server_duration_seconds}, a
 * histogram with {@link NodeMeterRegistry#LATENCY_BUCKETS}).
 * The methods are known up front (the services given; any other is {@code method="other"}); a
 * (method, code) counter is registered the first time that code is returned, so only codes that
 * happened become series. A call then costs one map lookup, one increment, two clock reads and a
 * histogram update (and the small call wrapper gRPC interceptors need). Thread-safe.
 */
public final class GrpcCallMetrics implements ServerInterceptor {
  private final Map<String, Method> byMethod = new HashMap<>();
  private final Method other;
  private final MeterRegistry registry;

  public GrpcCallMetrics(MeterRegistry registry, List<ServerServiceDefinition> services) {
    this.registry = registry;
    for (ServerServiceDefinition s : services) {
      for (ServerMethodDefinition<?, ?> m : s.getMethods()) {
        String name = m.getMethodDescriptor().getFullMethodName();
        byMethod.put(name, new Method(name));
      }
    }
    other = new Method("other");
  }

  /** One method's counters, one per status code, created on first use. */
  private final class Method {
    private final String name;
    private final AtomicReferenceArray<Counter> byCode = new AtomicReferenceArray<>(Status.Code.values().length);
    private final AtomicReferenceArray<Timer> timeByCode = new AtomicReferenceArray<>(Status.Code.values().length);

    Method(String name) {
      this.name = name;
    }

    void count(Status.Code code, long startNanos) {
      Counter c = byCode.get(code.value());
      Timer t = timeByCode.get(code.value());
      if (c == null || t == null) {
        // registering twice returns the same meter: a race costs nothing
        c = Counter.builder("odgm.grpc.server.calls").description("gRPC calls served, by status")
            .tag("method", name).tag("code", code.name()).register(registry);
        t = Timer.builder("odgm.grpc.server.duration").description("gRPC calls from start to close, by status")
            .tag("method", name).tag("code", code.name())
            .serviceLevelObjectives(NodeMeterRegistry.LATENCY_BUCKETS.toArray(new Duration[0])).register(registry);
        byCode.set(code.value(), c);
        timeByCode.set(code.value(), t);
      }
      c.increment();
      t.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Method m = byMethod.getOrDefault(call.getMethodDescriptor().getFullMethodName(), other);
    long start = System.nanoTime();
    return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        m.count(status.getCode(), start);
        super.close(status, trailers);
      }
    }, headers);
  }
}
