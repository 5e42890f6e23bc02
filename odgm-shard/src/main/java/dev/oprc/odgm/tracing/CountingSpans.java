package dev.oprc.odgm.tracing;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counts behind {@link SpanCounts}: a span processor placed before the batch processor counts
 * the sampled spans ended, and a wrapper around the exporter counts the spans of each batch by
 * its outcome. Thread-safe (adders; the SDK calls from any thread).
 */
final class CountingSpans {
  private final LongAdder ended = new LongAdder();
  private final LongAdder exported = new LongAdder();
  private final LongAdder failed = new LongAdder();

  SpanCounts snapshot() {
    return new SpanCounts(ended.sum(), exported.sum(), failed.sum());
  }

  /** Counts each sampled span as it ends (the batch processor exports only sampled spans). */
  SpanProcessor endedCounter() {
    return new SpanProcessor() {
      @Override
      public void onStart(Context parent, ReadWriteSpan span) {}

      @Override
      public boolean isStartRequired() {
        return false;
      }

      @Override
      public void onEnd(ReadableSpan span) {
        if (span.getSpanContext().isSampled()) {
          ended.increment();
        }
      }

      @Override
      public boolean isEndRequired() {
        return true;
      }
    };
  }

  /** {@code inner}, counting the spans of every batch once its export has completed. */
  SpanExporter counting(SpanExporter inner) {
    return new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        int n = spans.size();
        CompletableResultCode r = inner.export(spans);
        r.whenComplete(() -> (r.isSuccess() ? exported : failed).add(n));
        return r;
      }

      @Override
      public CompletableResultCode flush() {
        return inner.flush();
      }

      @Override
      public CompletableResultCode shutdown() {
        return inner.shutdown();
      }
    };
  }
}
