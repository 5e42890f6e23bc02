package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.TriggerHeaders;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.InvocationRoute;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.tracing.TraceSpan;
import dev.oprc.odgm.tracing.Tracing;
import dev.oprc.odgm.tracing.TracingConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The node's spans, recorded by a fake {@link Tracing} over the loopback transport: a Zenoh API
 * write, the dispatch of its trigger and the invocation it runs form one chain, each span's
 * traceparent the next one's parent, and the function gets the invocation's traceparent.
 */
class NodeTracingTest {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

  /** One recorded span: its kind, name, parent, own traceparent and whether it ended. */
  record Recorded(String kind, String name, String parent, String traceparent, AtomicInteger ends)
      implements TraceSpan {
    @Override
    public void end(String error) {
      ends.incrementAndGet();
    }
  }

  /** Records every span; traceparents are 55-byte W3C texts with a counter as span id. */
  static final class RecordingTracing implements Tracing {
    final List<Recorded> spans = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();

    private TraceSpan record(String kind, String name, String parent) {
      Recorded r = new Recorded(kind, name, parent,
          String.format("00-%s-%016x-01", TRACE, ids.incrementAndGet()), new AtomicInteger());
      spans.add(r);
      return r;
    }

    @Override
    public boolean enabled() {
      return true;
    }

    @Override
    public TraceSpan startWrite(String name, String collection, int partition, String parent) {
      return record("write", name, parent);
    }

    @Override
    public TraceSpan startDispatch(String key, String parent) {
      return record("dispatch", key, parent);
    }

    @Override
    public TraceSpan startInvocation(String collection, int partition, String fn, String invocationId,
        String parent) {
      return record("invoke", fn, parent);
    }

    @Override
    public void close() {}

    Recorded only(String kind) {
      List<Recorded> of = spans.stream().filter(s -> s.kind().equals(kind)).toList();
      assertThat(of).as("%s spans in %s", kind, spans).hasSize(1);
      return of.get(0);
    }
  }

  private final LoopbackTransport transport = new LoopbackTransport();
  private final RecordingTracing tracing = new RecordingTracing();
  private final List<FunctionCall> calls = new CopyOnWriteArrayList<>();
  private OdgmNode node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  private void start() throws Exception {
    CreateCollectionRequest orders = CreateCollectionRequest.newBuilder().setName("orders").setPartitionCount(1)
        .setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("record", FuncInvokeRoute.newBuilder().setUrl("local:record").build())).build();
    node = OdgmNode.builder().transport(transport)
        .config(NodeConfig.fromEnv(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory"))
            .withCollections(List.of(orders)))
        .tracing(TracingConfig.fromEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://unused:4318")))
        .tracingStarter((config, id) -> tracing)
        .handler("record", call -> {
          calls.add(call);
          return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).build();
        })
        .start();
  }

  private static void await(java.util.function.BooleanSupplier cond, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!cond.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(deadline);
      Thread.sleep(5); // polling for a condition
    }
  }

  @Test
  void aZenohWriteItsDispatchAndTheTriggeredInvocationAreOneChain() throws Exception {
    start();
    TriggerTarget record = TriggerTarget.newBuilder().setClsId("orders").setPartitionId(0).setFnId("record").build();
    ObjData obj = ObjData.newBuilder().putEntries("k", ValData.newBuilder().setData(ByteString.copyFromUtf8("v"))
        .build()).setEvent(ObjectEvent.newBuilder().putDataTrigger("k", DataTrigger.newBuilder()
        .addOnCreate(record).build())).build();
    assertThat(transport.get("oprc/orders/0/objects/o1/set", obj.toByteArray(), Duration.ofSeconds(5))
        .get(10, TimeUnit.SECONDS)).singleElement().satisfies(r -> assertThat(r.ok()).isTrue());
    await(() -> calls.size() == 1 && tracing.spans.size() >= 3
        && tracing.spans.stream().allMatch(s -> s.ends().get() > 0), "three spans, all ended");

    Recorded write = tracing.only("write");
    Recorded dispatch = tracing.only("dispatch");
    Recorded invoke = tracing.only("invoke");
    assertThat(write.name()).isEqualTo("zenoh set");
    assertThat(write.parent()).isNull();
    assertThat(dispatch.parent()).isEqualTo(write.traceparent());
    assertThat(invoke.parent()).isEqualTo(dispatch.traceparent());
    assertThat(calls.get(0).options()).containsEntry(TriggerHeaders.TRACEPARENT, invoke.traceparent());
    assertThat(List.of(write, dispatch, invoke)).allSatisfy(s -> assertThat(s.ends()).hasValue(1));
  }
}
