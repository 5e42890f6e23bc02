package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.ops.OpsConfig;
import dev.oprc.odgm.ops.PrometheusText;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.InvocationRoute;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.ShardStats;
import dev.oprc.odgm.proto.StatsRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A raft partition's series (issue 17 §3): a one-member raft cluster in this JVM leads its raft
 * collection, and the leader's shard (opened on leadership, after start) exports the same event,
 * outbox and object series as the node's basic collection; a released partition's series go.
 */
class RaftPartitionMetricsTest {
  private static final String LEDGER = "ledger"; // raft
  private static final String PLAIN = "plain"; // basic
  private LoopbackTransport transport; // a refused start closes its transport: one per attempt
  private final AtomicInteger runs = new AtomicInteger();
  private Path dataDir;
  private OdgmNode node;
  private ManagedChannel channel;
  private DataServiceGrpc.DataServiceBlockingStub data;

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static CreateCollectionRequest collection(String name, String shardType) {
    return CreateCollectionRequest.newBuilder().setName(name).setPartitionCount(1).setReplicaCount(1)
        .setShardType(shardType).setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("record", FuncInvokeRoute.newBuilder().setUrl("local:record").build())).build();
  }

  /**
   * Starts the node on ports found free just before; another process may take one in between (forked
   * test JVMs run side by side), so a start refused at a bind is tried again on other ports.
   */
  private OdgmNode startOnFreePorts() throws Exception {
    for (int attempt = 1; ; attempt++) {
      int grpc = freePort();
      Map<String, String> env = new HashMap<>();
      env.put("ODGM_NODE_ID", "1");
      env.put("ODGM_MEMBERS", "1=127.0.0.1:" + freePort() + ":" + grpc);
      env.put("ODGM_HTTP_PORT", Integer.toString(grpc));
      env.put("ODGM_DATA_DIR", dataDir.toString());
      env.put("ODGM_STORAGE_SYNC", "none");
      env.put("ODGM_RAFT_ELECTION_TIMEOUT_MS", "400");
      transport = new LoopbackTransport();
      try {
        return OdgmNode.builder().config(NodeConfig.fromEnv(env).withCollections(List.of(collection(LEDGER, "raft"),
                collection(PLAIN, "basic")))).transport(transport)
            .ops(OpsConfig.embedded().withMetricsPort(OpsConfig.EPHEMERAL))
            .handler("record", call -> {
              runs.incrementAndGet();
              return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).build();
            }).start();
      } catch (java.io.IOException e) {
        if (attempt == 3 || !String.valueOf(e.getMessage()).contains("cannot listen")) {
          throw e;
        }
      }
    }
  }

  @BeforeEach
  void start() throws Exception {
    dataDir = Files.createTempDirectory("odgm-raft-metrics-");
    node = startOnFreePorts();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.port()).usePlaintext().build();
    data = DataServiceGrpc.newBlockingStub(channel);
    await(() -> node.shards().isOpen(LEDGER, 0), "this node to lead the raft partition");
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    node.close();
    try (var files = Files.walk(dataDir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static void await(BooleanSupplier cond, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  private void writeTriggeringObjects(String collection, int n) {
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("status", DataTrigger.newBuilder()
        .addOnCreate(TriggerTarget.newBuilder().setClsId(collection).setFnId("record")).build()).build();
    for (int i = 0; i < n; i++) {
      data.withDeadlineAfter(10, TimeUnit.SECONDS).set(SetObjectRequest.newBuilder().setClsId(collection)
          .setObjectId("o" + i).setObject(ObjData.newBuilder().setEvent(ev)
              .putEntries("status", ValData.newBuilder().setData(ByteString.copyFromUtf8("new")).build())).build());
    }
  }

  private ShardStats stats(String collection) {
    return data.withDeadlineAfter(10, TimeUnit.SECONDS).stats(StatsRequest.getDefaultInstance()).getShardsList()
        .stream().filter(s -> s.getCollection().equals(collection)).findFirst()
        .orElseThrow(() -> new AssertionError("no shard of " + collection + " in Stats"));
  }

  @Test
  void theRaftLeaderExportsItsEventOutboxAndObjectSeriesAfterWrites() throws Exception {
    writeTriggeringObjects(LEDGER, 3);
    await(() -> stats(LEDGER).getEvents().getRetired() == 3, "three retired events");
    Map<String, Double> m = PrometheusText.scrape(node.metricsPort());
    String l = "{collection=\"ledger\"}";
    assertThat(m.get("odgm_events_matched_total" + l)).isEqualTo(3.0);
    assertThat(m.get("odgm_events_retired_total" + l)).isEqualTo(3.0);
    assertThat(m.get("odgm_events_emitted_create_total" + l)).isEqualTo(3.0);
    assertThat(m.get("odgm_objects" + l)).isEqualTo(3.0);
    assertThat(m.get("odgm_outbox_pending" + l)).isEqualTo(0.0);
    assertThat(m.get("odgm_events_dispatch_latency_seconds_count" + l)).isEqualTo(3.0);
    assertThat(stats(LEDGER).getRole()).isEqualTo("leader");
  }

  @Test
  void aRaftLeaderPartitionHasTheSameSeriesAsABasicOne() throws Exception {
    writeTriggeringObjects(LEDGER, 1);
    writeTriggeringObjects(PLAIN, 1);
    await(() -> runs.get() == 2, "both triggers to run");
    assertThat(PrometheusText.familiesLabelled(node.metricsPort(), "collection", LEDGER))
        .isEqualTo(PrometheusText.familiesLabelled(node.metricsPort(), "collection", PLAIN))
        .contains("odgm_events_matched", "odgm_outbox_pending", "odgm_objects");
  }

  @Test
  void aReleasedPartitionsSeriesAreRemoved() throws Exception {
    writeTriggeringObjects(PLAIN, 1);
    await(() -> stats(PLAIN).getEvents().getRetired() == 1, "the event retired");
    assertThat(PrometheusText.familiesLabelled(node.metricsPort(), "collection", PLAIN)).contains("odgm_objects");
    assertThat(node.shards().release(PLAIN, 0)).isTrue();
    assertThat(PrometheusText.familiesLabelled(node.metricsPort(), "collection", PLAIN))
        .doesNotContain("odgm_objects", "odgm_events_matched", "odgm_outbox_pending",
            "odgm_events_dispatch_latency_seconds");
  }

  /** The one sample of {@code family} (any labels) in {@code m}. */
  private static double only(Map<String, Double> m, String family) {
    List<Double> v = m.entrySet().stream().filter(e -> e.getKey().startsWith(family + "{group=\""))
        .map(Map.Entry::getValue).toList();
    assertThat(v).as("samples of %s", family).hasSize(1);
    return v.get(0);
  }

  @Test
  void theRaftGroupsSeriesShowThisNodeLeadingWithEveryCommittedEntryApplied() throws Exception {
    writeTriggeringObjects(LEDGER, 3);
    await(() -> stats(LEDGER).getEvents().getRetired() == 3, "three retired events");
    Map<String, Double> m = PrometheusText.scrape(node.metricsPort());
    assertThat(only(m, "odgm_raft_role")).as("leader").isEqualTo(2.0);
    assertThat(only(m, "odgm_raft_leader_ready")).isEqualTo(1.0);
    assertThat(only(m, "odgm_raft_term")).isGreaterThanOrEqualTo(1.0);
    double committed = only(m, "odgm_raft_commit_index");
    assertThat(committed).as("the writes' entries and the retires' at least").isGreaterThanOrEqualTo(3.0);
    assertThat(only(m, "odgm_raft_applied_index")).isLessThanOrEqualTo(committed).isGreaterThanOrEqualTo(3.0);
    assertThat(only(m, "odgm_raft_apply_lag")).isGreaterThanOrEqualTo(0.0);
    assertThat(only(m, "odgm_raft_leader_changes_total")).as("it became leader once").isGreaterThanOrEqualTo(1.0);
    assertThat(only(m, "odgm_raft_elections_total")).isGreaterThanOrEqualTo(0.0);
    assertThat(only(m, "odgm_raft_snapshot_installs_total")).as("a sole member installs none").isZero();
  }

  @Test
  void aLeaderWithEveryPartitionLedIsReady() throws Exception {
    await(() -> node.readiness() == null, "readiness once the raft partition has its leader: " + node.readiness());
    assertThat(PrometheusText.get(node.metricsPort(), "/readyz").statusCode()).isEqualTo(200);
  }
}
