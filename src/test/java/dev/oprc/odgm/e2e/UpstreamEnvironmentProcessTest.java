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
import dev.oprc.odgm.proto.SingleObjectRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.zenoh.testing.PythonZenohProcess;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three nodes started with the environment of upstream's {@code docker-compose.dev.yml}
 * ({@code ODGM_MEMBERS="1,2,3"}, {@code ODGM_LOG}, {@code OPRC_ZENOH_BUFFER_SIZE=16777216},
 * {@code ODGM_MAX_SESSIONS}, its {@code example.record} collection with {@code shard_type: mst}),
 * ports, data directories and function URLs aside: they find each other over Zenoh, serve each
 * other's partitions, fire each data trigger once, and keep serving when a node is killed; first
 * as clients of a router, then as Zenoh peers with no router (upstream's default mode).
 */
class UpstreamEnvironmentProcessTest {
  private static final String COLL = "example.record";
  /** The compose file's collection, its function URLs replaced by the node's built-in handlers. */
  private static final String COLLECTION = "[{\"name\":\"example.record\",\"partition_count\":1,\"replica_count\":3,"
      + "\"shard_assignments\":[], \"shard_type\":\"mst\",\"invocations\": {\"fn_routes\": {"
      + "\"echo\": {\"url\":\"local:echo\", \"stateless\": true, \"standby\": false, \"active_group\": []},"
      + "\"random\": {\"url\":\"local:echo\", \"stateless\": false, \"standby\": false, \"active_group\": []},"
      + "\"log\": {\"url\":\"local:log\", \"stateless\": false, \"standby\": false, \"active_group\": []},"
      + "\"log2\": {\"url\":\"local:log\", \"stateless\": false, \"standby\": false, \"active_group\": []}"
      + "}},\"options\":{}}]";
  private static final String RESULTS = "/results/echo/async/";
  private static ZenohRouterProcess router;
  /** Where the test puts probes and sees results: the router, or a Python peer linked to every node. */
  private static PythonZenohProcess bus;

  @BeforeAll
  static void startRouter() throws Exception {
    router = ZenohRouterProcess.start("oprc/**");
  }

  @AfterAll
  static void stopRouter() throws Exception {
    router.close();
  }

  private static Map<String, String> upstreamEnv(int id) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("OPRC_ZENOH_PEERS", router.endpoint());
    env.put("OPRC_ZENOH_BUFFER_SIZE", "16777216");
    env.put("ODGM_LOG", "info,openraft=info,zenoh=info,h2=warn,oprc_odgm=debug");
    env.put("ODGM_NODE_ID", Integer.toString(id));
    env.put("ODGM_MAX_SESSIONS", "4");
    env.put("ODGM_MEMBERS", "1,2,3");
    env.put("ODGM_COLLECTION", COLLECTION);
    // aside: each container of the compose file has its own ports and file system
    env.put("ODGM_RAFT_PORT", Integer.toString(ZenohRouterProcess.freePort()));
    env.put("ODGM_DATA_DIR", Files.createTempDirectory("odgm-upstream-" + id + "-").toString());
    return env;
  }

  /**
   * Upstream's environment in peer mode (its default) with no router: each node listens on its
   * {@code OPRC_ZENOH_PORT} and names the nodes started before it in {@code OPRC_ZENOH_PEERS}.
   */
  private static Map<String, String> peerEnv(int id, int[] zenohPorts) throws Exception {
    Map<String, String> env = upstreamEnv(id);
    env.put("OPRC_ZENOH_MODE", "peer");
    env.put("OPRC_ZENOH_PORT", Integer.toString(zenohPorts[id - 1]));
    List<String> earlier = new ArrayList<>();
    for (int j = 1; j < id; j++) {
      earlier.add("tcp/127.0.0.1:" + zenohPorts[j - 1]);
    }
    env.put("OPRC_ZENOH_PEERS", String.join(",", earlier));
    return env;
  }

  @Test
  void threeNodesWithUpstreamsComposeEnvironmentServeReplicateTriggersOnceAndSurviveAKill() throws Exception {
    bus = router;
    List<Map<String, String>> envs = new ArrayList<>();
    for (int id = 1; id <= 3; id++) {
      envs.add(upstreamEnv(id));
    }
    servesTriggersOnceAndSurvivesAKill(envs, null);
  }

  @Test
  void threeNodesInPeerModeWithNoRouterServeTriggerOnceAndSurviveAKill() throws Exception {
    int[] ports = {ZenohRouterProcess.freePort(), ZenohRouterProcess.freePort(), ZenohRouterProcess.freePort()};
    List<Map<String, String>> envs = new ArrayList<>();
    for (int id = 1; id <= 3; id++) {
      Map<String, String> env = peerEnv(id, ports);
      env.put("ODGM_CLUSTER_ID", "peers"); // apart from any advert left on the router by the other test
      envs.add(env);
    }
    servesTriggersOnceAndSurvivesAKill(envs, ports);
  }

  /**
   * Starts three nodes with {@code envs}, then: a write through each node is read through the
   * next, each write's trigger runs once, and after a node (not the partition's owner) is killed
   * the other two still take writes. With {@code peerPorts} the test's own view is a Python peer
   * linked to every node; else the router.
   */
  private static void servesTriggersOnceAndSurvivesAKill(List<Map<String, String>> envs, int[] peerPorts)
      throws Exception {
    List<NodeProcess> nodes = new ArrayList<>();
    PythonZenohProcess peer = null;
    try {
      for (Map<String, String> env : envs) { // all launched before any can serve: each waits for the others
        nodes.add(NodeProcess.launch("dev.oprc.odgm.node.OdgmNode", ZenohRouterProcess.freePort(), env));
      }
      for (NodeProcess n : nodes) {
        n.awaitServing(Duration.ofSeconds(90));
      }
      if (peerPorts != null) {
        List<String> all = new ArrayList<>();
        for (int p : peerPorts) {
          all.add("tcp/127.0.0.1:" + p);
        }
        peer = PythonZenohProcess.peer(null, all, 0, "oprc/**");
        bus = peer;
      }
      int owner = (int) ownerOfPartition0();
      awaitRouted("probe-"); // trigger PUTs are not retried: the router must first route partition 0 to its owner
      int writes = 0;
      for (NodeProcess via : nodes) { // a write through each node, read back through the next
        write(via, "o" + writes);
        writes++;
        NodeProcess next = nodes.get(writes % 3);
        assertThat(next.data().get(SingleObjectRequest.newBuilder().setClsId(COLL).setPartitionId(0)
            .setObjectId("o" + (writes - 1)).build()).getObj().getEntriesMap()).containsKey("k");
      }
      awaitResults(writes);
      NodeProcess victim = nodes.get(owner == 1 ? 1 : 0); // not the owner of the one partition (mst runs as basic)
      victim.kill9();
      for (NodeProcess n : nodes) {
        if (n != victim) {
          write(n, "after-kill-" + writes);
          writes++;
        }
      }
      awaitResults(writes);
      awaitRouted("marker-"); // answered after every earlier invocation: no further result is on its way
      // one invocation id per write: each trigger fired under one id, ran once there (a trigger PUT sent
      // again after a link change keeps its id and is answered from the receiver's duplicate cache)
      assertThat(bus.samples().stream().filter(s -> s.key().contains(RESULTS) && !s.key().contains("probe-")
          && !s.key().contains("marker-")).map(s -> s.key()).distinct().count()).as("one invocation per write")
          .isEqualTo(writes);
    } catch (AssertionError e) {
      StringBuilder logs = new StringBuilder();
      nodes.forEach(n -> logs.append("\n--- node log ---\n").append(n.output()));
      throw new AssertionError(e.getMessage() + logs, e);
    } finally {
      nodes.forEach(NodeProcess::close);
      if (peer != null) {
        peer.close();
      }
    }
  }

  @Test
  void aMemberWaitsForTheOthersAndSaysSoOnReadyz() throws Exception {
    int metrics = ZenohRouterProcess.freePort();
    Map<String, String> env1 = upstreamEnv(1);
    env1.putAll(Map.of("ODGM_MEMBERS", "1,2", "ODGM_CLUSTER_ID", "waiting", "ODGM_METRICS_PORT",
        Integer.toString(metrics)));
    NodeProcess n1 = NodeProcess.launch("dev.oprc.odgm.node.OdgmNode", ZenohRouterProcess.freePort(), env1);
    NodeProcess n2 = null;
    try {
      assertThat(awaitHttp(metrics, "/readyz", 503)).contains("waiting for the members of ODGM_MEMBERS");
      assertThat(awaitHttp(metrics, "/healthz", 200)).contains("ok");
      Map<String, String> env2 = upstreamEnv(2);
      env2.putAll(Map.of("ODGM_MEMBERS", "1,2", "ODGM_CLUSTER_ID", "waiting"));
      n2 = NodeProcess.launch("dev.oprc.odgm.node.OdgmNode", ZenohRouterProcess.freePort(), env2);
      n1.awaitServing(Duration.ofSeconds(90));
      n2.awaitServing(Duration.ofSeconds(90));
      assertThat(awaitHttp(metrics, "/readyz", 200)).contains("ready");
    } finally {
      if (n2 != null) {
        n2.close();
      }
      n1.close();
    }
  }

  /** Polls {@code path} on the metrics port until it answers {@code status}; returns the body. */
  private static String awaitHttp(int port, String path, int status) throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String last = "(no answer)";
    while (System.nanoTime() < deadline) {
      try {
        java.net.http.HttpResponse<String> r = http.send(req, java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == status) {
          return r.body();
        }
        last = r.statusCode() + " " + r.body();
      } catch (java.io.IOException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    throw new AssertionError(path + " did not answer " + status + " within 60 s; last: " + last);
  }

  /** The owner as the nodes compute it (node ids decide, not addresses). */
  private static long ownerOfPartition0() {
    String members = "1=127.0.0.1:1:2,2=127.0.0.1:3:4,3=127.0.0.1:5:6";
    PartitionOwnership o = PartitionOwnership.of(NodeConfig.fromEnv(Map.of("ODGM_COLLECTION", COLLECTION,
        "ODGM_NODE_ID", "1", "ODGM_MEMBERS", members)).collections(), Membership.parse(members, 1, null));
    return o.owner(COLL, 0).getAsLong();
  }

  private static void write(NodeProcess via, String id) {
    TriggerTarget echo = TriggerTarget.newBuilder().setClsId(COLL).setPartitionId(0).setFnId("echo").build();
    via.data().set(SetObjectRequest.newBuilder().setClsId(COLL).setPartitionId(0).setObjectId(id)
        .setObject(ObjData.newBuilder()
            .putEntries("k", ValData.newBuilder().setData(ByteString.copyFromUtf8(id)).build())
            .setEvent(ObjectEvent.newBuilder().putDataTrigger("k", DataTrigger.newBuilder().addOnCreate(echo).build())))
        .build());
  }

  private static void awaitResults(int n) throws Exception {
    bus.awaitSamples(n, s -> s.key().contains(RESULTS) && !s.key().contains("probe-")
        && !s.key().contains("marker-"), Duration.ofSeconds(30));
  }

  /**
   * Puts invocations {@code <prefix><n>} on partition 0 until one is answered: the owner's
   * subscription has reached the router, and everything it received earlier has been run.
   */
  private static void awaitRouted(String prefix) throws Exception {
    byte[] probe = InvocationRequest.newBuilder().setClsId(COLL).setFnId("echo").build().toByteArray();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    for (int attempt = 0; ; attempt++) {
      bus.put("oprc/" + COLL + "/0/async/echo/" + prefix + attempt, probe, null, null);
      long until = System.nanoTime() + Duration.ofMillis(500).toNanos();
      while (System.nanoTime() < until) {
        if (bus.samples().stream().anyMatch(s -> s.key().contains(RESULTS + prefix))) {
          return;
        }
        Thread.sleep(20);
      }
      assertThat(System.nanoTime()).as("the owner of partition 0 answers within 60 s").isLessThan(deadline);
    }
  }
}
