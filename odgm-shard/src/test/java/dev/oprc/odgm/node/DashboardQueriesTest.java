package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import dev.oprc.odgm.ops.OpsConfig;
import dev.oprc.odgm.ops.PrometheusText;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.InvocationRoute;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every query of the Grafana dashboard ({@code dashboards/odgm-node.json}) names metrics a node
 * exports: a one-member raft node with a raft and a basic collection on RocksDB, after a write
 * that fires a trigger, is scraped and each metric name in each {@code expr} must be among its
 * samples.
 */
class DashboardQueriesTest {
  private static final Pattern METRIC = Pattern.compile("\\b((?:odgm|jvm|process|system)_[a-z0-9_]+)");

  @TempDir
  Path dataDir;

  private static Path dashboard() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("dashboards/odgm-node.json"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("dashboards/odgm-node.json above the working directory").isNotNull();
    return dir.resolve("dashboards/odgm-node.json");
  }

  /** Every {@code expr} of every panel's targets. */
  static List<String> queries(Path file) throws IOException {
    JsonObject dash = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
    List<String> out = new ArrayList<>();
    for (JsonElement p : dash.getAsJsonArray("panels")) {
      for (JsonElement t : p.getAsJsonObject().getAsJsonArray("targets")) {
        out.add(t.getAsJsonObject().get("expr").getAsString());
      }
    }
    return out;
  }

  @Test
  void theDashboardHasPanelsWithQueries() throws IOException {
    assertThat(queries(dashboard())).hasSizeGreaterThanOrEqualTo(10).allSatisfy(q -> assertThat(q).isNotBlank());
  }

  @Test
  void everyMetricTheDashboardQueriesIsExportedByANode() throws Exception {
    Set<String> exported;
    OdgmNode node = startNode();
    try {
      fireOneTrigger(node.port());
      exported = PrometheusText.scrape(node.metricsPort()).keySet().stream()
          .map(k -> k.substring(0, k.indexOf('{'))).collect(Collectors.toCollection(TreeSet::new));
    } finally {
      node.close();
    }
    Set<String> named = new TreeSet<>();
    for (String q : queries(dashboard())) {
      Matcher m = METRIC.matcher(q);
      while (m.find()) {
        named.add(m.group(1));
      }
    }
    assertThat(named).isNotEmpty();
    assertThat(exported).as("metrics the node exports").containsAll(named);
  }

  private OdgmNode startNode() throws Exception {
    int grpc = freePort();
    Map<String, String> env = new HashMap<>();
    env.put("ODGM_NODE_ID", "1");
    env.put("ODGM_MEMBERS", "1=127.0.0.1:" + freePort() + ":" + grpc);
    env.put("ODGM_HTTP_PORT", Integer.toString(grpc));
    env.put("ODGM_DATA_DIR", dataDir.toString());
    env.put("ODGM_STORAGE_SYNC", "none");
    OdgmNode node = OdgmNode.builder().config(NodeConfig.fromEnv(env).withCollections(List.of(
            collection("ledger", "raft"), collection("plain", "basic"))))
        .transport(ZenohTransport.open(Map.of())).ops( // a real (local-only) session: its series too
            OpsConfig.embedded().withMetricsPort(OpsConfig.EPHEMERAL))
        .handler("record", call -> InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).build()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!node.shards().isOpen("ledger", 0)) {
      assertThat(System.nanoTime()).as("the node leads its raft partition within 30 s").isLessThan(deadline);
      Thread.sleep(10);
    }
    return node;
  }

  private static CreateCollectionRequest collection(String name, String shardType) {
    return CreateCollectionRequest.newBuilder().setName(name).setPartitionCount(1).setReplicaCount(1)
        .setShardType(shardType).setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("record", FuncInvokeRoute.newBuilder().setUrl("local:record").build())).build();
  }

  private static void fireOneTrigger(int port) throws InterruptedException {
    ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("status", DataTrigger.newBuilder()
          .addOnCreate(TriggerTarget.newBuilder().setClsId("plain").setFnId("record")).build()).build();
      dev.oprc.odgm.proto.DataServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
          .set(SetObjectRequest.newBuilder().setClsId("plain").setObjectId("o").setObject(ObjData.newBuilder()
              .setEvent(ev).putEntries("status", ValData.newBuilder().setData(ByteString.copyFromUtf8("new")).build()))
              .build());
    } finally {
      ch.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
