package dev.oprc.odgm.tracing;

/**
 * The node's traces, behind one narrow interface: a span per write, per outbox dispatch and per
 * triggered invocation. {@link #OFF} (the default, and what {@link #start} returns when
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} is unset) creates nothing and returns {@link TraceSpan#NONE}
 * from every call, so callers on a hot path check {@link #enabled()} first or pass values they
 * already hold. Parents and children are named by W3C {@code traceparent} texts, which the events
 * and invocation envelopes already carry. Implementations are thread-safe and never block.
 */
public interface Tracing extends AutoCloseable {
  /** No traces: nothing is created, every span is {@link TraceSpan#NONE}. */
  Tracing OFF = new Tracing() {
    @Override
    public boolean enabled() {
      return false;
    }

    @Override
    public TraceSpan startWrite(String name, String collection, int partition, String parent) {
      return TraceSpan.NONE;
    }

    @Override
    public TraceSpan startDispatch(String key, String parent) {
      return TraceSpan.NONE;
    }

    @Override
    public TraceSpan startInvocation(String collection, int partition, String fn, String invocationId,
        String parent) {
      return TraceSpan.NONE;
    }

    @Override
    public void close() {}
  };

  /**
   * The OpenTelemetry SDK exporting to {@code config}'s endpoint, its batch thread running; or
   * {@link #OFF} when traces are off, without touching the SDK. The caller closes it.
   */
  static Tracing start(TracingConfig config, long nodeId) {
    return config.enabled() ? OtelTracing.start(config, nodeId) : OFF;
  }

  /** True when spans are recorded and exported. */
  boolean enabled();

  /** Spans ended, exported and failed so far (for {@code /metrics}); zeros when off. */
  default SpanCounts counts() {
    return SpanCounts.NONE;
  }

  /**
   * The server span of a write ({@code name}: the gRPC method or Zenoh operation), a child of
   * {@code parent} (a traceparent the request carried; null: a new trace); {@code partition} < 0
   * when unknown yet.
   */
  TraceSpan startWrite(String name, String collection, int partition, String parent);

  /** The producer span of publishing the outbox record on {@code key}, a child of the write's {@code parent}. */
  TraceSpan startDispatch(String key, String parent);

  /** The consumer span of running a triggered invocation, a child of the dispatch's {@code parent}. */
  TraceSpan startInvocation(String collection, int partition, String fn, String invocationId, String parent);

  /** Exports what is buffered (bounded wait) and stops the exporter. */
  @Override
  void close();
}
