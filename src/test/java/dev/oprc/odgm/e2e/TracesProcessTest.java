package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpServer;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node process with {@code OTEL_EXPORTER_OTLP_ENDPOINT} pointing at an OTLP/HTTP receiver run by
 * the test (the JDK's HTTP server decoding {@code ExportTraceServiceRequest}): a write whose data
 * trigger invokes {@code echo} is one trace of three spans, write → dispatch → invocation, each the
 * parent of the next, continuing the trace of the {@code traceparent} the client sent. Waits for
 * the spans to arrive (they are exported in batches), never for a time.
 */
class TracesProcessTest {
  private static final String COLL = "traced";
  private static final String COLLECTION = "[{\"name\":\"" + COLL + "\",\"partition_count\":1,"
      + "\"invocations\":{\"fn_routes\":{\"echo\":{\"url\":\"local:echo\"}}}}]";
  private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CLIENT_SPAN = "00f067aa0ba902b7";

  private HttpServer receiver;
  /** Every span received, with the service name of its resource. */
  private final List<Received> spans = new CopyOnWriteArrayList<>();
  private final AtomicInteger badRequests = new AtomicInteger();

  record Received(String service, Span span) {
    String traceId() {
      return HexFormat.of().formatHex(span.getTraceId().toByteArray());
    }

    String spanId() {
      return HexFormat.of().formatHex(span.getSpanId().toByteArray());
    }

    String parentId() {
      return HexFormat.of().formatHex(span.getParentSpanId().toByteArray());
    }
  }

  @BeforeEach
  void startReceiver() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext("/v1/traces", exchange -> {
      try (exchange; InputStream in = exchange.getRequestBody()) {
        try {
          collect(ExportTraceServiceRequest.parseFrom(in.readAllBytes()));
        } catch (IOException e) {
          badRequests.incrementAndGet();
          exchange.sendResponseHeaders(400, -1);
          return;
        }
        byte[] ok = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
        exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, ok.length == 0 ? -1 : ok.length);
        exchange.getResponseBody().write(ok);
      }
    });
    receiver.start();
  }

  @AfterEach
  void stopReceiver() {
    receiver.stop(0);
  }

  private void collect(ExportTraceServiceRequest req) {
    for (ResourceSpans rs : req.getResourceSpansList()) {
      String service = attribute(rs.getResource(), "service.name");
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        ss.getSpansList().forEach(s -> spans.add(new Received(service, s)));
      }
    }
  }

  private static String attribute(Resource r, String key) {
    return r.getAttributesList().stream().filter(kv -> kv.getKey().equals(key)).map(KeyValue::getValue)
        .map(v -> v.getStringValue()).findFirst().orElse(null);
  }

  @Test
  void aTriggeredWriteIsOneTraceOfWriteDispatchAndInvocationContinuingTheClientsTrace() throws Exception {
    Map<String, String> env = Map.of("ODGM_STORAGE", "memory", "ODGM_COLLECTION", COLLECTION,
        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + receiver.getAddress().getPort(),
        "OTEL_SERVICE_NAME", "odgm-traced");
    try (NodeProcess node = NodeProcess.start(env)) {
      Metadata md = new Metadata();
      md.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
          "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01");
      node.data().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md)).set(triggeredWrite("o1"));

      Received write = await(s -> s.span().getName().equals("oprc.DataService/Set"), node);
      Received dispatch = await(s -> s.span().getName().equals("odgm.dispatch")
          && s.parentId().equals(write.spanId()), node);
      Received invoke = await(s -> s.span().getName().equals("odgm.invoke echo")
          && s.parentId().equals(dispatch.spanId()), node);

      assertThat(write.traceId()).isEqualTo(CLIENT_TRACE);
      assertThat(write.parentId()).isEqualTo(CLIENT_SPAN);
      assertThat(List.of(write, dispatch, invoke)).allSatisfy(s -> {
        assertThat(s.traceId()).isEqualTo(CLIENT_TRACE);
        assertThat(s.service()).isEqualTo("odgm-traced");
      });
      assertThat(write.span().getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
      assertThat(dispatch.span().getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_PRODUCER);
      assertThat(invoke.span().getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CONSUMER);
      assertThat(invoke.span().getStatus().getCode()).isNotEqualTo(
          io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
      assertThat(spans.stream().filter(s -> s.span().getName().equals("oprc.DataService/Set"))).hasSize(1);
      assertThat(spans.stream().filter(s -> s.span().getName().startsWith("odgm.invoke"))).hasSize(1);
      assertThat(badRequests).hasValue(0);
    }
  }

  private static SetObjectRequest triggeredWrite(String id) {
    TriggerTarget echo = TriggerTarget.newBuilder().setClsId(COLL).setPartitionId(0).setFnId("echo").build();
    return SetObjectRequest.newBuilder().setClsId(COLL).setPartitionId(0).setObjectId(id)
        .setObject(ObjData.newBuilder()
            .putEntries("k", ValData.newBuilder().setData(ByteString.copyFromUtf8(id)).build())
            .setEvent(ObjectEvent.newBuilder().putDataTrigger("k", DataTrigger.newBuilder().addOnCreate(echo).build())))
        .build();
  }

  /** The first span received that matches, waiting up to 60 s for it (spans leave the node in 5 s batches). */
  private Received await(Predicate<Received> match, NodeProcess node) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      for (Received s : spans) {
        if (match.test(s)) {
          return s;
        }
      }
      Thread.sleep(50); // polling for a condition
    }
    throw new AssertionError("no matching span within 60 s; received " + spans.stream()
        .map(s -> s.span().getName() + " " + s.spanId() + "<-" + s.parentId()).toList() + "\n" + node.output());
  }
}
