package dev.oprc.odgm.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@link Tracing} with the OpenTelemetry SDK: spans go through a {@link BatchSpanProcessor}
 * (a bounded queue and one daemon thread; a full queue drops the span rather than block) to a
 * {@link SpanExporter}, OTLP/HTTP over the JDK's HttpClient in the node. Sampling follows the
 * parent's sampled flag, and samples every new trace. Thread-safe.
 */
final class OtelTracing implements Tracing {
  static final String INSTRUMENTATION = "dev.oprc.odgm";
  static final AttributeKey<String> COLLECTION = AttributeKey.stringKey("odgm.collection");
  static final AttributeKey<Long> PARTITION = AttributeKey.longKey("odgm.partition");
  static final AttributeKey<String> FUNCTION = AttributeKey.stringKey("odgm.function");
  static final AttributeKey<String> INVOCATION_ID = AttributeKey.stringKey("odgm.invocation_id");
  static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
  private static final long CLOSE_WAIT_SECONDS = 10;

  private final SdkTracerProvider provider;
  private final Tracer tracer;
  private final CountingSpans counts = new CountingSpans();

  OtelTracing(SpanExporter exporter, Resource resource) {
    this.provider = SdkTracerProvider.builder().setResource(resource)
        .addSpanProcessor(counts.endedCounter()) // first: a span is counted before the queue may drop it
        .addSpanProcessor(BatchSpanProcessor.builder(counts.counting(exporter)).build()).build();
    this.tracer = provider.get(INSTRUMENTATION);
  }

  @Override
  public SpanCounts counts() {
    return counts.snapshot();
  }

  /** The SDK exporting to {@code config}'s OTLP/HTTP endpoint as {@code config.serviceName()}, node {@code nodeId}. */
  static OtelTracing start(TracingConfig config, long nodeId) {
    SpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(config.tracesUrl().toString())
        .setTimeout(Duration.ofSeconds(10)).build();
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
        AttributeKey.stringKey("service.name"), config.serviceName(),
        AttributeKey.stringKey("service.instance.id"), Long.toUnsignedString(nodeId))));
    return new OtelTracing(exporter, resource);
  }

  @Override
  public boolean enabled() {
    return true;
  }

  @Override
  public TraceSpan startWrite(String name, String collection, int partition, String parent) {
    SpanBuilder b = child(name, SpanKind.SERVER, parent);
    if (collection != null) {
      b.setAttribute(COLLECTION, collection);
    }
    if (partition >= 0) {
      b.setAttribute(PARTITION, partition);
    }
    return started(b);
  }

  @Override
  public TraceSpan startDispatch(String key, String parent) {
    return started(child("odgm.dispatch", SpanKind.PRODUCER, parent).setAttribute(MESSAGING_SYSTEM, "zenoh")
        .setAttribute(DESTINATION, key));
  }

  @Override
  public TraceSpan startInvocation(String collection, int partition, String fn, String invocationId, String parent) {
    return started(child("odgm.invoke " + fn, SpanKind.CONSUMER, parent).setAttribute(COLLECTION, collection)
        .setAttribute(PARTITION, partition).setAttribute(FUNCTION, fn).setAttribute(INVOCATION_ID, invocationId));
  }

  private SpanBuilder child(String name, SpanKind kind, String parent) {
    SpanBuilder b = tracer.spanBuilder(name).setSpanKind(kind);
    SpanContext p = parse(parent);
    return p == null ? b.setNoParent() : b.setParent(Context.root().with(Span.wrap(p)));
  }

  private static TraceSpan started(SpanBuilder b) {
    Span s = b.startSpan();
    SpanContext c = s.getSpanContext();
    return new Started(s, "00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex());
  }

  /** A W3C traceparent as a remote parent, or null when absent or malformed (then the span starts a trace). */
  static SpanContext parse(String tp) {
    if (tp == null || tp.length() < EnvelopeTraceparent.LENGTH || tp.charAt(2) != '-' || tp.charAt(35) != '-'
        || tp.charAt(52) != '-' || (tp.length() > EnvelopeTraceparent.LENGTH && tp.charAt(55) != '-')
        || tp.startsWith("ff")) {
      return null;
    }
    String flags = tp.substring(53, 55);
    if (!isHex(flags)) {
      return null;
    }
    SpanContext c = SpanContext.createFromRemoteParent(tp.substring(3, 35), tp.substring(36, 52),
        TraceFlags.fromHex(flags, 0), TraceState.getDefault());
    return c.isValid() ? c : null;
  }

  private static boolean isHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.digit(s.charAt(i), 16) < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Exports what is buffered now, waiting (bounded) until every ended span has an export outcome.
   * One {@code forceFlush} is not enough: while the batch processor clears the flush before it, a
   * second call can be handed the earlier, already completed result.
   */
  void flush() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
    do {
      provider.forceFlush().join(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
      SpanCounts c = counts.snapshot();
      if (c.exported() + c.failed() >= c.ended()) {
        return;
      }
      Thread.sleep(5);
    } while (System.nanoTime() < deadline);
  }

  @Override
  public void close() {
    provider.shutdown().join(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS); // flushes the batch first
  }

  /** A started span and its traceparent. */
  private record Started(Span span, String traceparent) implements TraceSpan {
    @Override
    public void end(String error) {
      if (!span.isRecording()) {
        span.end(); // an unsampled span: nothing to record, still ended
        return;
      }
      if (error != null) {
        span.setStatus(StatusCode.ERROR, error);
      }
      span.end();
    }
  }
}
