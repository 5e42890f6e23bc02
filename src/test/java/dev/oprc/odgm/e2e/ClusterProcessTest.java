package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.cluster.Membership;
import dev.oprc.odgm.cluster.PartitionOwnership;
import dev.oprc.odgm.node.NodeConfig;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.zenoh.testing.ReceivedSample;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two basic nodes as real processes ({@code OdgmNode.main}, configured only by environment) on
 * one collection and one real router: every trigger runs once (before clustering, each node ran
 * each trigger: 10 PUTs, 20 results).
 */
class ClusterProcessTest {
  private static final String COLL = "clustered";
  private static final int PARTITIONS = 8;
  private static ZenohRouterProcess router;

  @BeforeAll
  static void startRouter() throws Exception {
    router = ZenohRouterProcess.start("oprc/**");
  }

  @AfterAll
  static void stopRouter() throws Exception {
    router.close();
  }

  @Test
  void twoBasicNodesRunEachTriggerOnce() throws Exception {
    int g1 = ZenohRouterProcess.freePort();
    int g2 = ZenohRouterProcess.freePort();
    String members = "1=127.0.0.1:" + ZenohRouterProcess.freePort() + ":" + g1 + ",2=127.0.0.1:"
        + ZenohRouterProcess.freePort() + ":" + g2;
    String collections = "[{\"name\":\"" + COLL + "\",\"partition_count\":" + PARTITIONS + ",\"shard_type\":\"basic\","
        + "\"invocations\":{\"fn_routes\":{\"echo\":{\"url\":\"local:echo\"}}}}]";
    PartitionOwnership ownership = PartitionOwnership.of(NodeConfig.fromEnv(Map.of("ODGM_COLLECTION", collections,
        "ODGM_NODE_ID", "1", "ODGM_MEMBERS", members)).collections(), Membership.parse(members, 1, null));
    NodeProcess n1 = NodeProcess.startOn(g1, env("1", members, collections));
    NodeProcess n2 = null;
    try {
      n2 = NodeProcess.startOn(g2, env("2", members, collections));
      // the trigger PUTs are not retried: first the router must route each node's partitions to it
      awaitRouted(ownership, 1);
      awaitRouted(ownership, 2);
      for (int i = 0; i < 10; i++) {
        int p = i % PARTITIONS;
        TriggerTarget t = TriggerTarget.newBuilder().setClsId(COLL).setPartitionId(p).setFnId("echo").build();
        NodeProcess via = i % 2 == 0 ? n1 : n2;
        via.data().set(SetObjectRequest.newBuilder().setClsId(COLL).setPartitionId(p)
            .setObjectId("o" + i).setObject(ObjData.newBuilder()
                .putEntries("k", ValData.newBuilder().setData(ByteString.copyFromUtf8("v")).build())
                .setEvent(ObjectEvent.newBuilder().putDataTrigger("k", DataTrigger.newBuilder().addOnCreate(t).build())))
            .build());
      }
      String results = "oprc/" + COLL + "/";
      router.awaitSamples(10, s -> s.key().startsWith(results) && s.key().contains("/results/echo/async/")
          && !s.key().contains("probe-"), Duration.ofSeconds(20));
      // markers after everything else, one per node: once both answered, every earlier result is in
      for (long n : new long[] {1, 2}) {
        int p = firstOwnedBy(ownership, n);
        router.put("oprc/" + COLL + "/" + p + "/async/echo/marker-" + n,
            InvocationRequest.newBuilder().setClsId(COLL).setFnId("echo").build().toByteArray(), null, null);
      }
      router.awaitSamples(2, s -> s.key().contains("/results/echo/async/marker-"), Duration.ofSeconds(20));
      List<ReceivedSample> got = router.samples().stream()
          .filter(s -> s.key().startsWith(results) && s.key().contains("/results/echo/async/")
              && !s.key().contains("marker-") && !s.key().contains("probe-")).toList();
      assertThat(got).as("one result per trigger; node logs:\n%s\n%s", n1.output(), n2.output()).hasSize(10);
      assertThat(got.stream().map(ReceivedSample::key).distinct()).hasSize(10);
    } finally {
      if (n2 != null) {
        n2.close();
      }
      n1.close();
    }
  }

  /**
   * Waits until node {@code node} answers an invocation the router puts on one of its partitions:
   * from then on the router routes that node's partitions to it. Probes are repeated (a PUT
   * before the node's subscription reached the router is lost) until one is answered.
   */
  private static void awaitRouted(PartitionOwnership ownership, long node) throws Exception {
    int p = firstOwnedBy(ownership, node);
    byte[] probe = InvocationRequest.newBuilder().setClsId(COLL).setFnId("echo").build().toByteArray();
    String answered = "/results/echo/async/probe-" + node + "-";
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    for (int attempt = 0; !answered(answered, Duration.ofMillis(500)); attempt++) {
      assertThat(System.nanoTime()).as("node %d answers a probe within 30 s", node).isLessThan(deadline);
      router.put("oprc/" + COLL + "/" + p + "/async/echo/probe-" + node + "-" + attempt, probe, null, null);
    }
  }

  /** Polls the router's samples for up to {@code within} until one's key contains {@code keyPart}. */
  private static boolean answered(String keyPart, Duration within) throws InterruptedException {
    long until = System.nanoTime() + within.toNanos();
    while (router.samples().stream().noneMatch(s -> s.key().contains(keyPart))) {
      if (System.nanoTime() > until) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  private static int firstOwnedBy(PartitionOwnership o, long node) {
    for (int p = 0; p < PARTITIONS; p++) {
      if (o.owner(COLL, p).getAsLong() == node) {
        return p;
      }
    }
    throw new AssertionError("node " + node + " owns no partition of " + COLL);
  }

  private static Map<String, String> env(String id, String members, String collections) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("ODGM_NODE_ID", id);
    env.put("ODGM_MEMBERS", members);
    env.put("ODGM_COLLECTION", collections);
    env.put("ODGM_DATA_DIR", Files.createTempDirectory("odgm-cluster-" + id + "-").toString());
    env.put("ODGM_STORAGE_SYNC", "none");
    env.put("OPRC_ZENOH_MODE", "client");
    env.put("OPRC_ZENOH_PEERS", router.endpoint());
    env.put("ODGM_SHUTDOWN_DRAIN_MS", "1000");
    return env;
  }
}
