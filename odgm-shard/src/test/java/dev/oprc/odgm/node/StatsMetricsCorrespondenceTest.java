package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.oprc.odgm.events.EventMeters;
import dev.oprc.odgm.events.FilterExpressions;
import dev.oprc.odgm.metrics.MeterSpec;
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
import dev.oprc.odgm.proto.ShardStats;
import dev.oprc.odgm.proto.StatsRequest;
import dev.oprc.odgm.proto.StatsResponse;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.TriggerValues;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.shard.ShardMeters;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gRPC Stats reply and /metrics correspond (issue 17 §3): every per-shard counter field of
 * Stats has a metric family and every per-shard metric family a Stats field, through the meters'
 * declarations ({@link MeterSpec#statsField()}), except the explicit exclusions below; both report
 * the same values; the trigger filter and value-truncation counters reach /metrics.
 */
class StatsMetricsCorrespondenceTest {
  private static final String ORDERS = "orders";
  private static final String LABEL = "{collection=\"orders\"}";

  /** Per-shard Stats fields that are not counters: they identify the shard or report the cluster view. */
  private static final Map<String, String> STATS_NOT_COUNTERS = Map.of(
      "collection", "identifies the shard (the metric label collection)",
      "partition_id", "identifies the shard (series are per collection)",
      "shard_id", "identifies the shard",
      "role", "this node's role for the partition: a state, reported by PartitionInfo too",
      "leader_node_id", "who leads the partition: a node id, not a quantity");
  /** Stats counter fields with no metric family. */
  private static final Map<String, String> STATS_ONLY = Map.of();
  /** Per-collection metric families with no Stats field. */
  private static final Map<String, String> METRICS_ONLY = Map.ofEntries(
      Map.entry("odgm_events_dispatch_latency_seconds_max", "the histogram's recent maximum (Micrometer's gauge beside it)"),
      Map.entry("odgm_function_duration_seconds_max", "the histogram's recent maximum (Micrometer's gauge beside it)"),
      Map.entry("odgm_events_emitted_create", "upstream's counter; the Stats message (upstream's schema) has no field for it"),
      Map.entry("odgm_events_emitted_update", "upstream's counter; the Stats message (upstream's schema) has no field for it"),
      Map.entry("odgm_events_emitted_delete", "upstream's counter; the Stats message (upstream's schema) has no field for it"),
      Map.entry("odgm_events_emit_failures", "derived: failed + expired + dead_lettered, each a Stats field"),
      Map.entry("odgm_events_dispatch_latency_seconds", "a histogram; Stats carries counts"),
      Map.entry("odgm_function_duration_seconds", "per function route and outcome, not per shard"),
      Map.entry("odgm_events_barrier_fallbacks", "a delivery diagnostic; the Stats message (upstream's schema) has no field for it"),
      Map.entry("odgm_events_delayed_writes", "a delivery diagnostic; the Stats message (upstream's schema) has no field for it"),
      Map.entry("odgm_events_inflight_bytes", "a delivery diagnostic; the Stats message (upstream's schema) has no field for it"));

  private final LoopbackTransport transport = new LoopbackTransport();
  private OdgmNode node;
  private ManagedChannel channel;
  private DataServiceGrpc.DataServiceBlockingStub data;

  @BeforeEach
  void start() throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory",
        "ODGM_EVENT_MAX_VALUE_BYTES", "4"));
    CreateCollectionRequest c = CreateCollectionRequest.newBuilder().setName(ORDERS).setPartitionCount(1)
        .setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("record", FuncInvokeRoute.newBuilder().setUrl("local:record").build())).build();
    node = OdgmNode.builder().config(NodeConfig.fromEnv(env).withCollections(List.of(c))).transport(transport)
        .ops(OpsConfig.embedded().withMetricsPort(OpsConfig.EPHEMERAL))
        .handler("record", call -> InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).build()).start();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.port()).usePlaintext().build();
    data = DataServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    node.close();
  }

  /**
   * One create and one update of "status": the target with values gets both events (values cut to
   * 4 bytes: 1 on the create, old and new on the update), the filtered target refuses both.
   */
  private void writeAndSettle() throws Exception {
    TriggerTarget values = TriggerTarget.newBuilder().setClsId(ORDERS).setFnId("record")
        .setIncludeValues(TriggerValues.TRIGGER_VALUES_BOTH).build();
    TriggerTarget deletesOnly = TriggerTarget.newBuilder().setClsId(ORDERS).setFnId("record")
        .setFilter(FilterExpressions.parse("type == delete")).build();
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("status", DataTrigger.newBuilder()
        .addOnCreate(values).addOnCreate(deletesOnly).addOnUpdate(values).addOnUpdate(deletesOnly).build()).build();
    data.set(SetObjectRequest.newBuilder().setClsId(ORDERS).setObjectId("o1")
        .setObject(ObjData.newBuilder().setEvent(ev).putEntries("status", val("new-order"))).build());
    data.setValue(SetKeyRequest.newBuilder().setClsId(ORDERS).setObjectId("o1").setKey("status")
        .setValue(val("shipped-now")).build());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (shard().getEvents().getRetired() < 2 || shard().getEvents().getPending() > 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the two events were not retired: " + shard().getEvents());
      }
      Thread.sleep(10);
    }
  }

  private static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  private ShardStats shard() {
    StatsResponse r = data.stats(StatsRequest.getDefaultInstance());
    assertThat(r.getShardsList()).hasSize(1);
    return r.getShards(0);
  }

  /** The integer fields of one shard in the Stats reply, read from its descriptor ({@code events.x} for nested ones). */
  private static Set<String> statsCounterFields() {
    Descriptor shard = StatsResponse.getDescriptor().findFieldByName("shards").getMessageType();
    Set<String> out = new TreeSet<>();
    for (FieldDescriptor f : shard.getFields()) {
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        f.getMessageType().getFields().forEach(n -> out.add(f.getName() + "." + n.getName()));
      } else {
        out.add(f.getName());
      }
    }
    out.removeAll(STATS_NOT_COUNTERS.keySet());
    return out;
  }

  /** The declared mapping: Stats field to metric family, from the shard's meter declarations. */
  private static Map<String, String> declaredMapping() {
    Map<String, String> out = new TreeMap<>();
    for (MeterSpec spec : ShardMeters.ALL) {
      if (!spec.statsField().isEmpty()) {
        assertThat(out.put(spec.statsField(), spec.family())).as("Stats field of " + spec.name()).isNull();
      }
    }
    return out;
  }

  private static long statsValue(ShardStats s, String field) {
    int dot = field.indexOf('.');
    Message m = dot < 0 ? s : (Message) s.getField(ShardStats.getDescriptor().findFieldByName(field.substring(0, dot)));
    return (Long) m.getField(m.getDescriptorForType().findFieldByName(field.substring(dot + 1)));
  }

  @Test
  void everyStatsCounterFieldHasAMetricFamilyAndEveryShardFamilyAStatsField() throws Exception {
    writeAndSettle();
    Map<String, String> mapping = declaredMapping();
    Set<String> families = PrometheusText.familiesLabelled(node.metricsPort(), "collection", ORDERS);

    Set<String> mappedOrExcludedFields = new TreeSet<>(mapping.keySet());
    mappedOrExcludedFields.addAll(STATS_ONLY.keySet());
    assertThat(statsCounterFields()).isEqualTo(mappedOrExcludedFields);

    Set<String> mappedOrExcludedFamilies = new TreeSet<>(mapping.values());
    mappedOrExcludedFamilies.addAll(METRICS_ONLY.keySet());
    assertThat(families).isEqualTo(mappedOrExcludedFamilies);
    for (MeterSpec spec : ShardMeters.ALL) { // a declaration without a Stats field is an explicit exclusion
      assertThat(spec.statsField().isEmpty() ? METRICS_ONLY.keySet() : families).as(spec.name())
          .contains(spec.family());
    }
  }

  @Test
  void statsAndMetricsReportTheSameValueForEveryMappedMeter() throws Exception {
    writeAndSettle();
    ShardStats stats = shard();
    Map<String, Double> scraped = PrometheusText.scrape(node.metricsPort());
    for (MeterSpec spec : ShardMeters.ALL) {
      if (spec.statsField().isEmpty()) {
        continue;
      }
      String sample = spec.family() + (spec.kind() == MeterSpec.Kind.COUNTER ? "_total" : "") + LABEL;
      assertThat(scraped).as(sample).containsKey(sample);
      assertThat(scraped.get(sample)).as(sample + " vs Stats " + spec.statsField())
          .isEqualTo(statsValue(stats, spec.statsField()) * spec.scale());
    }
    assertThat(stats.getEvents().getEventsMatched()).isEqualTo(2); // the values did move: not all zeros
    assertThat(stats.getCount()).isEqualTo(1);
  }

  @Test
  void filteredOutAndValuesTruncatedAppearOnMetrics() throws Exception {
    writeAndSettle();
    Map<String, Double> scraped = PrometheusText.scrape(node.metricsPort());
    assertThat(scraped.get(EventMeters.FILTERED_OUT.family() + "_total" + LABEL)).isEqualTo(2.0);
    assertThat(scraped.get(EventMeters.VALUES_TRUNCATED.family() + "_total" + LABEL)).isEqualTo(3.0);
    assertThat(shard().getEvents().getFilteredOut()).isEqualTo(2);
    assertThat(shard().getEvents().getValuesTruncated()).isEqualTo(3);
  }
}
