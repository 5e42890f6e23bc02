package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.TriggerHeaders;
import dev.oprc.odgm.node.FunctionCall;
import dev.oprc.odgm.node.FunctionHandler;
import dev.oprc.odgm.proto.BatchSetValuesRequest;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.FuncTrigger;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.InvocationRoute;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.SingleKeyRequest;
import dev.oprc.odgm.proto.SingleObjectRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.zenoh.testing.ReceivedSample;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end over a real Zenoh router (Python eclipse-zenoh): ODGM nodes connected as Zenoh
 * clients, driven through gRPC, with every trigger observed as a PUT that crossed the router.
 * Covers upstream's acceptance behaviours (oprc-upstream.md §7), with the vacuous ones made real.
 * Runs on RocksDB; {@link InMemoryEndToEndTest} runs the same tests on the in-memory storage.
 */
class OdgmEndToEndTest {
  /** The storage settings every node of this class runs with, plus {@code extra}. */
  Map<String, String> env(Map<String, String> extra) {
    return extra;
  }

  private static ZenohRouterProcess router;
  private TestNode node;
  private String testId;

  @BeforeAll
  static void startRouter() throws Exception {
    router = ZenohRouterProcess.start("oprc/**");
  }

  @AfterAll
  static void stopRouter() throws Exception {
    router.close();
  }

  @BeforeEach
  void startNode() throws Exception {
    testId = UUID.randomUUID().toString().substring(0, 8);
    node = TestNode.start(router, env(Map.of()), List.of(collection("test_collection", "basic")), Map.of());
  }

