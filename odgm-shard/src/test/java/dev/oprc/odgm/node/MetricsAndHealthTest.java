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
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /metrics parsed by a real Prometheus parser, /healthz, /readyz and grpc.health.v1 (issue 9 §1, §2). */
class MetricsAndHealthTest {
  private static final String ORDERS = "collection=\"orders\"";
  private final LoopbackTransport transport = new LoopbackTransport();
  private final AtomicInteger runs = new AtomicInteger();
  private OdgmNode node;
  private ManagedChannel channel;
  private DataServiceGrpc.DataServiceBlockingStub data;

  @BeforeEach
  void start() throws Exception {
    node = node(collection("orders", 2), Map.of());
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.port()).usePlaintext().build();
    data = DataServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static CreateCollectionRequest collection(String name, int partitions) {
    return CreateCollectionRequest.newBuilder().setName(name).setPartitionCount(partitions)
        .setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("record", FuncInvokeRoute.newBuilder().setUrl("local:record").build())).build();
  }

  private OdgmNode node(CreateCollectionRequest c, Map<String, String> env) throws Exception {
    Map<String, String> e = new java.util.HashMap<>(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory"));
    e.putAll(env);
    return OdgmNode.builder().config(NodeConfig.fromEnv(e).withCollections(List.of(c))).transport(transport)
        .ops(OpsConfig.embedded().withMetricsPort(OpsConfig.EPHEMERAL))
        .handler("record", call -> {
          runs.incrementAndGet();
          return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).build();
        }).start();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    node.close();
  }

  private static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  private static void await(BooleanSupplier cond, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  private static double metric(OdgmNode n, String key) {
    try {
      return value(PrometheusText.scrape(n.metricsPort()), key);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static double value(Map<String, Double> m, String key) {
    return m.getOrDefault(key, 0.0);
  }

  @Test
  void eventFunctionAndGrpcCountersMoveAsWritesHappen() throws Exception {
    Map<String, Double> before = PrometheusText.scrape(node.metricsPort());
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("status", DataTrigger.newBuilder()
        .addOnCreate(TriggerTarget.newBuilder().setClsId("orders").setFnId("record"))
        .addOnUpdate(TriggerTarget.newBuilder().setClsId("orders").setFnId("record")).build()).build();
    data.set(SetObjectRequest.newBuilder().setClsId("orders").setObjectId("o1")
        .setObject(ObjData.newBuilder().setEvent(ev).putEntries("status", val("new"))).build());
    for (int i = 0; i < 3; i++) {
      data.setValue(SetKeyRequest.newBuilder().setClsId("orders").setObjectId("o1").setKey("status")
          .setValue(val("v" + i)).build());
    }
    await(() -> runs.get() == 4, "four trigger runs");
    await(() -> node.shards().shard("orders", 0).eventStats().retired() == 4, "four retirements");
    Map<String, Double> after = PrometheusText.scrape(node.metricsPort());

    assertThat(value(after, "odgm_events_emitted_create_total{" + ORDERS + "}")
        - value(before, "odgm_events_emitted_create_total{" + ORDERS + "}")).isEqualTo(1.0);
    assertThat(value(after, "odgm_events_emitted_update_total{" + ORDERS + "}")).isEqualTo(3.0);
    assertThat(value(after, "odgm_events_emitted_delete_total{" + ORDERS + "}")).isZero();
    assertThat(value(after, "odgm_events_matched_total{" + ORDERS + "}")).isEqualTo(4.0);
    assertThat(value(after, "odgm_events_retired_total{" + ORDERS + "}")).isEqualTo(4.0);
    assertThat(after).containsKeys("odgm_events_queue_len{" + ORDERS + "}",
        "odgm_events_queue_drops_total{" + ORDERS + "}", "odgm_events_fanout_limited_total{" + ORDERS + "}",
        "odgm_events_emit_failures_total{" + ORDERS + "}", "odgm_outbox_pending{" + ORDERS + "}",
        "odgm_outbox_oldest_age_seconds{" + ORDERS + "}", "odgm_zenoh_api_received_total{}",
        "jvm_threads_live_threads{}");
    assertThat(value(after, "odgm_events_dispatch_latency_seconds_count{" + ORDERS + "}")).isEqualTo(4.0);
    assertThat(value(after, "odgm_function_duration_seconds_count{" + ORDERS
        + ",function=\"record\",outcome=\"ok\"}")).isEqualTo(4.0);
    assertThat(value(after, "odgm_invocations_async_completed_total{}")).isEqualTo(4.0);
    assertThat(value(after, "odgm_grpc_server_calls_total{code=\"OK\",method=\"oprc.DataService/SetValue\"}"))
        .isEqualTo(3.0);
    assertThat(value(after, "odgm_objects{" + ORDERS + "}")).isEqualTo(1.0);
  }

  @Test
  void anAsyncInvocationForAPartitionTheCollectionDoesNotHaveIsCountedAndNotRun() throws Exception {
    OdgmNode solo = node(collection("solo", 1), Map.of());
    try {
      byte[] call = dev.oprc.odgm.proto.InvocationRequest.newBuilder().setFnId("record").build().toByteArray();
      transport.put("oprc/solo/7/async/record/p7", call);
      transport.put("oprc/solo/0/async/record/p0", call); // a valid one after it: runs, and marks the end
      await(() -> metric(solo, "odgm_invocations_async_completed_total{}") == 1, "the valid invocation to complete");
      Map<String, Double> m = PrometheusText.scrape(solo.metricsPort());
      assertThat(value(m, "odgm_invocations_async_received_total{}")).isEqualTo(2.0);
      assertThat(value(m, "odgm_invocations_async_invalid_total{}")).as("partition 7 counted").isEqualTo(1.0);
      assertThat(runs).as("only the invocation on partition 0 ran").hasValue(1);
    } finally {
      solo.close();
    }
  }

  @Test
  void grpcErrorsAreCountedByStatusCode() throws Exception {
    try {
      data.set(SetObjectRequest.newBuilder().setClsId("orders").setObjectId("o").build());
    } catch (StatusRuntimeException expected) {
      // INVALID_ARGUMENT: no object
    }
    assertThat(value(PrometheusText.scrape(node.metricsPort()),
        "odgm_grpc_server_calls_total{code=\"INVALID_ARGUMENT\",method=\"oprc.DataService/Set\"}")).isEqualTo(1.0);
  }

  @Test
  void grpcCallsAreTimedPerMethodAndStatusInAHistogram() throws Exception {
    for (int i = 0; i < 3; i++) {
      data.setValue(SetKeyRequest.newBuilder().setClsId("orders").setObjectId("t").setKey("k").setValue(val("v")).build());
    }
    Map<String, Double> m = PrometheusText.scrape(node.metricsPort());
    String series = "code=\"OK\",method=\"oprc.DataService/SetValue\"";
    assertThat(value(m, "odgm_grpc_server_duration_seconds_count{" + series + "}")).isEqualTo(3.0);
    assertThat(value(m, "odgm_grpc_server_duration_seconds_bucket{code=\"OK\",le=\"+Inf\","
        + "method=\"oprc.DataService/SetValue\"}")).isEqualTo(3.0); // labels sorted
    assertThat(value(m, "odgm_grpc_server_duration_seconds_sum{" + series + "}")).isPositive();
  }

  @Test
  void processSeriesAreInSecondsAndCountOpenFiles() throws Exception {
    Map<String, Double> m = PrometheusText.scrape(node.metricsPort());
    assertThat(value(m, "process_cpu_seconds_total{}")).isPositive();
    assertThat(m).doesNotContainKey("process_cpu_time_ns_total{}");
    assertThat(value(m, "process_files_open_files{}")).isPositive();
    assertThat(value(m, "process_files_max_files{}")).isPositive();
  }

  @Test
  void theBuildIsOneSeriesNamingItsVersionAndCommit() throws Exception {
    BuildInfo b = BuildInfo.current();
    assertThat(value(PrometheusText.scrape(node.metricsPort()), "odgm_build_info{commit=\"" + b.commit()
        + "\",version=\"" + b.version() + "\"}")).isEqualTo(1.0);
  }

  @Test
  void aRocksDbNodeExportsItsMemoryCompactionDebtAndStallTime(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    OdgmNode rocks = node(collection("orders", 1), Map.of("ODGM_STORAGE", "rocksdb", "ODGM_DATA_DIR", dir.toString()));
    try {
      Map<String, Double> m = PrometheusText.scrape(rocks.metricsPort());
      assertThat(value(m, "odgm_rocksdb_memtable_bytes{}")).isPositive();
      assertThat(m).containsKeys("odgm_rocksdb_block_cache_bytes{}", "odgm_rocksdb_pending_compaction_bytes{}",
          "odgm_rocksdb_stall_micros_total{}");
    } finally {
      rocks.close();
    }
  }

  @Test
  void aStoredTriggerNamingAFunctionItsServedCollectionCannotRouteIsCounted() throws Exception {
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("status", DataTrigger.newBuilder()
        .addOnUpdate(TriggerTarget.newBuilder().setClsId("orders").setFnId("recrod")) // a typo: no route
        .addOnUpdate(TriggerTarget.newBuilder().setClsId("orders").setFnId("record")) // routed
        .addOnUpdate(TriggerTarget.newBuilder().setClsId("elsewhere").setFnId("any")) // not served here: not judged
        .build()).build();
    data.set(SetObjectRequest.newBuilder().setClsId("orders").setObjectId("u1")
        .setObject(ObjData.newBuilder().setEvent(ev).putEntries("status", val("new"))).build());
    assertThat(value(PrometheusText.scrape(node.metricsPort()), "odgm_trigger_targets_unrouted_total{}"))
        .isEqualTo(1.0);
  }

  @Test
  void aRocksDbNodeTimesEachGroupSyncOfItsWal(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    OdgmNode rocks = node(collection("orders", 1), Map.of("ODGM_STORAGE", "rocksdb", "ODGM_STORAGE_SYNC", "group",
        "ODGM_DATA_DIR", dir.toString()));
    ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", rocks.port()).usePlaintext().build();
    try {
      DataServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).setValue(SetKeyRequest.newBuilder()
          .setClsId("orders").setObjectId("o1").setKey("k").setValue(val("v")).build()); // acknowledged: synced
      Map<String, Double> m = PrometheusText.scrape(rocks.metricsPort());
      assertThat(value(m, "odgm_storage_wal_sync_seconds_count{}")).isGreaterThanOrEqualTo(1.0);
      assertThat(m).containsKey("odgm_storage_wal_sync_seconds_bucket{le=\"0.001\"}");
    } finally {
      ch.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
      rocks.close();
    }
  }

  @Test
  void healthzIsLiveAndReadyzFollowsTheZenohLink() throws Exception {
    assertThat(PrometheusText.get(node.metricsPort(), "/healthz").statusCode()).isEqualTo(200);
    assertThat(PrometheusText.get(node.metricsPort(), "/readyz").statusCode()).isEqualTo(200);
    transport.setDown(true);
    var down = PrometheusText.get(node.metricsPort(), "/readyz");
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.body()).contains("Zenoh");
    assertThat(PrometheusText.get(node.metricsPort(), "/healthz").statusCode()).isEqualTo(200);
    transport.setDown(false);
    assertThat(PrometheusText.get(node.metricsPort(), "/readyz").statusCode()).isEqualTo(200);
  }

  private ServingStatus health(String service) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }

  @Test
  void grpcHealthServesTheNodeTheServicesAndEachCollectionAndFollowsReadiness() throws Exception {
    await(() -> health("odgm.collection.orders") == ServingStatus.SERVING, "SERVING");
    assertThat(health("")).isEqualTo(ServingStatus.SERVING);
    assertThat(health("oprc.DataService")).isEqualTo(ServingStatus.SERVING);
    assertThat(health("oprc.OprcFunction")).isEqualTo(ServingStatus.SERVING);
    transport.setDown(true);
    await(() -> health("odgm.collection.orders") == ServingStatus.NOT_SERVING, "NOT_SERVING while the link is down");
    transport.setDown(false);
    await(() -> health("") == ServingStatus.SERVING, "SERVING again");
  }

  @Test
  void anUnknownHealthServiceIsNotFound() {
    try {
      health("odgm.collection.nope");
      throw new AssertionError("expected NOT_FOUND");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.NOT_FOUND);
    }
  }

  @Test
  void aCollectionOf1024PartitionsHasAsManySeriesAsOneOfOnePartition() throws Exception {
    long one = PrometheusText.scrape(node.metricsPort()).keySet().stream().filter(k -> k.contains(ORDERS)).count();
    try (OdgmNode big = node(collection("orders", 1024), Map.of("ODGM_EVENTS_ENABLED", "false"))) {
      long many = PrometheusText.scrape(big.metricsPort()).keySet().stream().filter(k -> k.contains(ORDERS)).count();
      assertThat(many).isEqualTo(one);
      System.out.println("series labelled " + ORDERS + " with 1024 partitions: " + many);
    }
  }
}
