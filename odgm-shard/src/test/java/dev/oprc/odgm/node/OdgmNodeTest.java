package dev.oprc.odgm.node;

import java.nio.charset.StandardCharsets;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.events.TriggerHeaders;
import dev.oprc.odgm.proto.BatchSetValuesRequest;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.FuncTrigger;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.InvocationRoute;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.OprcFunctionGrpc;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.SingleKeyRequest;
import dev.oprc.odgm.proto.SingleObjectRequest;
import dev.oprc.odgm.proto.StatsRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The node over gRPC with an in-memory transport: status codes, async receiver, function events, depth. */
class OdgmNodeTest {
  private final LoopbackTransport transport = new LoopbackTransport();
  private final List<FunctionCall> calls = new CopyOnWriteArrayList<>();
  private OdgmNode node;
  private ManagedChannel channel;
  private DataServiceGrpc.DataServiceBlockingStub data;

  @BeforeEach
  void start() throws Exception {
    CreateCollectionRequest orders = CreateCollectionRequest.newBuilder().setName("orders").setPartitionCount(2)
        .setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("record", FuncInvokeRoute.newBuilder().setUrl("local:record").build())
            .putFnRoutes("bounce", FuncInvokeRoute.newBuilder().setUrl("local:bounce").build())
            .putFnRoutes("fail", FuncInvokeRoute.newBuilder().setUrl("local:fail").build()))
        .build();
    NodeConfig cfg = NodeConfig.fromEnv(Map.of("ODGM_HTTP_PORT", "0", "ODGM_MAX_TRIGGER_DEPTH", "4", "ODGM_STORAGE", "memory"))
        .withCollections(List.of(orders));
    node = OdgmNode.builder().config(cfg).transport(transport)
        .handler("record", call -> {
          calls.add(call);
          return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY)
              .setPayload(ByteString.copyFromUtf8("recorded")).build();
        })
        .handler("bounce", call -> {
          // writes back to the source object, so its own trigger fires again: a loop the depth limit stops
          calls.add(call);
          call.node().shards().shard("orders", 0).setValue("loop", "n", val(String.valueOf(calls.size())),
              call.writeContext());
          return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).build();
        })
        .start();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.port()).usePlaintext().build();
    data = DataServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    node.close();
  }

  static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  static TriggerTarget target(String fn, String objectId) {
    TriggerTarget.Builder b = TriggerTarget.newBuilder().setClsId("orders").setPartitionId(0).setFnId(fn);
    if (objectId != null) {
      b.setObjectId(objectId);
    }
    return b.build();
  }

  private List<FunctionCall> awaitCalls(int n) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5000;
    while (calls.size() < n && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    return List.copyOf(calls);
  }

  @Test
  void setWithTriggerInvokesTheHostedFunctionThroughTheAsyncReceiver() throws Exception {
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("status", DataTrigger.newBuilder()
        .addOnCreate(target("record", null)).addOnUpdate(target("record", "audit-1")).build()).build();
    data.set(SetObjectRequest.newBuilder().setClsId("orders").setPartitionId(1).setObjectId("order-1")
        .setObject(ObjData.newBuilder().setEvent(ev).putEntries("status", val("new"))).build());
    data.setValue(SetKeyRequest.newBuilder().setClsId("orders").setPartitionId(1).setObjectId("order-1")
        .setKey("status").setValue(val("paid")).build());
    List<FunctionCall> got = awaitCalls(2);
    assertThat(got).hasSize(2);
    // the two invocations run on the node's invocation pool, so they may complete in either order
    FunctionCall created = got.stream().filter(c -> c.objectId() == null).findFirst().orElseThrow();
    FunctionCall updated = got.stream().filter(c -> c.objectId() != null).findFirst().orElseThrow();
    assertThat(new String(created.payload(), StandardCharsets.UTF_8)).contains("\"source_object_id\":\"order-1\"", "\"event_type\":3",
        "\"key\":\"status\"");
    assertThat(updated.objectId()).isEqualTo("audit-1");
    assertThat(new String(updated.payload(), StandardCharsets.UTF_8)).contains("\"event_type\":4");
    assertThat(created.options()).containsEntry(TriggerHeaders.DEPTH, "0").containsEntry(TriggerHeaders.OBJECT_VERSION, "1");
    // results are published for every async invocation, just after the function returned
    long deadline = System.currentTimeMillis() + 5000;
    while (transport.puts.stream().filter(p -> p.key().contains("/results/record/async/")).count() < 2
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(transport.puts).anyMatch(p -> p.key().startsWith("oprc/orders/0/results/record/async/"));
    assertThat(transport.puts).anyMatch(p -> p.key().startsWith("oprc/orders/0/objects/audit-1/results/record/async/"));
  }

  @Test
  void deleteValueAndBatchDeletesFireOnDelete() throws Exception {
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("a", DataTrigger.newBuilder()
        .addOnDelete(target("record", null)).build()).putDataTrigger("b", DataTrigger.newBuilder()
        .addOnDelete(target("record", null)).build()).build();
    data.set(SetObjectRequest.newBuilder().setClsId("orders").setPartitionId(0).setObjectId("o")
        .setObject(ObjData.newBuilder().setEvent(ev).putEntries("a", val("1")).putEntries("b", val("1"))).build());
    data.deleteValue(SingleKeyRequest.newBuilder().setClsId("orders").setPartitionId(0).setObjectId("o").setKey("a").build());
    data.batchSetValues(BatchSetValuesRequest.newBuilder().setClsId("orders").setPartitionId(0).setObjectId("o")
        .addDeleteKeys("b").build());
    List<FunctionCall> got = awaitCalls(2);
    assertThat(got).extracting(c -> new String(c.payload(), StandardCharsets.UTF_8))
        .anyMatch(p -> p.contains("\"event_type\":5") && p.contains("\"key\":\"a\""))
        .anyMatch(p -> p.contains("\"event_type\":5") && p.contains("\"key\":\"b\""));
  }

  @Test
  void listObjectsAndListValuesPageWithCursors() {
    for (String id : List.of("a1", "a2", "a3", "b1")) {
      data.set(SetObjectRequest.newBuilder().setClsId("orders").setObjectId(id)
          .setObject(ObjData.newBuilder().putEntries("k1", val("1")).putEntries("k2", val("2"))
              .putEntries("x", val("3"))).build());
    }
    var page1 = new java.util.ArrayList<dev.oprc.odgm.proto.ObjectMetaEnvelope>();
    data.listObjects(dev.oprc.odgm.proto.ListObjectsRequest.newBuilder().setClsId("orders").setObjectIdPrefix("a")
        .setLimit(2).build()).forEachRemaining(page1::add);
    assertThat(page1).extracting(dev.oprc.odgm.proto.ObjectMetaEnvelope::getObjectId).containsExactly("a1", "a2");
    assertThat(page1.get(1).hasNextCursor()).isTrue();
    var page2 = new java.util.ArrayList<dev.oprc.odgm.proto.ObjectMetaEnvelope>();
    data.listObjects(dev.oprc.odgm.proto.ListObjectsRequest.newBuilder().setClsId("orders").setObjectIdPrefix("a")
        .setLimit(2).setCursor(page1.get(1).getNextCursor()).build()).forEachRemaining(page2::add);
    assertThat(page2).extracting(dev.oprc.odgm.proto.ObjectMetaEnvelope::getObjectId).containsExactly("a3");
    assertThat(page2.get(0).getEntryCount()).isEqualTo(3);
    var values = new java.util.ArrayList<dev.oprc.odgm.proto.ValueEnvelope>();
    data.listValues(dev.oprc.odgm.proto.ListValuesRequest.newBuilder().setClsId("orders").setObjectId("b1")
        .setKeyPrefix("k").build()).forEachRemaining(values::add);
    assertThat(values).extracting(dev.oprc.odgm.proto.ValueEnvelope::getKey).containsExactly("k1", "k2");
  }

  @Test
  void errorsMapToStatusCodes() {
    assertThat(code(() -> data.get(SingleObjectRequest.newBuilder().setClsId("nope").setObjectId("x").build())))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(code(() -> data.get(SingleObjectRequest.newBuilder().setClsId("orders").setObjectId("x").build())))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(code(() -> data.setValue(SetKeyRequest.newBuilder().setClsId("orders").setObjectId("bad id")
        .setKey("k").setValue(val("v")).build()))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    ObjectEvent bad = ObjectEvent.newBuilder().putDataTrigger("k", DataTrigger.newBuilder()
        .addOnCreate(TriggerTarget.newBuilder().setClsId("x").setFnId("f*")).build()).build();
    StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
        () -> data.set(SetObjectRequest.newBuilder().setClsId("orders").setObjectId("o")
            .setObject(ObjData.newBuilder().setEvent(bad)).build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("fn_id", "f*");
    data.setValue(SetKeyRequest.newBuilder().setClsId("orders").setObjectId("o").setKey("k").setValue(val("v")).build());
    assertThat(code(() -> data.batchSetValues(BatchSetValuesRequest.newBuilder().setClsId("orders").setObjectId("o")
        .putValues("k", val("w")).setExpectedObjectVersion(42).build()))).isEqualTo(Status.Code.ABORTED);
  }

  private static Status.Code code(Runnable r) {
    try {
      r.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    throw new AssertionError("expected an error status");
  }

  @Test
  void invokeObjFiresOnCompleteAndOnError() throws Exception {
    ObjectEvent ev = ObjectEvent.newBuilder()
        .putFuncTrigger("echo", FuncTrigger.newBuilder().addOnComplete(target("record", null)).build())
        .putFuncTrigger("fail", FuncTrigger.newBuilder().addOnError(target("record", null)).build()).build();
    data.set(SetObjectRequest.newBuilder().setClsId("orders").setPartitionId(0).setObjectId("v1")
        .setObject(ObjData.newBuilder().setEvent(ev)).build());
    // echo has no route in this collection: that is a failure too, but only "fail" has an on_error trigger
    var fns = OprcFunctionGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    InvocationResponse failed = fns.invokeObj(ObjectInvocationRequest.newBuilder().setClsId("orders").setPartitionId(0)
        .setFnId("fail").setObjectId("v1").build());
    assertThat(failed.getStatus()).isEqualTo(ResponseStatus.APP_ERROR);
    List<FunctionCall> got = awaitCalls(1);
    assertThat(new String(got.get(0).payload(), StandardCharsets.UTF_8)).contains("\"event_type\":2", "\"fn_id\":\"fail\"",
        "\"context\":{\"error\":\"APP_ERROR: fail: this function always fails\"}");
  }

  @Test
  void triggerLoopStopsAtMaxDepthAndIsCounted() throws Exception {
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("n", DataTrigger.newBuilder()
        .addOnCreate(target("bounce", null)).addOnUpdate(target("bounce", null)).build()).build();
    data.set(SetObjectRequest.newBuilder().setClsId("orders").setPartitionId(0).setObjectId("loop")
        .setObject(ObjData.newBuilder().setEvent(ev).putEntries("n", val("0"))).build());
    // depth 0 (client) .. 3 dispatch; the write at depth 4 is not dispatched
    awaitCalls(4);
    // the fourth call's write is the depth-limited one: once it is counted, no fifth call can come
    long deadline = System.currentTimeMillis() + 5000;
    while (node.shards().shard("orders", 0).eventStats().depthLimited() < 1 && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
    }
    assertThat(node.shards().shard("orders", 0).eventStats().depthLimited()).isEqualTo(1);
    assertThat(calls).hasSize(4);
    assertThat(calls).extracting(c -> c.options().get(TriggerHeaders.DEPTH)).containsExactly("0", "1", "2", "3");
    var stats = data.stats(StatsRequest.getDefaultInstance()).getShardsList().stream()
        .filter(s -> s.getPartitionId() == 0).findFirst().orElseThrow().getEvents();
    assertThat(stats.getDepthLimited()).isEqualTo(1);
    assertThat(stats.getEventsMatched()).isEqualTo(5);
    assertThat(stats.getRetired() + stats.getPending()).isEqualTo(4);
  }

  @Test
  void triggersWaitInTheOutboxWhileTheTransportIsDownAndAreDeliveredWhenItReturns() throws Exception {
    transport.setDown(true);
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("k", DataTrigger.newBuilder()
        .addOnCreate(target("record", null)).build()).build();
    data.set(SetObjectRequest.newBuilder().setClsId("orders").setObjectId("o")
        .setObject(ObjData.newBuilder().setEvent(ev).putEntries("k", val("1"))).build());
    assertThat(data.get(SingleObjectRequest.newBuilder().setClsId("orders").setObjectId("o").build())
        .getObj().getEntriesMap()).containsKey("k");
    var down = data.stats(StatsRequest.getDefaultInstance()).getShards(0).getEvents();
    assertThat(down.getEventsMatched()).isEqualTo(1);
    assertThat(down.getPending()).isEqualTo(1);
    assertThat(down.getRetired()).isZero();
    transport.setDown(false);
    assertThat(awaitCalls(1)).hasSize(1);
    long deadline = System.currentTimeMillis() + 5000;
    var up = down;
    while (up.getRetired() == 0 && System.currentTimeMillis() < deadline) {
      up = data.stats(StatsRequest.getDefaultInstance()).getShards(0).getEvents();
      Thread.sleep(10);
    }
    assertThat(up.getRetired()).isEqualTo(1);
    assertThat(up.getPending()).isZero();
  }


  @Test
  void malformedEnvelopeIsAnsweredWithInvalidRequestAndTheNodeStaysUp() throws Exception {
    transport.put("oprc/orders/0/async/record/bad-1", new byte[] {(byte) 0xff, 0x01, 0x02});
    long deadline = System.currentTimeMillis() + 5000;
    while (transport.puts.stream().noneMatch(p -> p.key().equals("oprc/orders/0/results/record/async/bad-1"))
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    var result = transport.puts.stream().filter(p -> p.key().equals("oprc/orders/0/results/record/async/bad-1"))
        .findFirst().orElseThrow();
    assertThat(InvocationResponse.parseFrom(result.payload()).getStatus()).isEqualTo(ResponseStatus.INVALID_REQUEST);
    assertThat(calls).isEmpty();
    assertThat(data.capabilities(dev.oprc.odgm.proto.CapabilitiesRequest.getDefaultInstance()).getEventPipelineV2())
        .isTrue();
  }

  @Test
  void badEnvironmentValuesFailNamingTheVariable() {
    assertThatThrownBy(() -> NodeConfig.fromEnv(Map.of("ODGM_HTTP_PORT", "http")))
        .hasMessageContaining("ODGM_HTTP_PORT");
    assertThatThrownBy(() -> NodeConfig.fromEnv(Map.of("ODGM_COLLECTION", "{\"name\":1")))
        .hasMessageContaining("ODGM_COLLECTION");
    assertThatThrownBy(() -> NodeConfig.fromEnv(Map.of("ODGM_COLLECTION", "[{\"name\":\"x\",\"partitionCount\":0}]")))
        .hasMessageContaining("partition_count");
    assertThatThrownBy(() -> NodeConfig.fromEnv(Map.of("ODGM_COLLECTION",
        "[{\"name\":\"x\",\"partitionCount\":1},{\"name\":\"x\",\"partitionCount\":2}]")))
        .hasMessageContaining("'x' is defined twice");
    assertThatThrownBy(() -> NodeConfig.fromEnv(Map.of("ODGM_COLLECTION", "[{\"name\":\"a/b\",\"partitionCount\":1}]")))
        .hasMessageContaining("'a/b'");
    assertThat(NodeConfig.fromEnv(Map.of("ODGM_COLLECTION",
        "[{\"name\":\"c\",\"partition_count\":3,\"invocations\":{\"fn_routes\":{\"f\":{\"url\":\"local:echo\"}}}}]"))
        .collections().get(0).getPartitionCount()).isEqualTo(3);
    assertThat(EventConfig.fromEnv(Map.of()).maxTriggerDepth()).isEqualTo(10);
  }

  @Test
  void remoteGrpcFunctionRouteIsCalledAndATransportErrorFiresOnError() throws Exception {
    List<ObjectInvocationRequest> remoteCalls = new CopyOnWriteArrayList<>();
    io.grpc.Server fnServer = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forPort(0)
        .addService(new OprcFunctionGrpc.OprcFunctionImplBase() {
          @Override
          public void invokeObj(ObjectInvocationRequest req, io.grpc.stub.StreamObserver<InvocationResponse> out) {
            remoteCalls.add(req);
            out.onNext(InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY)
                .setPayload(ByteString.copyFromUtf8("remote-ok")).build());
            out.onCompleted();
          }
        }).build().start();
    int deadPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    CreateCollectionRequest remote = CreateCollectionRequest.newBuilder().setName("remote").setPartitionCount(1)
        .setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("work", FuncInvokeRoute.newBuilder().setUrl("http://127.0.0.1:" + fnServer.getPort()).build())
            .putFnRoutes("gone", FuncInvokeRoute.newBuilder().setUrl("http://127.0.0.1:" + deadPort).build())
            .putFnRoutes("record", FuncInvokeRoute.newBuilder().setUrl("local:record").build()))
        .build();
    NodeConfig cfg = NodeConfig.fromEnv(Map.of("ODGM_HTTP_PORT", "0", "ODGM_TRIGGER_TIMEOUT_MS", "3000", "ODGM_STORAGE", "memory"))
        .withCollections(List.of(remote));
    try (OdgmNode n = OdgmNode.builder().config(cfg).transport(new LoopbackTransport())
        .handler("record", call -> {
          calls.add(call);
          return InvocationResponse.getDefaultInstance();
        }).start()) {
      TriggerTarget record = TriggerTarget.newBuilder().setClsId("remote").setFnId("record").build();
      ObjectEvent ev = ObjectEvent.newBuilder()
          .putFuncTrigger("work", FuncTrigger.newBuilder().addOnComplete(record).build())
          .putFuncTrigger("gone", FuncTrigger.newBuilder().addOnError(record).build()).build();
      ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", n.port()).usePlaintext().build();
      try {
        DataServiceGrpc.newBlockingStub(ch).set(SetObjectRequest.newBuilder().setClsId("remote").setObjectId("r1")
            .setObject(ObjData.newBuilder().setEvent(ev)).build());
        var fns = OprcFunctionGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
        InvocationResponse ok = fns.invokeObj(ObjectInvocationRequest.newBuilder().setClsId("remote")
            .setFnId("work").setObjectId("r1").putOptions("k", "v").build());
        assertThat(ok.getPayload().toStringUtf8()).isEqualTo("remote-ok");
        assertThat(remoteCalls).singleElement().satisfies(r -> {
          assertThat(r.getObjectId()).isEqualTo("r1");
          assertThat(r.getOptionsMap()).containsEntry("k", "v");
        });
        InvocationResponse failed = fns.invokeObj(ObjectInvocationRequest.newBuilder().setClsId("remote")
            .setFnId("gone").setObjectId("r1").build());
        assertThat(failed.getStatus()).isEqualTo(ResponseStatus.SYSTEM_ERROR);
        // two events of two invocations: the receiver may run them in either order
        List<String> got = awaitCalls(2).stream().map(c -> new String(c.payload(), StandardCharsets.UTF_8)).toList();
        assertThat(got).anySatisfy(p -> assertThat(p).contains("\"event_type\":1", "cmVtb3RlLW9r"))
            .anySatisfy(p -> assertThat(p).contains("\"event_type\":2", "transport: UNAVAILABLE"));
      } finally {
        ch.shutdownNow();
      }
    } finally {
      fnServer.shutdownNow();
    }
  }

  @Test
  void reflectionListsTheOdgmServicesWhenEnabled() throws Exception {
    NodeConfig cfg = NodeConfig.fromEnv(Map.of("ODGM_HTTP_PORT", "0", "ODGM_REFLECTION_ENABLED", "true", "ODGM_STORAGE", "memory"));
    try (OdgmNode reflective = OdgmNode.builder().config(cfg).transport(new LoopbackTransport()).start()) {
      ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", reflective.port()).usePlaintext().build();
      try {
        List<String> services = new CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        var stub = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(ch);
        var req = stub.serverReflectionInfo(new io.grpc.stub.StreamObserver<>() {
          @Override
          public void onNext(io.grpc.reflection.v1.ServerReflectionResponse r) {
            r.getListServicesResponse().getServiceList().forEach(x -> services.add(x.getName()));
          }

          @Override
          public void onError(Throwable t) {
            done.countDown();
          }

          @Override
          public void onCompleted() {
            done.countDown();
          }
        });
        req.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("*").build());
        req.onCompleted();
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(services).contains("oprc.DataService", "oprc.OprcFunction");
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void asyncKeysOfAllFourShapesParse() {
    assertThat(AsyncInvocationReceiver.parse("oprc/c/1/async/f/id1"))
        .isEqualTo(new AsyncInvocationReceiver.AsyncKey("c", 1, null, "f", "id1"));
    assertThat(AsyncInvocationReceiver.parse("oprc/c/1/objects/o/async/f/id1"))
        .isEqualTo(new AsyncInvocationReceiver.AsyncKey("c", 1, "o", "f", "id1"));
    assertThat(AsyncInvocationReceiver.parse("oprc/c/1/invokes/f/async/id1"))
        .isEqualTo(new AsyncInvocationReceiver.AsyncKey("c", 1, null, "f", "id1"));
    assertThat(AsyncInvocationReceiver.parse("oprc/c/1/objects/o/invokes/f/async/id1"))
        .isEqualTo(new AsyncInvocationReceiver.AsyncKey("c", 1, "o", "f", "id1"));
    assertThat(AsyncInvocationReceiver.parse("oprc/c/x/async/f/id1")).isNull();
    assertThat(AsyncInvocationReceiver.parse("other/c/1/async/f/id1")).isNull();
  }
}
