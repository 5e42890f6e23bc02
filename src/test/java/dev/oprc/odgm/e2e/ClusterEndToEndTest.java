package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.cluster.Forwarder;
import dev.oprc.odgm.cluster.Membership;
import dev.oprc.odgm.cluster.PartitionOwnership;
import dev.oprc.odgm.node.FunctionCall;
import dev.oprc.odgm.node.FunctionHandler;
import dev.oprc.odgm.proto.CapabilitiesRequest;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.InvocationRoute;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.OprcFunctionGrpc;
import dev.oprc.odgm.proto.PartitionInfo;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.SingleObjectRequest;
import dev.oprc.odgm.proto.StatsRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.ConsolidationMode;
import dev.oprc.zenoh.GetOptions;
import dev.oprc.zenoh.Reply;
import dev.oprc.zenoh.Session;
import dev.oprc.zenoh.Zenoh;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two basic nodes of one cluster (ODGM_MEMBERS) in this JVM over a real Zenoh router: each
 * partition has one owner; requests for the other node's partitions are forwarded; triggers and
 * async invocations run once, on the owner of their partition.
 */
class ClusterEndToEndTest {
  private static final int PARTITIONS = 8;
  private static ZenohRouterProcess router;
  private TestNode a;
  private TestNode b;
  private PartitionOwnership ownership;
  private final Map<Long, List<FunctionCall>> runs = Map.of(1L, new CopyOnWriteArrayList<>(), 2L,
      new CopyOnWriteArrayList<>());
  private String coll;

  @BeforeAll
  static void startRouter() throws Exception {
    router = ZenohRouterProcess.start("oprc/**");
  }

  @AfterAll
  static void stopRouter() throws Exception {
    router.close();
  }

  @BeforeEach
  void startNodes() throws Exception {
    int g1 = ZenohRouterProcess.freePort();
    int g2 = ZenohRouterProcess.freePort();
    String members = "1=127.0.0.1:" + ZenohRouterProcess.freePort() + ":" + g1 + ",2=127.0.0.1:"
        + ZenohRouterProcess.freePort() + ":" + g2;
    CreateCollectionRequest c;
    do { // a fresh name per test (no cross-talk on one router) whose partitions both nodes own some of
      coll = "orders_" + UUID.randomUUID().toString().substring(0, 8);
      c = CreateCollectionRequest.newBuilder().setName(coll).setPartitionCount(PARTITIONS)
          .setShardType("basic").setInvocations(InvocationRoute.newBuilder()
              .putFnRoutes("count", FuncInvokeRoute.newBuilder().setUrl("local:count").build())
              .putFnRoutes("slow", FuncInvokeRoute.newBuilder().setUrl("local:slow").build()))
          .build();
      ownership = PartitionOwnership.of(List.of(c), Membership.parse(members, 1, null));
    } while (partitionsOf(1).isEmpty() || partitionsOf(2).isEmpty());
    a = TestNode.start(router, Map.of("ODGM_NODE_ID", "1", "ODGM_MEMBERS", members, "ODGM_HTTP_PORT",
        Integer.toString(g1)), List.of(c), handlers(1));
    b = TestNode.start(router, Map.of("ODGM_NODE_ID", "2", "ODGM_MEMBERS", members, "ODGM_HTTP_PORT",
        Integer.toString(g2)), List.of(c), handlers(2));
  }

