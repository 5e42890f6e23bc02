package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.BatchSetValuesRequest;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.EmptyResponse;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.ListObjectsRequest;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjMeta;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.ObjectMetaEnvelope;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.proto.SingleKeyRequest;
import dev.oprc.odgm.proto.SingleObjectRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.proto.ValueResponse;
import dev.oprc.zenoh.testing.PythonZenohProcess;
import dev.oprc.zenoh.testing.PythonZenohProcess.PyReply;
import dev.oprc.zenoh.testing.ReceivedSample;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ODGM's Zenoh API end to end: a real router (Python eclipse-zenoh), a real node process
 * ({@link WritingNodeMain}, in-memory storage) and a Python client that issues exactly the gets
 * upstream's {@code ObjectProxy} issues (same keys, protobuf payloads, consolidation NONE,
 * congestion BLOCK, target BEST_MATCHING), for every operation. Plus a gateway-shaped flow and
 * the gRPC proxy from a second node that does not serve the collection.
 */
class ZenohApiEndToEndTest {
  private static final long TIMEOUT_MS = 10_000;
  private static ZenohRouterProcess router;
  private static NodeProcess node;
  private static PythonZenohProcess py;

  @BeforeAll
  static void start() throws Exception {
    router = ZenohRouterProcess.start("oprc/**");
    node = NodeProcess.startMain(WritingNodeMain.class.getName(), Map.of(
        "ODGM_STORAGE", "memory",
        "OPRC_ZENOH_MODE", "client",
        "OPRC_ZENOH_PEERS", router.endpoint(),
        "ODGM_COLLECTION", "[{\"name\":\"orders\",\"partitionCount\":2,\"invocations\":{\"fnRoutes\":{"
            + "\"write\":{\"url\":\"local:write\"},\"echo\":{\"url\":\"local:echo\"},"
            + "\"fail\":{\"url\":\"local:fail\"}}}}]"));
    py = PythonZenohProcess.client(router.endpoint());
    // the node's liveliness tokens (one per partition, as upstream) are the readiness marker
    await(() -> py.livelinessGet("oprc/orders/*/liveliness/*", 2000).size() == 2, "the node's liveliness tokens");
  }

  @AfterAll
  static void stop() throws Exception {
    if (py != null) {
      py.close();
    }
    if (node != null) {
      node.close();
    }
    if (router != null) {
      router.close();
    }
  }

