package dev.oprc.odgm.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.proto.InvocationRequest;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.List;
import org.junit.jupiter.api.Test;

class OtelTracingTest {
  private static final String CLIENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  private static byte[] envelope(String traceparent) {
    return InvocationRequest.newBuilder().setPartitionId(3).setClsId("c").setFnId("f").putOptions("a", "b")
        .putOptions("traceparent", traceparent).setPayload(com.google.protobuf.ByteString.copyFromUtf8("{}"))
        .build().toByteArray();
  }

  @Test
  void writeDispatchAndInvocationAreOneChainThroughTheEnvelope() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    List<SpanData> done;
    try (OtelTracing t = new OtelTracing(spans, Resource.empty())) {
      TraceSpan write = t.startWrite("oprc.DataService/Set", null, -1, CLIENT);
      byte[] stored = envelope(write.traceparent()); // what the outbox record holds
      write.end(null);
      TraceSpan dispatch = t.startDispatch("oprc/c/3/async/f/id", EnvelopeTraceparent.find(stored));
      byte[] sent = EnvelopeTraceparent.replace(stored, dispatch.traceparent());
      dispatch.end(null);
      TraceSpan invoke = t.startInvocation("c", 3, "f", "id",
          InvocationRequest.parseFrom(sent).getOptionsOrThrow("traceparent"));
      invoke.end("APP_ERROR");
      t.flush();
      done = spans.getFinishedSpanItems(); // before the close: the in-memory exporter forgets them then
    }
    assertThat(done).hasSize(3);
    SpanData w = done.get(0);
    SpanData d = done.get(1);
    SpanData i = done.get(2);
    assertThat(w.getTraceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(w.getParentSpanId()).isEqualTo("b7ad6b7169203331");
    assertThat(w.getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(d.getParentSpanId()).isEqualTo(w.getSpanId());
    assertThat(d.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(i.getParentSpanId()).isEqualTo(d.getSpanId());
    assertThat(i.getTraceId()).isEqualTo(w.getTraceId());
    assertThat(i.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(i.getName()).isEqualTo("odgm.invoke f");
  }

  @Test
  void theEnvelopeKeepsEverythingButTheTraceparentWhenReplaced() throws Exception {
    byte[] stored = envelope(CLIENT);
    String other = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01";
    InvocationRequest sent = InvocationRequest.parseFrom(EnvelopeTraceparent.replace(stored, other));
    assertThat(sent).isEqualTo(InvocationRequest.parseFrom(envelope(other)));
    assertThat(stored).isEqualTo(envelope(CLIENT)); // the stored record is not touched
  }

  @Test
  void anEnvelopeWithoutATraceparentIsSentAsItIs() {
    byte[] none = InvocationRequest.newBuilder().setClsId("c").setFnId("f").putOptions("odgm-trigger-depth", "1")
        .build().toByteArray();
    assertThat(EnvelopeTraceparent.find(none)).isNull();
    assertThat(EnvelopeTraceparent.replace(none, CLIENT)).isSameAs(none);
    assertThat(EnvelopeTraceparent.find(new byte[] {(byte) 0xFF})).isNull();
  }

  @Test
  void aMalformedParentStartsANewTrace() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    List<SpanData> done;
    try (OtelTracing t = new OtelTracing(spans, Resource.empty())) {
      t.startWrite("w", "c", 0, "not-a-traceparent").end(null);
      t.flush();
      done = spans.getFinishedSpanItems();
    }
    assertThat(done).singleElement()
        .satisfies(s -> assertThat(s.getParentSpanContext().isValid()).isFalse());
  }

  @Test
  void endedExportedAndFailedSpansAreCounted() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (OtelTracing t = new OtelTracing(spans, Resource.empty())) {
      t.startWrite("w1", "c", 0, null).end(null);
      t.startWrite("w2", "c", 0, null).end(null);
      t.flush();
      assertThat(t.counts()).isEqualTo(new SpanCounts(2, 2, 0));
      spans.shutdown(); // an exporter that is shut down fails every later batch
      t.startWrite("w3", "c", 0, null).end(null);
      t.flush();
      assertThat(t.counts()).isEqualTo(new SpanCounts(3, 2, 1));
    }
  }
}