  private Map<String, FunctionHandler> handlers(long node) {
    FunctionHandler count = call -> {
      runs.get(node).add(call);
      return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).build();
    };
    FunctionHandler slow = call -> {
      try {
        Thread.sleep(10_000); // far past any caller's deadline in these tests
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).build();
    };
    return Map.of("count", count, "slow", slow);
  }

  @AfterEach
  void stopNodes() throws Exception {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
  }

  private List<Integer> partitionsOf(long node) {
    List<Integer> out = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      if (ownership.owner(coll, p).getAsLong() == node) {
        out.add(p);
      }
    }
    return out;
  }

  private void set(TestNode via, int partition, String oid, ObjectEvent ev) {
    ObjData.Builder o = ObjData.newBuilder().putEntries("k", OdgmEndToEndTest.val("v-" + oid));
    if (ev != null) {
      o.setEvent(ev);
    }
    via.data().set(SetObjectRequest.newBuilder().setClsId(coll).setPartitionId(partition).setObjectId(oid)
        .setObject(o).build());
  }

  private ObjData get(TestNode via, int partition, String oid) {
    return via.data().get(SingleObjectRequest.newBuilder().setClsId(coll).setPartitionId(partition)
        .setObjectId(oid).build()).getObj();
  }

  @Test
  void aWriteForAPartitionOwnedByTheOtherNodeIsForwardedAndReadableThroughBoth() {
    int p = partitionsOf(2).get(0);
    set(a, p, "fwd", null);
    assertThat(get(a, p, "fwd").getEntriesMap().get("k").getData().toStringUtf8()).isEqualTo("v-fwd");
    assertThat(get(b, p, "fwd").getEntriesMap().get("k").getData().toStringUtf8()).isEqualTo("v-fwd");
    // one copy, on the owner
    assertThat(b.data().stats(StatsRequest.getDefaultInstance()).getShardsList())
        .anySatisfy(s -> assertThat(s.getPartitionId() == p && s.getCount() == 1).isTrue());
    assertThat(a.data().stats(StatsRequest.getDefaultInstance()).getShardsList())
        .noneSatisfy(s -> assertThat(s.getPartitionId()).isEqualTo(p));
  }

  @Test
  void aForwardedListingStreamsEveryItemFromTheOwner() {
    int p = partitionsOf(2).get(0);
    for (int i = 0; i < 5; i++) {
      set(a, p, "list-" + i, null);
    }
    List<String> ids = new ArrayList<>();
    a.data().listObjects(dev.oprc.odgm.proto.ListObjectsRequest.newBuilder().setClsId(coll).setPartitionId(p)
        .setLimit(100).build()).forEachRemaining(e -> ids.add(e.getObjectId()));
    assertThat(ids).containsExactly("list-0", "list-1", "list-2", "list-3", "list-4");
  }

  @Test
  void eachTriggerRunsOnceOnTheOwnerOfItsTargetPartition() throws Exception {
    for (int i = 0; i < 10; i++) {
      int p = i % PARTITIONS;
      TriggerTarget t = TriggerTarget.newBuilder().setClsId(coll).setPartitionId(p).setFnId("count").build();
      set(a, p, "t" + i, ObjectEvent.newBuilder().putDataTrigger("k", DataTrigger.newBuilder().addOnCreate(t).build())
          .build());
    }
    await(() -> runs.get(1L).size() + runs.get(2L).size() >= 10, "10 trigger executions");
    quiesce();
    List<FunctionCall> all = new ArrayList<>();
    for (long n : new long[] {1, 2}) {
      List<FunctionCall> triggered = withoutMarkers(n);
      assertThat(triggered).allSatisfy(c -> assertThat(ownership.owner(coll, c.partitionId())).hasValue(n));
      all.addAll(triggered);
    }
    assertThat(all).hasSize(10);
    assertThat(all.stream().map(FunctionCall::invocationId).distinct()).hasSize(10);
  }

  @Test
  void anAsyncInvocationForAPartitionRunsOnlyOnItsOwner() throws Exception {
    for (int p = 0; p < PARTITIONS; p++) {
      router.put("oprc/" + coll + "/" + p + "/async/count/inv-" + p, invocation(), null, null);
    }
    await(() -> runs.get(1L).size() + runs.get(2L).size() >= PARTITIONS, PARTITIONS + " async invocations");
    quiesce();
    for (long n : new long[] {1, 2}) {
      assertThat(withoutMarkers(n)).extracting(FunctionCall::invocationId)
          .containsExactlyInAnyOrderElementsOf(partitionsOf(n).stream().map(p -> "inv-" + p).toList());
    }
  }

  @Test
  void aForwardedCallThatLandsOnANonOwnerIsRefusedNotForwardedAgain() {
    int p = partitionsOf(2).get(0);
    Metadata md = new Metadata();
    md.put(Metadata.Key.of(Forwarder.FORWARDED_BY, Metadata.ASCII_STRING_MARSHALLER), "2");
    assertThatThrownBy(() -> a.data().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .get(SingleObjectRequest.newBuilder().setClsId(coll).setPartitionId(p).setObjectId("x").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("partition " + p + " of collection '" + coll + "'",
              "retry");
        });
  }

  @Test
  void aCallForAPartitionWhoseOwnerIsDownIsUnavailableNamingTheOwner() throws Exception {
    int p = partitionsOf(2).get(0);
    b.close();
    b = null;
    assertThatThrownBy(() -> get(a, p, "x")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      // a read: UNAVAILABLE whether or not the request got out before the owner's connection went
      assertThat(e.getStatus().getDescription()).contains("node 2, the owner of this partition", "retry");
    });
  }

  @Test
  void aForwardedCallKeepsTheCallersDeadline() {
    int p = partitionsOf(2).get(0);
    long start = System.nanoTime();
    assertThatThrownBy(() -> OprcFunctionGrpc.newBlockingStub(a.channel).withDeadlineAfter(400, TimeUnit.MILLISECONDS)
        .invokeFn(InvocationRequest.newBuilder().setClsId(coll).setPartitionId(p).setFnId("slow").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    // a forward that ignored the deadline would wait for the function's 10 s
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(6_000);
  }

  @Test
  void aSyncInvocationForTheOtherNodesPartitionRunsThere() {
    int p = partitionsOf(2).get(0);
    InvocationResponse r = a.functions().invokeFn(InvocationRequest.newBuilder().setClsId(coll).setPartitionId(p)
        .setFnId("count").build());
    assertThat(r.getStatus()).isEqualTo(ResponseStatus.OKAY);
    assertThat(runs.get(2L)).hasSize(1);
    assertThat(runs.get(1L)).isEmpty();
  }

  /** oprc-cli capabilities-zenoh's default key: each partition's owner answers for it, once. */
  @Test
  void wildcardCapabilitiesQuery_getsOneReplyPerPartitionFromItsOwner() throws Exception {
    List<String> expected = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      expected.add("oprc/" + coll + "/" + p);
    }
    try (Session client = Zenoh.open(Config.client(router.endpoint()))) {
      List<String> prefixes = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      do { // both nodes' queryables reach the router's routing table at their own pace
        prefixes.clear();
        for (Reply r : client.get("oprc/" + coll + "/*/shards/*/capabilities",
            GetOptions.DEFAULT.withConsolidation(ConsolidationMode.NONE).withTimeout(Duration.ofSeconds(5)))
            .collect(Duration.ofSeconds(10))) {
          assertThat(r.isOk()).as("reply %s", r).isTrue();
          String key = r.keyExpr().toString();
          assertThat(key).endsWith("/capabilities");
          prefixes.add(key.substring(0, key.indexOf("/shards/")));
        }
      } while (prefixes.size() < PARTITIONS && System.nanoTime() < deadline);
      assertThat(prefixes).containsExactlyInAnyOrderElementsOf(expected);
    }
  }

  @Test
  void capabilitiesNameEveryPartitionItsRoleAndItsOwner() {
    List<PartitionInfo> parts = a.data().capabilities(CapabilitiesRequest.getDefaultInstance()).getPartitionsList();
    assertThat(parts).hasSize(PARTITIONS);
    for (PartitionInfo pi : parts) {
      long owner = ownership.owner(coll, pi.getPartitionId()).getAsLong();
      assertThat(pi.getLeaderNodeId()).isEqualTo(owner);
      assertThat(pi.getRole()).isEqualTo(owner == 1 ? "owner" : "none");
      assertThat(pi.getHeld()).isEqualTo(owner == 1);
      assertThat(pi.getShardType()).isEqualTo("basic");
    }
    assertThat(b.data().stats(StatsRequest.getDefaultInstance()).getShardsList())
        .extracting(s -> s.getPartitionId()).containsExactlyInAnyOrderElementsOf(partitionsOf(2));
  }

  /**
   * Sends each node a marker invocation on a partition it owns, through the router after
   * everything else, and waits until both ran: by then the router has delivered every earlier
   * invocation to each node (one ordered link per node), so a duplicate would have run.
   */
  private void quiesce() throws Exception {
    for (long n : new long[] {1, 2}) {
      router.put("oprc/" + coll + "/" + partitionsOf(n).get(0) + "/async/count/marker-" + n, invocation(), null, null);
    }
    await(() -> runs.get(1L).stream().anyMatch(c -> c.invocationId().equals("marker-1"))
        && runs.get(2L).stream().anyMatch(c -> c.invocationId().equals("marker-2")), "both markers");
  }

  private List<FunctionCall> withoutMarkers(long node) {
    List<FunctionCall> out = new ArrayList<>(runs.get(node));
    out.removeIf(c -> c.invocationId().startsWith("marker-"));
    return out;
  }

  private byte[] invocation() {
    return InvocationRequest.newBuilder().setClsId(coll).setFnId("count").build().toByteArray();
  }

  private static void await(BooleanSupplier cond, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 15_000;
    while (!cond.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
