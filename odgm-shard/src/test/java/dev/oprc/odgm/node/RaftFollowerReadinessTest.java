package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.ops.OpsConfig;
import dev.oprc.odgm.ops.PrometheusText;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.ShardStats;
import dev.oprc.odgm.proto.StatsRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two nodes in this JVM replicating one raft collection (replica set of both): a node whose held
 * partition has no leader (its peer is not up, so there is no quorum) is not ready and says why;
 * once both run, both are ready and the follower lists its partition in Stats.
 */
class RaftFollowerReadinessTest {
  private static final String LEDGER = "ledger";
  private final List<OdgmNode> nodes = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Path> dirs = new ArrayList<>();
  private final int[] grpc = new int[2];
  private final int[] raft = new int[2];

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private OdgmNode start(int id) throws Exception {
    Path dir = Files.createTempDirectory("odgm-raft-ready-");
    dirs.add(dir);
    Map<String, String> env = new HashMap<>();
    env.put("ODGM_NODE_ID", Integer.toString(id));
    env.put("ODGM_MEMBERS", "1=127.0.0.1:" + raft[0] + ":" + grpc[0] + ",2=127.0.0.1:" + raft[1] + ":" + grpc[1]);
    env.put("ODGM_HTTP_PORT", Integer.toString(grpc[id - 1]));
    env.put("ODGM_DATA_DIR", dir.toString());
    env.put("ODGM_STORAGE_SYNC", "none");
    env.put("ODGM_RAFT_ELECTION_TIMEOUT_MS", "400");
    CreateCollectionRequest c = CreateCollectionRequest.newBuilder().setName(LEDGER).setPartitionCount(1)
        .setReplicaCount(2).setShardType("raft").build();
    OdgmNode n = OdgmNode.builder().config(NodeConfig.fromEnv(env).withCollections(List.of(c)))
        .transport(new LoopbackTransport()).ops(OpsConfig.embedded().withMetricsPort(OpsConfig.EPHEMERAL)).start();
    nodes.add(n);
    return n;
  }

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    }
    for (OdgmNode n : nodes) {
      n.close();
    }
    for (Path d : dirs) {
      try (var files = Files.walk(d)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void await(BooleanSupplier cond, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  private List<ShardStats> shards(OdgmNode n) {
    ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", n.port()).usePlaintext().build();
    channels.add(ch);
    return DataServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
        .stats(StatsRequest.getDefaultInstance()).getShardsList();
  }

  @Test
  void aNodeWhoseHeldRaftPartitionHasNoLeaderIsNotReadyAndSaysWhy() throws Exception {
    for (int i = 0; i < 2; i++) {
      grpc[i] = freePort();
      raft[i] = freePort();
    }
    OdgmNode alone = start(1);
    assertThat(alone.readiness()).contains("raft: 1 held partition(s) without a leader (ledger/0)",
        "no quorum");
    var readyz = PrometheusText.get(alone.metricsPort(), "/readyz");
    assertThat(readyz.statusCode()).isEqualTo(503);
    assertThat(readyz.body()).contains("without a leader (ledger/0)");
  }

  @Test
  void onceTheGroupHasALeaderBothAreReadyAndTheFollowerListsItsPartitionInStats() throws Exception {
    for (int i = 0; i < 2; i++) {
      grpc[i] = freePort();
      raft[i] = freePort();
    }
    OdgmNode one = start(1);
    OdgmNode two = start(2);
    await(() -> one.readiness() == null && two.readiness() == null, "both nodes ready");
    await(() -> one.shards().isOpen(LEDGER, 0) != two.shards().isOpen(LEDGER, 0), "the leader to open its shard");
    OdgmNode leader = one.shards().isOpen(LEDGER, 0) ? one : two;
    OdgmNode follower = leader == one ? two : one;
    long leaderId = leader == one ? 1 : 2;
    await(() -> !follower.shards().isOpen(LEDGER, 0) && shards(follower).size() == 1, "the follower's Stats");
    ShardStats s = shards(follower).get(0);
    assertThat(s.getCollection()).isEqualTo(LEDGER);
    assertThat(s.getRole()).isEqualTo("follower");
    assertThat(s.getLeaderNodeId()).isEqualTo(leaderId);
    assertThat(shards(leader)).extracting(ShardStats::getRole).containsExactly("leader");
    assertThat(shards(leader).get(0).getShardId()).isEqualTo(s.getShardId());
  }

  /**
   * A node whose member of a raft group Ratis closed while the node runs (here: the group removed
   * from the node's Ratis server by a management request) takes no part in that group any more, so
   * it must not report ready as if it served: /readyz is 503 and names the group.
   */
  @Test
  void aNodeWhoseRaftGroupRatisClosedWhileItRunsIsNotReadyAndSaysWhy() throws Exception {
    for (int i = 0; i < 2; i++) {
      grpc[i] = freePort();
      raft[i] = freePort();
    }
    OdgmNode one = start(1);
    OdgmNode two = start(2);
    await(() -> one.readiness() == null && two.readiness() == null, "both nodes ready");
    org.apache.ratis.protocol.RaftPeer peer = org.apache.ratis.protocol.RaftPeer.newBuilder().setId("n2")
        .setAddress("127.0.0.1:" + raft[1]).build();
    try (org.apache.ratis.client.RaftClient c = org.apache.ratis.client.RaftClient.newBuilder()
        .setProperties(new org.apache.ratis.conf.RaftProperties())
        .setRaftGroup(org.apache.ratis.protocol.RaftGroup.valueOf(
            org.apache.ratis.protocol.RaftGroupId.randomId(), peer)).build()) {
      var api = c.getGroupManagementApi(peer.getId());
      var gid = api.list().getGroupIds().get(0);
      assertThat(api.remove(gid, false, false).isSuccess()).isTrue();
    }
    await(() -> two.readiness() != null, "node 2 not ready");
    assertThat(two.readiness()).contains("raft: this node's member of 1 group(s) stopped working",
        "Ratis closed this node's member of the group");
    var readyz = PrometheusText.get(two.metricsPort(), "/readyz");
    assertThat(readyz.statusCode()).isEqualTo(503);
    assertThat(readyz.body()).contains("stopped working");
  }
}
