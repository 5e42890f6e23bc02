package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.node.FunctionCall;
import dev.oprc.odgm.node.FunctionHandler;
import dev.oprc.odgm.proto.CapabilitiesRequest;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.InvocationRoute;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.PartitionInfo;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.SingleObjectRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three nodes of one cluster in this JVM with a raft collection (replica_count 3) over a real
 * router: any node takes writes (forwarded to the partition's leader), every node reads them, one
 * node leads each partition, triggers run once, and after the leader closes a survivor leads.
 */
class ClusterRaftEndToEndTest {
  private static final String COLL = "ledger";
  private static final int PARTITIONS = 2;
  private static ZenohRouterProcess router;
  private final List<TestNode> nodes = new ArrayList<>();
  private final List<FunctionCall> runs = new CopyOnWriteArrayList<>();

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
    int[] grpc = new int[3];
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      grpc[i] = ZenohRouterProcess.freePort();
      members.append(i == 0 ? "" : ",").append(i + 1).append("=127.0.0.1:").append(ZenohRouterProcess.freePort())
          .append(':').append(grpc[i]);
    }
    CreateCollectionRequest c = CreateCollectionRequest.newBuilder().setName(COLL).setPartitionCount(PARTITIONS)
        .setReplicaCount(3).setShardType("raft").setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("count", FuncInvokeRoute.newBuilder().setUrl("local:count").build())).build();
    FunctionHandler count = call -> {
      runs.add(call);
      return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).build();
    };
    for (int i = 0; i < 3; i++) {
      Map<String, String> env = new HashMap<>();
      env.put("ODGM_NODE_ID", Integer.toString(i + 1));
      env.put("ODGM_MEMBERS", members.toString());
      env.put("ODGM_HTTP_PORT", Integer.toString(grpc[i]));
      env.put("ODGM_RAFT_ELECTION_TIMEOUT_MS", "400");
      // leadership stays where it was won: a move to a preferred leader mid-test would undeclare keys
      env.put("ODGM_RAFT_LEADER_SPREAD", "false");
      nodes.add(TestNode.start(router, env, List.of(c), Map.of("count", count)));
    }
  }

  @AfterEach
  void stopNodes() throws Exception {
    for (TestNode n : nodes) {
      n.close();
    }
  }

  @Test
  void aWriteThroughAnyNodeIsReadableThroughEveryNode() throws Exception {
    for (int i = 0; i < 3; i++) {
      TestNode via = nodes.get(i);
      String oid = "w" + i;
      int p = i % PARTITIONS;
      retrying(() -> via.data().set(set(p, oid, null)));
    }
    for (TestNode n : nodes) {
      for (int i = 0; i < 3; i++) {
        String oid = "w" + i;
        int p = i % PARTITIONS;
        assertThat(retrying(() -> n.data().get(SingleObjectRequest.newBuilder().setClsId(COLL).setPartitionId(p)
            .setObjectId(oid).build())).getObj().getEntriesMap()).containsKey("k");
      }
    }
  }

  @Test
  void everyNodeAgreesOnOneLeaderPerPartition() throws Exception {
    retrying(() -> nodes.get(0).data().set(set(0, "x", null)));
    retrying(() -> nodes.get(0).data().set(set(1, "x", null)));
    for (int p = 0; p < PARTITIONS; p++) {
      List<String> roles = new ArrayList<>();
      List<Long> leaders = new ArrayList<>();
      for (TestNode n : nodes) {
        PartitionInfo pi = n.data().capabilities(CapabilitiesRequest.getDefaultInstance()).getPartitions(p);
        roles.add(pi.getRole());
        leaders.add(pi.getLeaderNodeId());
        assertThat(pi.getHeld()).isTrue();
        assertThat(pi.getShardType()).isEqualTo("raft");
      }
      assertThat(roles).containsOnlyOnce("leader").containsOnly("leader", "follower");
      assertThat(leaders).containsOnly(leaders.get(0));
    }
  }

  @Test
  void aTriggerRunsOnceOnTheLeaderOfItsPartition() throws Exception {
    // trigger PUTs are not retried: first partition 1's leader must run what reaches its keys
    awaitRun("probe-", 1);
    TriggerTarget t = TriggerTarget.newBuilder().setClsId(COLL).setPartitionId(1).setFnId("count").build();
    retrying(() -> nodes.get(2).data().set(set(0, "trig", ObjectEvent.newBuilder().putDataTrigger("k",
        DataTrigger.newBuilder().addOnCreate(t).build()).build())));
    long deadline = System.currentTimeMillis() + 60_000;
    while (notProbes().isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    // a marker on the same partition after the trigger ran: a second copy would have arrived before it
    awaitRun("marker-", 1);
    assertThat(notProbes()).extracting(FunctionCall::invocationId).as("the trigger ran once")
        .filteredOn(id -> !id.startsWith("marker-")).hasSize(1);
    long leader = nodes.get(0).data().capabilities(CapabilitiesRequest.getDefaultInstance()).getPartitions(1)
        .getLeaderNodeId();
    assertThat(notProbes()).allSatisfy(c -> assertThat(c.node().config().nodeId()).isEqualTo(leader));
  }

  private List<FunctionCall> notProbes() {
    return runs.stream().filter(c -> !c.invocationId().startsWith("probe-")).toList();
  }

  /** Puts {@code <prefix><n>} invocations on {@code partition} until one has run (up to 60 s). */
  private void awaitRun(String prefix, int partition) throws InterruptedException {
    byte[] call = dev.oprc.odgm.proto.InvocationRequest.newBuilder().setClsId(COLL).setFnId("count").build()
        .toByteArray();
    long deadline = System.currentTimeMillis() + 60_000;
    for (int attempt = 0; runs.stream().noneMatch(c -> c.invocationId().startsWith(prefix)); attempt++) {
      assertThat(System.currentTimeMillis()).as("an invocation %s* runs within 60 s", prefix).isLessThan(deadline);
      router.put("oprc/" + COLL + "/" + partition + "/async/count/" + prefix + attempt, call, null, null);
      long until = System.currentTimeMillis() + 500;
      while (runs.stream().noneMatch(c -> c.invocationId().startsWith(prefix)) && System.currentTimeMillis() < until) {
        Thread.sleep(20);
      }
    }
  }

  @Test
  void afterTheLeaderStopsASurvivorLeadsAndEarlierWritesSurvive() throws Exception {
    retrying(() -> nodes.get(0).data().set(set(0, "before", null)));
    long leader = nodes.get(0).data().capabilities(CapabilitiesRequest.getDefaultInstance()).getPartitions(0)
        .getLeaderNodeId();
    TestNode gone = nodes.remove((int) leader - 1);
    gone.close();
    TestNode survivor = nodes.get(0);
    long start = System.nanoTime();
    retrying(() -> survivor.data().set(set(0, "after", null)));
    long failoverMs = (System.nanoTime() - start) / 1_000_000;
    System.out.println("in-process raft failover: first write through a survivor acknowledged " + failoverMs
        + " ms after the leader closed (election timeout 400 ms)");
    // the new leader declared the partition's async keys when it became ready
    router.put("oprc/" + COLL + "/0/async/count/after-failover", dev.oprc.odgm.proto.InvocationRequest.newBuilder()
        .setClsId(COLL).setFnId("count").build().toByteArray(), null, null);
    long newLeader = survivor.data().capabilities(CapabilitiesRequest.getDefaultInstance()).getPartitions(0)
        .getLeaderNodeId();
    long deadline = System.currentTimeMillis() + 15_000;
    while (runs.stream().noneMatch(c -> c.invocationId().equals("after-failover"))
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(runs).filteredOn(c -> c.invocationId().equals("after-failover"))
        .singleElement().satisfies(c -> assertThat(c.node().config().nodeId()).isEqualTo(newLeader));
    for (TestNode n : nodes) {
      for (String oid : new String[] {"before", "after"}) {
        assertThat(retrying(() -> n.data().get(SingleObjectRequest.newBuilder().setClsId(COLL).setPartitionId(0)
            .setObjectId(oid).build())).getObj().getEntriesMap()).containsKey("k");
      }
    }
  }

  private static SetObjectRequest set(int partition, String oid, ObjectEvent ev) {
    ObjData.Builder o = ObjData.newBuilder().putEntries("k", OdgmEndToEndTest.val("v"));
    if (ev != null) {
      o.setEvent(ev);
    }
    return SetObjectRequest.newBuilder().setClsId(COLL).setPartitionId(partition).setObjectId(oid).setObject(o).build();
  }

  /** Calls {@code op} until it stops failing UNAVAILABLE (an election in progress), for up to 15 s. */
  private static <T> T retrying(Supplier<T> op) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 15_000;
    while (true) {
      try {
        return op.get();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || System.currentTimeMillis() > deadline) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }
}