  private static void await(BooleanSupplier cond, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + "\n" + node.output());
      }
      Thread.sleep(50);
    }
  }

  private static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  /** ObjectProxy.call_zenoh: the first reply is the answer. */
  private static PyReply call(String key, byte[] payload) {
    List<PyReply> replies = py.getLikeObjectProxy(key, payload, TIMEOUT_MS);
    assertThat(replies).as("replies on %s", key).hasSize(1);
    return replies.get(0);
  }

  private static ObjMeta meta(int partition, String oid) {
    return ObjMeta.newBuilder().setClsId("orders").setPartitionId(partition).setObjectId(oid).build();
  }

  /** ObjectProxy.set_obj: GET oprc/{c}/{p}/objects/{id}/set with the ObjData (metadata required). */
  private static PyReply setObj(int partition, String oid, ObjData.Builder obj) {
    return call("oprc/orders/" + partition + "/objects/" + oid + "/set",
        obj.setMetadata(meta(partition, oid)).build().toByteArray());
  }

  @Test
  void objectOperations_likeObjectProxy() throws Exception {
    PyReply set = setObj(0, "o1", ObjData.newBuilder().putEntries("status", val("new")).putEntries("n", val("1")));
    assertThat(set.ok()).isTrue();
    assertThat(EmptyResponse.parseFrom(set.payload())).isEqualTo(EmptyResponse.getDefaultInstance());
    ObjData got = ObjData.parseFrom(call("oprc/orders/0/objects/o1", null).payload());
    assertThat(got.getEntriesMap()).containsEntry("status", val("new")).containsEntry("n", val("1"));
    PyReply missing = call("oprc/orders/0/objects/nobody", null);
    assertThat(missing.ok()).isFalse();
    assertThat(missing.payloadAsString()).isEqualTo("object not found");
    ValueResponse v = ValueResponse.parseFrom(call("oprc/orders/0/objects/o1/entries/status", null).payload());
    assertThat(v.getValue()).isEqualTo(val("new"));
    assertThat(v.getObjectVersion()).isEqualTo(got.getMetadata().getObjectVersion());
    assertThat(call("oprc/orders/0/objects/o1/entries/nope", null).ok()).isFalse(); // get_entry -> Ok(None)

    BatchSetValuesRequest.Builder batch = BatchSetValuesRequest.newBuilder().setClsId("orders").setPartitionId(0)
        .setObjectId("o1").putValues("status", val("paid")).addDeleteKeys("n");
    PyReply cas = call("oprc/orders/0/objects/o1/batch-set", batch.clone().setExpectedObjectVersion(99).build()
        .toByteArray());
    assertThat(cas.ok()).isFalse();
    assertThat(cas.payloadAsString()).isEqualTo("version mismatch: expected 99, got " + v.getObjectVersion());
    PyReply ok = call("oprc/orders/0/objects/o1/batch-set", batch.setExpectedObjectVersion(v.getObjectVersion())
        .build().toByteArray());
    assertThat(EmptyResponse.parseFrom(ok.payload())).isEqualTo(EmptyResponse.getDefaultInstance());
    assertThat(node.data().getValue(SingleKeyRequest.newBuilder().setClsId("orders").setObjectId("o1")
        .setKey("status").build()).getValue()).isEqualTo(val("paid"));

    setObj(0, "o2", ObjData.newBuilder().putEntries("k", val("v")));
    List<PyReply> list = py.getLikeObjectProxy("oprc/orders/0/objects/list-objects", ListObjectsRequest.newBuilder()
        .setClsId("orders").setPartitionId(0).setObjectIdPrefix("o").setLimit(100).build().toByteArray(), TIMEOUT_MS);
    assertThat(list).extracting(r -> ObjectMetaEnvelope.parseFrom(r.payload()))
        .extracting(ObjectMetaEnvelope::getObjectId, ObjectMetaEnvelope::getEntryCount)
        .contains(org.assertj.core.groups.Tuple.tuple("o1", 1L), org.assertj.core.groups.Tuple.tuple("o2", 1L));
  }

  @Test
  void putAndDeleteSamples_upsertAndDelete() throws Exception {
    py.put("oprc/orders/1/objects/s1", ObjData.newBuilder().setMetadata(meta(1, "s1")).putEntries("k", val("v"))
        .build().toByteArray(), null, null);
    SingleObjectRequest get = SingleObjectRequest.newBuilder().setClsId("orders").setPartitionId(1)
        .setObjectId("s1").build();
    await(() -> exists(get), "the PUT sample's object");
    assertThat(node.data().get(get).getObj().getEntriesMap()).containsEntry("k", val("v"));
    py.delete("oprc/orders/1/objects/s1"); // ObjectProxy.del_obj
    await(() -> !exists(get), "the DELETE sample to remove the object");
  }

  /** The gateway's order: a sample, then at once a get from the same session, through the router. */
  @Test
  void getRightAfterADeleteOrPutSampleFromOneSession_neverSeesTheOlderState() throws Exception {
    for (int i = 0; i < 1000; i++) {
      String oid = "ord" + (i % 5);
      String key = "oprc/orders/" + (i % 2) + "/objects/" + oid;
      py.put(key, ObjData.newBuilder().setMetadata(meta(i % 2, oid)).putEntries("v", val("v" + i)).build()
          .toByteArray(), null, null);
      PyReply afterPut = call(key, null);
      assertThat(afterPut.ok()).as("round %d: GET after PUT", i).isTrue();
      assertThat(ObjData.parseFrom(afterPut.payload()).getEntriesMap()).as("round %d", i).containsEntry("v",
          val("v" + i));
      py.delete(key); // ObjectProxy.del_obj, as the gateway's DELETE
      assertThat(call(key, null).payloadAsString()).as("round %d: GET after DELETE", i).isEqualTo("object not found");
    }
  }

  private static boolean exists(SingleObjectRequest get) {
    try {
      node.data().get(get);
      return true;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        throw e;
      }
      return false;
    }
  }

  @Test
  void syncInvocations_replyInvocationResponsesWithUpstreamStatuses() throws Exception {
    // ObjectProxy.invoke_fn leaves partition_id at 0 in the payload; the key's partition is used
    InvocationRequest fn = InvocationRequest.newBuilder().setClsId("orders").setFnId("echo")
        .setPayload(ByteString.copyFromUtf8("ping")).build();
    PyReply echo = call("oprc/orders/1/invokes/echo", fn.toByteArray());
    assertThat(echo.key()).isEqualTo("oprc/orders/1/invokes/echo");
    InvocationResponse r = InvocationResponse.parseFrom(echo.payload());
    assertThat(r.getStatus()).isEqualTo(ResponseStatus.OKAY);
    assertThat(r.getPayload().toStringUtf8()).isEqualTo("ping");
    setObj(0, "inv1", ObjData.newBuilder());
    ObjectInvocationRequest obj = ObjectInvocationRequest.newBuilder().setClsId("orders").setPartitionId(0)
        .setObjectId("inv1").setFnId("fail").build();
    assertThat(InvocationResponse.parseFrom(call("oprc/orders/0/objects/inv1/invokes/fail", obj.toByteArray())
        .payload()).getStatus()).isEqualTo(ResponseStatus.APP_ERROR);
    assertThat(InvocationResponse.parseFrom(call("oprc/orders/0/objects/inv1/invokes/echo",
        new byte[] {(byte) 0xff, 0x7f}).payload()).getStatus()).isEqualTo(ResponseStatus.INVALID_REQUEST);
    PyReply unknown = call("oprc/orders/9/invokes/echo", fn.toByteArray());
    assertThat(unknown.ok()).isFalse();
    assertThat(unknown.payloadAsString()).contains("partition 9");
    assertThat(py.getLikeObjectProxy("oprc/orders/0/invokes/nohost", fn.toByteArray(), TIMEOUT_MS))
        .as("a function the node does not host: no queryable, no reply").isEmpty();
  }

  @Test
  void capabilitiesAndLiveliness_matchUpstream() throws Exception {
    String caps = call("oprc/orders/1/shards/1/capabilities", null).payloadAsString();
    assertThat(caps).startsWith("{\"class\":\"orders\",\"partition\":1,\"shard_id\":1,\"event_pipeline_v2\":true,"
        + "\"storage_backend\":\"memory\",\"odgm_version\":").contains("\"features\":{\"granular_storage\":true,");
    assertThat(call("oprc/orders/1/shards/0/capabilities", null).payloadAsString())
        .isEqualTo("{\"error\":\"not_found\"}");
    // oprc-cli capabilities-zenoh's default key: one reply per shard, each on its concrete key
    assertThat(py.getLikeObjectProxy("oprc/orders/*/shards/*/capabilities", null, TIMEOUT_MS))
        .extracting(PyReply::key)
        .containsExactlyInAnyOrder("oprc/orders/0/shards/0/capabilities", "oprc/orders/1/shards/1/capabilities");
    assertThat(py.livelinessGet("oprc/orders/*/liveliness/*", 2000))
        .containsExactlyInAnyOrder("oprc/orders/0/liveliness/0", "oprc/orders/1/liveliness/1");
  }

  @Test
  void gatewayFlow_syncInvokeWritesAnEntryWhoseTriggerRunsASecondFunction() throws Exception {
    TriggerTarget echo = TriggerTarget.newBuilder().setClsId("orders").setPartitionId(0).setFnId("echo").build();
    setObj(0, "g1", ObjData.newBuilder().setEvent(ObjectEvent.newBuilder().putDataTrigger("status",
        DataTrigger.newBuilder().addOnCreate(echo).build())));
    ObjectInvocationRequest req = ObjectInvocationRequest.newBuilder().setClsId("orders").setPartitionId(0)
        .setObjectId("g1").setFnId("write").setPayload(ByteString.copyFromUtf8("shipped")).build();
    InvocationResponse first = InvocationResponse.parseFrom(call("oprc/orders/0/objects/g1/invokes/write",
        req.toByteArray()).payload());
    assertThat(first.getStatus()).isEqualTo(ResponseStatus.OKAY);
    assertThat(first.getPayload().toStringUtf8()).isEqualTo("wrote shipped");
    // the second function's (echo's) result, published by the node's async receiver
    List<ReceivedSample> results = router.awaitSamples(1,
        s -> s.key().startsWith("oprc/orders/0/results/echo/async/"), Duration.ofSeconds(10));
    assertThat(results).as("echo's result").hasSize(1);
    InvocationResponse second = InvocationResponse.parseFrom(results.get(0).payload());
    assertThat(second.getStatus()).isEqualTo(ResponseStatus.OKAY);
    assertThat(second.getPayload().toStringUtf8()).contains("\"source_object_id\":\"g1\"", "\"event_type\":3",
        "\"key\":\"status\"");
  }

  @Test
  void badInput_getsErrRepliesAndRateLimitedWarnings() throws Exception {
    long before = warnings();
    for (int i = 0; i < 20; i++) {
      assertThat(call("oprc/orders/0/objects/bad" + i + "/set", new byte[] {(byte) 0xff}).payloadAsString())
          .startsWith("failed to decode payload");
    }
    assertThat(call("oprc/orders/0/objects/Bad%25Id", null).payloadAsString()).contains("object_id");
    assertThat(call("oprc/orders/x/objects/o1", null).payloadAsString()).contains("invalid partition 'x'");
    py.put("oprc/orders/0/objects/junk", new byte[] {(byte) 0xff}, null, null); // no reply possible: counted
    setObj(1, "alive", ObjData.newBuilder());
    assertThat(call("oprc/orders/1/objects/alive", null).ok()).as("still serving").isTrue();
    // 23 bad requests in well under 20 s: at most one warning per 10 s
    assertThat(warnings() - before).as("warnings:\n%s", node.output()).isLessThanOrEqualTo(2);
  }

  private static long warnings() {
    return node.output().lines().filter(l -> l.contains("WARN") && l.contains("ZenohObjectApi")).count();
  }

  @Test
  void grpcInvoke_onANodeWithoutTheCollection_isProxiedOverZenoh() throws Exception {
    CreateCollectionRequest other = CreateCollectionRequest.newBuilder().setName("other").setPartitionCount(1).build();
    try (TestNode gateway = TestNode.start(router, Map.of("ODGM_STORAGE", "memory"), List.of(other), Map.of())) {
      InvocationResponse r = gateway.functions().invokeObj(ObjectInvocationRequest.newBuilder().setClsId("orders")
          .setPartitionId(1).setObjectId("p1").setFnId("echo").setPayload(ByteString.copyFromUtf8("via-b")).build());
      assertThat(r.getStatus()).isEqualTo(ResponseStatus.OKAY);
      assertThat(r.getPayload().toStringUtf8()).isEqualTo("via-b");
      InvocationResponse fn = gateway.functions().invokeFn(InvocationRequest.newBuilder().setClsId("orders")
          .setPartitionId(0).setFnId("fail").build());
      assertThat(fn.getStatus()).isEqualTo(ResponseStatus.APP_ERROR);
      assertThatThrownBy(() -> gateway.functions().invokeFn(InvocationRequest.newBuilder().setClsId("nobody")
          .setFnId("f").build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(e.getStatus().getDescription()).contains("function 'f'", "collection 'nobody'");
          });
    }
  }
}
