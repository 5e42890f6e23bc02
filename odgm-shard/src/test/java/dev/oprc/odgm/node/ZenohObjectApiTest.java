package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.BatchSetValuesRequest;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.FuncTrigger;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.InvocationRoute;
import dev.oprc.odgm.proto.ListObjectsRequest;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.ObjectMetaEnvelope;
import dev.oprc.odgm.proto.OprcFunctionGrpc;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.proto.ValueResponse;
import dev.oprc.odgm.shard.NotFoundException;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node's Zenoh API over the loopback transport: routing, payloads, error replies, events, proxying. */
class ZenohObjectApiTest {
  private final LoopbackTransport transport = new LoopbackTransport();
  private final List<FunctionCall> calls = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch entered = new CountDownLatch(1);
  private OdgmNode node;
  private ManagedChannel channel;

  private void start(Map<String, String> extraEnv) throws Exception {
    CreateCollectionRequest orders = CreateCollectionRequest.newBuilder().setName("orders").setPartitionCount(2)
        .setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("record", FuncInvokeRoute.newBuilder().setUrl("local:record").build())
            .putFnRoutes("block", FuncInvokeRoute.newBuilder().setUrl("local:block").build())
            .putFnRoutes("fail", FuncInvokeRoute.newBuilder().setUrl("local:fail").build())
            .putFnRoutes("standby", FuncInvokeRoute.newBuilder().setUrl("local:record").setStandby(true).build()))
        .build();
    Map<String, String> env = new HashMap<>(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory"));
    env.putAll(extraEnv);
    node = OdgmNode.builder().config(NodeConfig.fromEnv(env).withCollections(List.of(orders))).transport(transport)
        .handler("record", call -> {
          calls.add(call);
          return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY)
              .setPayload(ByteString.copyFromUtf8("recorded:" + call.partitionId())).build();
        })
        .handler("block", call -> {
          entered.countDown();
          release.await(10, TimeUnit.SECONDS);
          return InvocationResponse.getDefaultInstance();
        })
        .start();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    if (channel != null) {
      channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    }
    if (node != null) {
      node.close();
    }
  }

  private List<NodeTransport.QueryReply> get(String key, byte[] payload) throws Exception {
    return transport.get(key, payload, Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
  }

  private NodeTransport.QueryReply one(String key, byte[] payload) throws Exception {
    List<NodeTransport.QueryReply> r = get(key, payload);
    assertThat(r).as("replies on %s", key).hasSize(1);
    return r.get(0);
  }

  private static String text(NodeTransport.QueryReply r) {
    return new String(r.payload(), StandardCharsets.UTF_8);
  }

  private static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  private static TriggerTarget record(String objectId) {
    TriggerTarget.Builder b = TriggerTarget.newBuilder().setClsId("orders").setPartitionId(0).setFnId("record");
    return objectId == null ? b.build() : b.setObjectId(objectId).build();
  }

  private static void await(BooleanSupplier cond, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  @Test
  void apiKey_parsesUpstreamShapesAndNamesWhatIsWrong() {
    assertThat(ApiKey.parse("oprc/c/3/objects/o1")).isEqualTo(new ApiKey(ApiKey.Kind.GET, "c", 3, "o1", null));
    assertThat(ApiKey.parse("oprc/c/3/objects/o1/entries/k").name()).isEqualTo("k");
    assertThat(ApiKey.parse("oprc/c/3/objects/list-objects").kind()).isEqualTo(ApiKey.Kind.LIST_OBJECTS);
    assertThat(ApiKey.parse("oprc/c/3/objects/o1/batch-set").kind()).isEqualTo(ApiKey.Kind.BATCH_SET);
    assertThat(ApiKey.parse("oprc/c/*/invokes/f").partition()).isEqualTo(ApiKey.ANY_PARTITION);
    assertThat(ApiKey.parse("oprc/c/0/shards/7/capabilities").name()).isEqualTo("7");
    assertThatThrownBy(() -> ApiKey.parse("oprc/c/x/objects/o1")).hasMessageContaining("invalid partition 'x'");
    assertThatThrownBy(() -> ApiKey.parse("oprc/c/4294967295/objects/o1")).hasMessageContaining("out of range");
    assertThatThrownBy(() -> ApiKey.parse("oprc/c/*/objects/o1")).hasMessageContaining("concrete partition");
    assertThatThrownBy(() -> ApiKey.parse("oprc/c/0/objects/*")).hasMessageContaining("wildcard");
    assertThatThrownBy(() -> ApiKey.parse("oprc/c/0/objects/o1/nope")).hasMessageContaining("unsupported key");
  }

  @Test
  void getSetEntriesAndList_useUpstreamPayloadsAndErrorTexts() throws Exception {
    start(Map.of());
    assertThat(one("oprc/orders/0/objects/o1", null)).satisfies(r -> {
      assertThat(r.ok()).isFalse();
      assertThat(text(r)).isEqualTo("object not found");
    });
    ObjData obj = ObjData.newBuilder().putEntries("status", val("new")).build();
    NodeTransport.QueryReply set = one("oprc/orders/0/objects/o1/set", obj.toByteArray());
    assertThat(set.ok()).isTrue();
    assertThat(set.payload()).isEmpty(); // EmptyResponse
    ObjData got = ObjData.parseFrom(one("oprc/orders/0/objects/o1", null).payload());
    assertThat(got.getEntriesMap()).containsEntry("status", val("new"));
    assertThat(got.getMetadata().getObjectId()).isEqualTo("o1");
    ValueResponse v = ValueResponse.parseFrom(one("oprc/orders/0/objects/o1/entries/status", null).payload());
    assertThat(v.getValue()).isEqualTo(val("new"));
    assertThat(v.getKey()).isEqualTo("status");
    assertThat(text(one("oprc/orders/0/objects/o1/entries/nope", null))).isEqualTo("entry not found");
    one("oprc/orders/0/objects/o2/set", obj.toByteArray());
    List<NodeTransport.QueryReply> list = get("oprc/orders/0/objects/list-objects",
        ListObjectsRequest.newBuilder().setClsId("orders").setLimit(100).build().toByteArray());
    assertThat(list).extracting(r -> ObjectMetaEnvelope.parseFrom(r.payload()).getObjectId())
        .containsExactly("o1", "o2");
    assertThat(get("oprc/orders/1/objects/list-objects", null)).isEmpty(); // upstream: no object, no reply
  }

  @Test
  void zenohWrites_emitTheSameEventsAsGrpc() throws Exception {
    start(Map.of());
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("status", DataTrigger.newBuilder()
        .addOnCreate(record(null)).addOnUpdate(record(null)).addOnDelete(record(null)).build()).build();
    one("oprc/orders/0/objects/o1/set", ObjData.newBuilder().setEvent(ev).putEntries("status", val("a")).build()
        .toByteArray());
    await(() -> calls.size() == 1, "on_create via set");
    BatchSetValuesRequest batch = BatchSetValuesRequest.newBuilder().setClsId("orders").setObjectId("o1")
        .putValues("status", val("b")).build();
    assertThat(one("oprc/orders/0/objects/o1/batch-set", batch.toByteArray()).ok()).isTrue();
    await(() -> calls.size() == 2, "on_update via batch-set (upstream's batch-set emitted none)");
    assertThat(text(one("oprc/orders/0/objects/o1/batch-set", batch.toBuilder().setExpectedObjectVersion(9).build()
        .toByteArray()))).isEqualTo("version mismatch: expected 9, got 2");
    transport.delete("oprc/orders/0/objects/o1");
    await(() -> calls.size() == 3, "on_delete via a DELETE sample");
    assertThat(node.shards().shard("orders", 0).count()).isZero();
    assertThat(calls).extracting(c -> new String(c.payload(), StandardCharsets.UTF_8))
        .allSatisfy(p -> assertThat(p).contains("\"source_object_id\":\"o1\"", "\"key\":\"status\""));
  }

  @Test
  void putSample_upsertsAndBadSamplesAreCountedNotFatal() throws Exception {
    start(Map.of());
    transport.put("oprc/orders/1/objects/p1", ObjData.newBuilder().putEntries("k", val("v")).build().toByteArray());
    transport.put("oprc/orders/1/objects/p2", new byte[] {(byte) 0xff, 0x01}); // malformed protobuf
    transport.put("oprc/orders/9/objects/p3", ObjData.getDefaultInstance().toByteArray()); // no such partition
    transport.put("oprc/orders/1/objects/BAD ID", ObjData.getDefaultInstance().toByteArray());
    await(() -> node.zenohApiStats().contains("samplesApplied=1") && node.zenohApiStats().contains("errors=3"),
        "one applied, three refused: " + node.zenohApiStats());
    assertThat(node.shards().shard("orders", 1).get("p1").getEntriesMap()).containsKey("k");
    assertThatThrownBy(() -> node.shards().shard("orders", 1).get("p2")).isInstanceOf(NotFoundException.class);
  }

  @Test
  void badQueries_getErrRepliesNamingTheProblem() throws Exception {
    start(Map.of());
    assertThat(text(one("oprc/orders/7/objects/o1", null))).contains("partition 7", "does not exist");
    assertThat(text(one("oprc/orders/0/objects/o1/set", new byte[] {(byte) 0xff}))).startsWith("failed to decode payload");
    assertThat(text(one("oprc/orders/0/objects/o1/set", null))).isEqualTo("payload is required");
    assertThat(text(one("oprc/orders/0/objects/o1/batch-set", new byte[] {0x0a}))).startsWith("failed to decode batch");
    assertThat(text(one("oprc/orders/0/objects/A%20B", null))).contains("object_id 'A%20B'");
    assertThat(text(one("oprc/orders/0/objects/o1/weird", null))).startsWith("unsupported key");
    assertThat(node.zenohApiStats()).contains("errors=6");
    // still serving
    assertThat(one("oprc/orders/0/objects/o1/set", ObjData.getDefaultInstance().toByteArray()).ok()).isTrue();
  }

  @Test
  void objectInvoke_repliesInvocationResponseAndFiresFunctionEvents() throws Exception {
    start(Map.of());
    ObjectEvent ev = ObjectEvent.newBuilder()
        .putFuncTrigger("fail", FuncTrigger.newBuilder().addOnError(record(null)).build()).build();
    one("oprc/orders/0/objects/o1/set", ObjData.newBuilder().setEvent(ev).build().toByteArray());
    ObjectInvocationRequest req = ObjectInvocationRequest.newBuilder().setClsId("orders").setPartitionId(0)
        .setObjectId("o1").setFnId("record").setPayload(ByteString.copyFromUtf8("hi")).build();
    InvocationResponse ok = InvocationResponse.parseFrom(one("oprc/orders/0/objects/o1/invokes/record",
        req.toByteArray()).payload());
    assertThat(ok.getStatus()).isEqualTo(ResponseStatus.OKAY);
    assertThat(ok.getPayload().toStringUtf8()).isEqualTo("recorded:0");
    assertThat(calls).singleElement().satisfies(c -> assertThat(c.objectId()).isEqualTo("o1"));
    InvocationResponse failed = InvocationResponse.parseFrom(one("oprc/orders/0/objects/o1/invokes/fail",
        req.toBuilder().setFnId("fail").build().toByteArray()).payload());
    assertThat(failed.getStatus()).isEqualTo(ResponseStatus.APP_ERROR);
    await(() -> calls.size() == 2, "on_error of fail -> record");
    assertThat(new String(calls.get(1).payload(), StandardCharsets.UTF_8)).contains("\"event_type\":2");
    InvocationResponse bad = InvocationResponse.parseFrom(one("oprc/orders/0/objects/o1/invokes/record",
        new byte[] {(byte) 0xff}).payload());
    assertThat(bad.getStatus()).isEqualTo(ResponseStatus.INVALID_REQUEST);
    assertThat(get("oprc/orders/0/objects/o1/invokes/nope", req.toByteArray())).as("no route: no queryable").isEmpty();
    assertThat(get("oprc/orders/0/objects/o1/invokes/standby", req.toByteArray())).isEmpty();
  }

  @Test
  void statelessInvoke_withWildcardPartitionUsesThePayloadsPartition() throws Exception {
    start(Map.of());
    InvocationRequest req = InvocationRequest.newBuilder().setClsId("orders").setPartitionId(1).setFnId("record")
        .build();
    NodeTransport.QueryReply r = one("oprc/orders/*/invokes/record", req.toByteArray());
    assertThat(r.key()).isEqualTo("oprc/orders/1/invokes/record");
    assertThat(InvocationResponse.parseFrom(r.payload()).getPayload().toStringUtf8()).isEqualTo("recorded:1");
    NodeTransport.QueryReply concrete = one("oprc/orders/0/invokes/record", req.toByteArray());
    assertThat(InvocationResponse.parseFrom(concrete.payload()).getPayload().toStringUtf8()).isEqualTo("recorded:0");
    assertThat(InvocationResponse.parseFrom(one("oprc/orders/0/invokes/record", new byte[0]).payload()).getStatus())
        .isEqualTo(ResponseStatus.INVALID_REQUEST);
    assertThat(one("oprc/orders/5/invokes/record", req.toByteArray()).ok()).isFalse();
  }

  @Test
  void capabilitiesAndLivelinessTokens_followUpstream() throws Exception {
    start(Map.of());
    assertThat(text(one("oprc/orders/1/shards/1/capabilities", null))).isEqualTo("{\"class\":\"orders\","
        + "\"partition\":1,\"shard_id\":1,\"event_pipeline_v2\":true,\"storage_backend\":\"memory\","
        + "\"odgm_version\":\"dev\",\"features\":{\"granular_storage\":true,\"bridge_mode\":false,"
        + "\"wasm_runtime\":false}}");
    assertThat(text(one("oprc/orders/1/shards/0/capabilities", null))).isEqualTo("{\"error\":\"not_found\"}");
    assertThat(text(one("oprc/orders/1/shards/x/capabilities", null))).isEqualTo("{\"error\":\"bad_request\"}");
    assertThat(transport.tokens).containsExactlyInAnyOrder("oprc/orders/0/liveliness/0", "oprc/orders/1/liveliness/1");
  }

  @Test
  void wildcardCapabilitiesQuery_isAnsweredOncePerMatchingShardOnItsConcreteKey() throws Exception {
    start(Map.of());
    List<NodeTransport.QueryReply> all = get("oprc/orders/*/shards/*/capabilities", null);
    assertThat(all).extracting(NodeTransport.QueryReply::key).containsExactlyInAnyOrder(
        "oprc/orders/0/shards/0/capabilities", "oprc/orders/1/shards/1/capabilities");
    assertThat(all).allSatisfy(r -> {
      assertThat(r.ok()).isTrue();
      String p = r.key().substring("oprc/orders/".length(), "oprc/orders/".length() + 1);
      assertThat(text(r)).startsWith("{\"class\":\"orders\",\"partition\":" + p + ",\"shard_id\":" + p + ",");
    });
    assertThat(get("oprc/orders/1/shards/*/capabilities", null)).extracting(NodeTransport.QueryReply::key)
        .containsExactly("oprc/orders/1/shards/1/capabilities");
    assertThat(get("oprc/orders/*/shards/7/capabilities", null)).as("no shard 7: no reply").isEmpty();
    assertThat(node.zenohApiStats()).contains("errors=0");
  }

  @Test
  void fullPool_answersOverloadedAndCounts() throws Exception {
    start(Map.of("ODGM_INVOKE_THREADS", "1", "ODGM_INVOKE_QUEUE_BOUND", "1"));
    byte[] req = InvocationRequest.newBuilder().setFnId("block").build().toByteArray();
    var first = transport.get("oprc/orders/0/invokes/block", req, Duration.ofSeconds(10)); // runs, blocks
    assertThat(entered.await(5, TimeUnit.SECONDS)).as("the only worker runs the first query").isTrue();
    var second = transport.get("oprc/orders/0/invokes/block", req, Duration.ofSeconds(10)); // queued
    await(() -> node.zenohApiStats().contains("received=2"), "second query queued");
    NodeTransport.QueryReply third = one("oprc/orders/0/invokes/block", req);
    assertThat(third.ok()).isFalse();
    assertThat(text(third)).startsWith("queryable overloaded");
    assertThat(node.zenohApiStats()).contains("rejected=1");
    release.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS)).singleElement().satisfies(r -> assertThat(r.ok()).isTrue());
    assertThat(second.get(10, TimeUnit.SECONDS)).singleElement().satisfies(r -> assertThat(r.ok()).isTrue());
  }

  @Test
  void grpcInvoke_forACollectionNotServedHere_isProxiedOverZenoh() throws Exception {
    start(Map.of());
    List<String> seen = new CopyOnWriteArrayList<>();
    transport.declareQueryable("oprc/remote/*/invokes/f", q -> {
      seen.add(q.key());
      q.reply(q.key(), InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY)
          .setPayload(ByteString.copyFromUtf8("remote")).build()
          .toByteArray());
      q.close();
    });
    transport.declareQueryable("oprc/remote/*/objects/*/invokes/slow", q -> { }); // never answers
    OprcFunctionGrpc.OprcFunctionBlockingStub fn = OprcFunctionGrpc.newBlockingStub(channel);
    InvocationResponse r = fn.withDeadlineAfter(5, TimeUnit.SECONDS).invokeFn(InvocationRequest.newBuilder()
        .setClsId("remote").setPartitionId(3).setFnId("f").build());
    assertThat(r.getStatus()).isEqualTo(ResponseStatus.OKAY);
    assertThat(seen).containsExactly("oprc/remote/3/invokes/f");
    assertThatThrownBy(() -> fn.withDeadlineAfter(5, TimeUnit.SECONDS).invokeFn(InvocationRequest.newBuilder()
        .setClsId("remote").setFnId("nobody").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(e.getStatus().getDescription()).contains("function 'nobody'", "collection 'remote'");
        });
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> fn.withDeadlineAfter(300, TimeUnit.MILLISECONDS).invokeObj(ObjectInvocationRequest
        .newBuilder().setClsId("remote").setObjectId("O1").setFnId("slow").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(3000);
    assertThatThrownBy(() -> fn.withDeadlineAfter(5, TimeUnit.SECONDS).invokeObj(ObjectInvocationRequest
        .newBuilder().setClsId("remote").setObjectId("a/b").setFnId("slow").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }
}