  @AfterEach
  void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  static CreateCollectionRequest collection(String name, String shardType) {
    return CreateCollectionRequest.newBuilder().setName(name).setPartitionCount(2).setReplicaCount(1)
        .setShardType(shardType)
        .setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("echo", FuncInvokeRoute.newBuilder().setUrl("local:echo").build())
            .putFnRoutes("fail", FuncInvokeRoute.newBuilder().setUrl("local:fail").build()))
        .build();
  }

  static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  /** A stateless notification target, as upstream's tests use. */
  private TriggerTarget notify(String fn) {
    return TriggerTarget.newBuilder().setClsId("notification_service").setPartitionId(1).setFnId(fn + "_" + testId)
        .build();
  }

  private String notifyKey(String fn) {
    return "oprc/notification_service/1/async/" + fn + "_" + testId + "/";
  }

  private void set(String coll, String oid, ObjectEvent ev, Map<String, String> entries) {
    set(node.data(), coll, oid, ev, entries);
  }

  private static void set(DataServiceGrpc.DataServiceBlockingStub data, String coll, String oid, ObjectEvent ev,
      Map<String, String> entries) {
    ObjData.Builder o = ObjData.newBuilder();
    if (ev != null) {
      o.setEvent(ev);
    }
    entries.forEach((k, v) -> o.putEntries(k, val(v)));
    data.set(SetObjectRequest.newBuilder().setClsId(coll).setPartitionId(1).setObjectId(oid).setObject(o).build());
  }

  private static ObjectEvent dataTrigger(String key, DataTrigger t) {
    return ObjectEvent.newBuilder().putDataTrigger(key, t).build();
  }

  /** Samples the router saw under {@code prefix}, waiting up to 5 s for {@code n}. */
  private static List<ReceivedSample> seen(int n, String prefix) {
    return router.awaitSamples(n, s -> s.key().startsWith(prefix), Duration.ofSeconds(5));
  }

  static String json(ReceivedSample s) throws Exception {
    return InvocationRequest.parseFrom(s.payload()).getPayload().toString(StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------- upstream §7, items 1-11, 17-20

  @ParameterizedTest(name = "shard type {0}")
  @ValueSource(strings = {"basic", "mst", "raft"})
  void dataCreateEventArrives(String shardType) throws Exception { // items 1, 7, 8
    node.close();
    node = TestNode.start(router, env(Map.of()), List.of(collection("typed_" + shardType, shardType)), Map.of());
    set("typed_" + shardType, "42", dataTrigger("1", DataTrigger.newBuilder().addOnCreate(notify("on_create")).build()),
        Map.of("1", "v"));
    assertThat(seen(1, notifyKey("on_create"))).hasSize(1);
  }

  @Test
  void dataUpdateEventArrivesWhenATriggerIsAddedToAnExistingKey() throws Exception { // item 2
    set("test_collection", "43", null, Map.of("1", "a"));
    set("test_collection", "43", dataTrigger("1", DataTrigger.newBuilder().addOnUpdate(notify("on_update")).build()),
        Map.of("1", "b"));
    set("test_collection", "43", null, Map.of("1", "c"));
    assertThat(seen(2, notifyKey("on_update"))).hasSize(2);
  }

  @Test
  void dataDeleteEventUsesThePreDeleteTriggers() throws Exception { // item 3
    set("test_collection", "44", dataTrigger("1", DataTrigger.newBuilder().addOnDelete(notify("on_delete")).build()),
        Map.of("1", "v"));
    node.data().delete(SingleObjectRequest.newBuilder().setClsId("test_collection").setPartitionId(1)
        .setObjectId("44").build());
    List<ReceivedSample> got = seen(1, notifyKey("on_delete"));
    assertThat(got).hasSize(1);
    assertThat(json(got.get(0))).contains("\"event_type\":5", "\"key\":\"1\"");
  }

  @Test
  void functionCompleteEventIsDeliveredWithTheResponsePayload() throws Exception { // item 4, made real
    set("test_collection", "f1", ObjectEvent.newBuilder().putFuncTrigger("echo", FuncTrigger.newBuilder()
        .addOnComplete(notify("on_complete")).build()).build(), Map.of());
    InvocationResponse r = node.functions().invokeObj(ObjectInvocationRequest.newBuilder()
        .setClsId("test_collection").setPartitionId(1).setFnId("echo").setObjectId("f1")
        .setPayload(ByteString.copyFromUtf8("{\"ok\":true}")).build());
    assertThat(r.getStatus()).isEqualTo(ResponseStatus.OKAY);
    List<ReceivedSample> got = seen(1, notifyKey("on_complete"));
    assertThat(got).hasSize(1);
    assertThat(json(got.get(0))).isEqualTo("{\"event_info\":{\"source_cls_id\":\"test_collection\","
        + "\"source_partition_id\":1,\"source_object_id\":\"f1\",\"event_type\":1,\"fn_id\":\"echo\",\"key\":null,"
        + "\"timestamp\":1741200000000,\"context\":{}},\"original_payload\":\"eyJvayI6dHJ1ZX0=\"}");
  }

  @Test
  void functionErrorEventIsDeliveredWithTheErrorText() throws Exception { // item 5, made real
    set("test_collection", "f2", ObjectEvent.newBuilder().putFuncTrigger("fail", FuncTrigger.newBuilder()
        .addOnError(notify("on_error")).build()).build(), Map.of());
    InvocationResponse r = node.functions().invokeObj(ObjectInvocationRequest.newBuilder()
        .setClsId("test_collection").setPartitionId(1).setFnId("fail").setObjectId("f2").build());
    assertThat(r.getStatus()).isEqualTo(ResponseStatus.APP_ERROR);
    List<ReceivedSample> got = seen(1, notifyKey("on_error"));
    assertThat(got).hasSize(1);
    assertThat(json(got.get(0))).contains("\"event_type\":2", "\"fn_id\":\"fail\"",
        "\"context\":{\"error\":\"APP_ERROR: fail: this function always fails\"}", "\"original_payload\":null");
  }

  @Test
  void createUpdateAndDeleteEachReachTheirOwnTarget() throws Exception { // item 6
    ObjectEvent ev = dataTrigger("1", DataTrigger.newBuilder().addOnCreate(notify("c")).addOnUpdate(notify("u"))
        .addOnDelete(notify("d")).build());
    set("test_collection", "45", ev, Map.of("1", "a"));
    assertThat(seen(1, notifyKey("c"))).hasSize(1);
    set("test_collection", "45", null, Map.of("1", "b"));
    assertThat(seen(1, notifyKey("u"))).hasSize(1);
    node.data().delete(SingleObjectRequest.newBuilder().setClsId("test_collection").setPartitionId(1)
        .setObjectId("45").build());
    assertThat(seen(1, notifyKey("d"))).hasSize(1);
  }

  @Test
  void stringEntryKeysFireCreateUpdateAndDelete() throws Exception { // items 9, 10, 11
    set("test_collection", "s1", ObjectEvent.newBuilder()
        .putDataTrigger("status", DataTrigger.newBuilder().addOnCreate(notify("status_create")).build())
        .putDataTrigger("mode", DataTrigger.newBuilder().addOnUpdate(notify("mode_update")).build())
        .putDataTrigger("phase", DataTrigger.newBuilder().addOnDelete(notify("phase_delete")).build()).build(),
        Map.of("status", "new", "mode", "cold", "phase", "one"));
    set("test_collection", "s1", null, Map.of("mode", "hot"));
    node.data().delete(SingleObjectRequest.newBuilder().setClsId("test_collection").setPartitionId(1)
        .setObjectId("s1").build());
    assertThat(seen(1, notifyKey("status_create"))).hasSize(1);
    assertThat(seen(1, notifyKey("mode_update"))).hasSize(1);
    assertThat(seen(1, notifyKey("phase_delete"))).hasSize(1);
  }

  @Test
  void numericAndStringKeysInOneSetBothFire() throws Exception { // item 17
    set("test_collection", "m1", ObjectEvent.newBuilder()
        .putDataTrigger("1", DataTrigger.newBuilder().addOnCreate(notify("num")).build())
        .putDataTrigger("name", DataTrigger.newBuilder().addOnCreate(notify("str")).build()).build(),
        Map.of("1", "x", "name", "y"));
    assertThat(seen(1, notifyKey("num"))).hasSize(1);
    assertThat(seen(1, notifyKey("str"))).hasSize(1);
  }

  @Test
  void updatesArriveInVersionOrder() throws Exception { // item 18, with versions checked
    set("test_collection", "ord", dataTrigger("1", DataTrigger.newBuilder().addOnUpdate(notify("ordered")).build()),
        Map.of("1", "0"));
    for (int i = 1; i <= 3; i++) {
      node.data().setValue(SetKeyRequest.newBuilder().setClsId("test_collection").setPartitionId(1)
          .setObjectId("ord").setKey("1").setValue(val(String.valueOf(i))).build());
    }
    List<ReceivedSample> got = seen(3, notifyKey("ordered"));
    assertThat(got).hasSize(3);
    List<String> versions = got.stream().map(s -> {
      try {
        return InvocationRequest.parseFrom(s.payload()).getOptionsOrThrow(TriggerHeaders.OBJECT_VERSION);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }).toList();
    assertThat(versions).containsExactly("2", "3", "4");
  }

  @Test
  void versionIncrementsOncePerWriteCall() { // item 20
    var data = node.data();
    data.setValue(SetKeyRequest.newBuilder().setClsId("test_collection").setPartitionId(1).setObjectId("ver")
        .setKey("a").setValue(val("1")).build());
    data.setValue(SetKeyRequest.newBuilder().setClsId("test_collection").setPartitionId(1).setObjectId("ver")
        .setKey("a").setValue(val("2")).build());
    data.batchSetValues(BatchSetValuesRequest.newBuilder().setClsId("test_collection").setPartitionId(1)
        .setObjectId("ver").putValues("b", val("1")).putValues("c", val("1")).build());
    assertThat(data.getValue(SingleKeyRequest.newBuilder().setClsId("test_collection").setPartitionId(1)
        .setObjectId("ver").setKey("a").build()).getObjectVersion()).isEqualTo(3);
  }

  // ---------------------------------------------------------------- beyond upstream's suite

  @Test
  void statefulTargetsArriveOnTheObjectKey() throws Exception {
    TriggerTarget stateful = notify("stateful").toBuilder().setObjectId("obj-9").build();
    set("test_collection", "st", dataTrigger("k", DataTrigger.newBuilder().addOnCreate(stateful).build()),
        Map.of("k", "v"));
    List<ReceivedSample> got = router.awaitSamples(1, s -> s.key().startsWith(
        "oprc/notification_service/1/objects/obj-9/async/stateful_" + testId + "/"), Duration.ofSeconds(5));
    assertThat(got).hasSize(1);
    ObjectInvocationRequest req = ObjectInvocationRequest.parseFrom(got.get(0).payload());
    assertThat(req.getObjectId()).isEqualTo("obj-9");
    assertThat(req.getFnId()).isEqualTo("stateful_" + testId);
  }

  @Test
  void dataEventPayloadIsUpstreamsExactJson() throws Exception {
    node.close();
    node = TestNode.start(router, env(Map.of()), List.of(collection("orders", "basic")), Map.of());
    set("orders", "order-1", dataTrigger("status", DataTrigger.newBuilder().addOnUpdate(notify("shape")).build()),
        Map.of("status", "new"));
    node.data().setValue(SetKeyRequest.newBuilder().setClsId("orders").setPartitionId(1).setObjectId("order-1")
        .setKey("status").setValue(val("paid")).build());
    List<ReceivedSample> got = seen(1, notifyKey("shape"));
    assertThat(got).hasSize(1);
    assertThat(json(got.get(0))).isEqualTo("{\"event_info\":{\"source_cls_id\":\"orders\",\"source_partition_id\":1,"
        + "\"source_object_id\":\"order-1\",\"event_type\":4,\"fn_id\":null,\"key\":\"status\","
        + "\"timestamp\":1741200000000,\"context\":{}},\"original_payload\":null}");
  }

  @Test
  void deleteValueAndBatchDeleteKeysFireOnDelete() throws Exception {
    set("test_collection", "dv", ObjectEvent.newBuilder()
        .putDataTrigger("a", DataTrigger.newBuilder().addOnDelete(notify("del_single")).build())
        .putDataTrigger("b", DataTrigger.newBuilder().addOnDelete(notify("del_batch")).build()).build(),
        Map.of("a", "1", "b", "1"));
    node.data().deleteValue(SingleKeyRequest.newBuilder().setClsId("test_collection").setPartitionId(1)
        .setObjectId("dv").setKey("a").build());
    node.data().batchSetValues(BatchSetValuesRequest.newBuilder().setClsId("test_collection").setPartitionId(1)
        .setObjectId("dv").addDeleteKeys("b").build());
    assertThat(json(seen(1, notifyKey("del_single")).get(0))).contains("\"event_type\":5", "\"key\":\"a\"");
    assertThat(json(seen(1, notifyKey("del_batch")).get(0))).contains("\"event_type\":5", "\"key\":\"b\"");
  }

  @SuppressWarnings("try") // the resource is held open for the block's duration, not called
  @Test
  void triggerChainAcrossTwoNodesStopsAtMaxDepth() throws Exception {
    // A hosts collection "alpha" with object x whose key "ping" triggers beta/0/pong, hosted on B.
    // B's pong writes alpha/x/ping back through A's gRPC API, forwarding the trigger depth: A -> B -> A -> ...
    node.close();
    node = null;
    CreateCollectionRequest alpha = CreateCollectionRequest.newBuilder().setName("alpha").setPartitionCount(1).build();
    CreateCollectionRequest beta = CreateCollectionRequest.newBuilder().setName("beta").setPartitionCount(1)
        .setInvocations(InvocationRoute.newBuilder().putFnRoutes("pong",
            FuncInvokeRoute.newBuilder().setUrl("local:pong").build())).build();
    List<FunctionCall> pongs = new CopyOnWriteArrayList<>();
    try (TestNode a = TestNode.start(router, env(Map.of("ODGM_MAX_TRIGGER_DEPTH", "5")), List.of(alpha), Map.of())) {
      ManagedChannel toA = ManagedChannelBuilder.forAddress("127.0.0.1", a.node.port()).usePlaintext().build();
      FunctionHandler pong = call -> {
        pongs.add(call);
        Metadata md = new Metadata();
        md.put(Metadata.Key.of(TriggerHeaders.DEPTH, Metadata.ASCII_STRING_MARSHALLER),
            call.options().get(TriggerHeaders.DEPTH));
        DataServiceGrpc.newBlockingStub(toA).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .setValue(SetKeyRequest.newBuilder().setClsId("alpha").setPartitionId(0).setObjectId("x")
                .setKey("ping").setValue(val("n" + pongs.size())).build());
        return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).build();
      };
      try (TestNode b = TestNode.start(router, env(Map.of()), List.of(beta), Map.of("pong", pong))) {
        TriggerTarget toB = TriggerTarget.newBuilder().setClsId("beta").setPartitionId(0).setFnId("pong").build();
        a.data().set(SetObjectRequest.newBuilder().setClsId("alpha").setPartitionId(0).setObjectId("x")
            .setObject(ObjData.newBuilder().setEvent(dataTrigger("ping", DataTrigger.newBuilder()
                .addOnCreate(toB).addOnUpdate(toB).build())).putEntries("ping", val("start"))).build());
        long deadline = System.currentTimeMillis() + 15_000;
        while (a.events("alpha", 0).getDepthLimited() == 0 && System.currentTimeMillis() < deadline) {
          Thread.sleep(20);
        }
        assertThat(a.events("alpha", 0).getDepthLimited()).isEqualTo(1);
        assertThat(pongs).extracting(c -> c.options().get(TriggerHeaders.DEPTH))
            .containsExactly("0", "1", "2", "3", "4");
        assertThat(seen(5, "oprc/beta/0/results/pong/async/")).hasSize(5);
      } finally {
        toA.shutdownNow();
      }
    }
  }

  @Test
  void routerDownWritesSucceedTheirTriggersWaitInTheOutboxAndArriveAfterTheRouterReturns() throws Exception {
    ZenohRouterProcess own = ZenohRouterProcess.start(2_000, "oprc/**");
    try (TestNode n = TestNode.start(own, env(Map.of()), List.of(collection("test_collection", "basic")), Map.of())) {
      own.stop();
      long deadline = System.currentTimeMillis() + 10_000;
      while (n.transport.session().isConnected() && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      var data = n.data();
      for (int i = 0; i < 20; i++) {
        set(data, "test_collection", "down" + i, dataTrigger("k", DataTrigger.newBuilder()
            .addOnCreate(notify("held")).build()), Map.of("k", "v"));
      }
      assertThat(data.get(SingleObjectRequest.newBuilder().setClsId("test_collection").setPartitionId(1)
          .setObjectId("down19").build()).getObj().getEntriesMap()).containsKey("k");
      var held = n.events("test_collection", 1);
      assertThat(held.getEventsMatched()).isEqualTo(20);
      assertThat(held.getPending()).isEqualTo(20); // nothing dropped, nothing counted as delivered
      assertThat(held.getRetired()).isZero();
      own.restart();
      List<ReceivedSample> got;
      try {
        got = own.awaitSamples(20, s -> s.key().contains("/async/held_"), Duration.ofSeconds(20));
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; session " + n.transport.session().stats() + "; events "
            + n.events("test_collection", 1) + "; samples " + own.samples(), e);
      }
      assertThat(got.stream().map(ReceivedSample::key).distinct()).hasSize(20);
      deadline = System.currentTimeMillis() + 20_000;
      var after = n.events("test_collection", 1);
      while (after.getRetired() < 20 && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
        after = n.events("test_collection", 1);
      }
      assertThat(after.getRetired()).isEqualTo(20);
      assertThat(after.getPending()).isZero();
    } finally {
      own.close();
    }
  }
}
