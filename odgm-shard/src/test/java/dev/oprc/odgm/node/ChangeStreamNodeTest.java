package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.BatchSetValuesRequest;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.InvocationRoute;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A node with ODGM_ZENOH_EVENT_PUBLISH=true: each committed write, whatever API made it, is one change event. */
class ChangeStreamNodeTest {
  private static final Map<String, String> PUBLISH = Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory",
      "ODGM_ZENOH_EVENT_PUBLISH", "true");
  private final LoopbackTransport transport = new LoopbackTransport();
  private OdgmNode node;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    }
    if (node != null) {
      node.close();
    }
  }

  private void start(Map<String, String> env) throws Exception {
    start(env, call -> InvocationResponse.getDefaultInstance());
  }

  /** Starts a node whose collection {@code orders} routes function {@code write} to {@code handler}. */
  private void start(Map<String, String> env, FunctionHandler handler) throws Exception {
    CreateCollectionRequest orders = CreateCollectionRequest.newBuilder().setName("orders").setPartitionCount(2)
        .setInvocations(InvocationRoute.newBuilder().putFnRoutes("write", FuncInvokeRoute.newBuilder()
            .setUrl("local:write").build())).build();
    node = OdgmNode.builder().config(NodeConfig.fromEnv(env).withCollections(List.of(orders))).transport(transport)
        .handler("write", handler).start();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.port()).usePlaintext().build();
  }

  private static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  private List<String> events(String keyPrefix) {
    return transport.puts.stream().filter(p -> p.key().startsWith(keyPrefix))
        .map(p -> new String(p.payload(), StandardCharsets.UTF_8)).toList();
  }

  @Test
  void writesThroughTheZenohApiAndGrpcAreOneEventEachNumberedInCommitOrder() throws Exception {
    start(PUBLISH);
    ObjData obj = ObjData.newBuilder().putEntries("a", val("1")).putEntries("b", val("2")).build();
    List<NodeTransport.QueryReply> set = transport.get("oprc/orders/0/objects/o1/set", obj.toByteArray(),
        Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
    assertThat(set).hasSize(1).allSatisfy(r -> assertThat(r.ok()).isTrue());
    DataServiceGrpc.newBlockingStub(channel).setValue(SetKeyRequest.newBuilder().setClsId("orders").setPartitionId(0)
        .setObjectId("o1").setKey("a").setValue(val("3")).build());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (events("oprc/orders/0/events/o1").size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(events("oprc/orders/0/events/o1")).satisfiesExactly(
        e -> assertThat(e).contains("\"changes\":[{\"key\":\"a\",\"action\":\"create\"},{\"key\":\"b\","
            + "\"action\":\"create\"}]").contains("\"source\":\"local\"").endsWith("\"version\":1,\"timestamp\":"
            + e.substring(e.indexOf("\"timestamp\":") + 12, e.indexOf(",\"seq\"")) + ",\"seq\":1}"),
        e -> assertThat(e).contains("[{\"key\":\"a\",\"action\":\"update\"}]").endsWith("\"seq\":2}"));
    assertThat(events("oprc/orders/1/events/")).isEmpty();
  }

  /** Waits until partition 0 published events numbered 1..{@code n}; returns them in seq order. */
  private List<String> awaitPartition0(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (events("oprc/orders/0/events/").size() < n) {
      assertThat(System.nanoTime()).as("waiting for %d events: %s", n, events("oprc/orders/0/events/"))
          .isLessThan(deadline);
      Thread.sleep(5);
    }
    List<String> got = events("oprc/orders/0/events/");
    assertThat(got).extracting(e -> e.substring(e.lastIndexOf(":") + 1, e.length() - 1))
        .startsWith(java.util.stream.IntStream.rangeClosed(1, n).mapToObj(String::valueOf).toArray(String[]::new));
    return got;
  }

  @Test
  void aTriggeredFunctionsWriteIsOneEventWithItsOwnSeq() throws Exception {
    AtomicInteger functionWrites = new AtomicInteger();
    start(PUBLISH, call -> {
      call.node().shards().shard("orders", 0).setValue("audit-1", "seen", val(call.invocationId()),
          call.writeContext());
      functionWrites.incrementAndGet();
      return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).build();
    });
    ObjectEvent onCreate = ObjectEvent.newBuilder().putDataTrigger("status", DataTrigger.newBuilder()
        .addOnCreate(TriggerTarget.newBuilder().setClsId("orders").setPartitionId(0).setFnId("write")).build()).build();
    data().set(SetObjectRequest.newBuilder().setClsId("orders").setPartitionId(0).setObjectId("order-1")
        .setObject(ObjData.newBuilder().setEvent(onCreate).putEntries("status", val("new"))).build());
    awaitPartition0(2); // the client's write (seq 1), then the function's (seq 2)
    data().setValue(SetKeyRequest.newBuilder().setClsId("orders").setPartitionId(0).setObjectId("marker")
        .setKey("k").setValue(val("1")).build());
    List<String> got = awaitPartition0(3);
    assertThat(functionWrites.get()).isEqualTo(1);
    assertThat(got).hasSize(3);
    assertThat(got.get(1)).startsWith("{\"object_id\":\"audit-1\"")
        .contains("\"changes\":[{\"key\":\"seen\",\"action\":\"create\"}]").endsWith("\"seq\":2}");
    assertThat(got.get(2)).startsWith("{\"object_id\":\"marker\"").endsWith("\"seq\":3}");
  }

  @Test
  void everyZenohObjectApiWriteIsOneEvent() throws Exception {
    start(PUBLISH);
    transport.put("oprc/orders/0/objects/o1", ObjData.newBuilder().putEntries("a", val("1")).build().toByteArray());
    awaitPartition0(1);
    BatchSetValuesRequest batch = BatchSetValuesRequest.newBuilder().setClsId("orders").setObjectId("o1")
        .putValues("a", val("2")).putValues("b", val("3")).build();
    List<NodeTransport.QueryReply> r = transport.get("oprc/orders/0/objects/o1/batch-set", batch.toByteArray(),
        Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
    assertThat(r).hasSize(1).allSatisfy(q -> assertThat(q.ok()).isTrue());
    transport.delete("oprc/orders/0/objects/o1");
    List<String> got = awaitPartition0(3);
    assertThat(got).hasSize(3);
    assertThat(got.get(0)).contains("\"changes\":[{\"key\":\"a\",\"action\":\"create\"}],\"version\":1");
    assertThat(got.get(1)).contains("\"changes\":[{\"key\":\"a\",\"action\":\"update\"},{\"key\":\"b\","
        + "\"action\":\"create\"}],\"version\":2");
    assertThat(got.get(2)).contains("\"changes\":[{\"key\":\"a\",\"action\":\"delete\"},{\"key\":\"b\","
        + "\"action\":\"delete\"}],\"version\":3");
  }

  private DataServiceGrpc.DataServiceBlockingStub data() {
    return DataServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @Test
  void withoutTheSettingThereIsNoPublisher() throws Exception {
    start(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory"));
    assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).doesNotContain("odgm-changes");
  }
}
