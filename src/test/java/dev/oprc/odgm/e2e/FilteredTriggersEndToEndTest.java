package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.FilterExpressions;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.EventStatsProto;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.TriggerValues;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.zenoh.testing.ReceivedSample;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Conditional triggers end to end over a real Zenoh router (Python eclipse-zenoh), on RocksDB:
 * only the writes a target's filter accepts produce a PUT, and the shard's counters add up
 * (matched + filtered out = targets matched by key; every matched target retired).
 */
class FilteredTriggersEndToEndTest {
  private static final String COLL = "filters_e2e";
  private static ZenohRouterProcess router;
  private TestNode node;
  private String id;

  @BeforeAll
  static void startRouter() throws Exception {
    router = ZenohRouterProcess.start("oprc/**");
  }

  @AfterAll
  static void stopRouter() throws Exception {
    router.close();
  }

  @BeforeEach
  void startNode() throws Exception {
    id = UUID.randomUUID().toString().substring(0, 8);
    node = TestNode.start(router, Map.of(), List.of(CreateCollectionRequest.newBuilder().setName(COLL)
        .setPartitionCount(2).setReplicaCount(1).setShardType("basic").build()), Map.of());
  }

  @AfterEach
  void stopNode() throws Exception {
    node.close();
  }

  private TriggerTarget target(String fn, String when) {
    TriggerTarget.Builder t = TriggerTarget.newBuilder().setClsId("notification_service").setPartitionId(1)
        .setFnId(fn + "_" + id);
    if (when != null) {
      t.setFilter(FilterExpressions.parse(when));
    }
    return t.build();
  }

  private String key(String fn) {
    return "oprc/notification_service/1/async/" + fn + "_" + id + "/";
  }

  private void setOrder(String json) {
    node.data().setValue(SetKeyRequest.newBuilder().setClsId(COLL).setPartitionId(1).setObjectId("order-" + id)
        .setKey("order").setValue(ValData.newBuilder().setData(ByteString.copyFromUtf8(json))).build());
  }

  private List<ReceivedSample> seenNow(String prefix) {
    return router.samples().stream().filter(s -> s.key().startsWith(prefix)).toList();
  }

  @Test
  void onlyWritesTheFiltersAcceptProducePutsAndTheCountersAddUp() throws Exception {
    TriggerTarget big = target("big", "amount > 1000").toBuilder()
        .setIncludeValues(TriggerValues.TRIGGER_VALUES_NEW).build();
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("order", DataTrigger.newBuilder()
        .addOnUpdate(target("shipped", "status changed to shipped")).addOnUpdate(big)
        .addOnUpdate(target("all", null)).build()).build();
    node.data().set(SetObjectRequest.newBuilder().setClsId(COLL).setPartitionId(1).setObjectId("order-" + id)
        .setObject(ObjData.newBuilder().setEvent(ev)).build());
    EventStatsProto before = node.events(COLL, 1);

    setOrder("{\"status\":\"new\",\"amount\":10}");        // create: no on_update target
    setOrder("{\"status\":\"paid\",\"amount\":10}");       // all
    setOrder("{\"status\":\"paid\",\"amount\":5000}");     // all, big
    setOrder("{\"status\":\"shipped\",\"amount\":5000}");  // all, big, shipped
    setOrder("{\"status\":\"shipped\",\"amount\":20}");    // all
    setOrder("{\"status\":\"delivered\",\"amount\":20}");  // all: the marker, published after every earlier record

    List<ReceivedSample> all = router.awaitSamples(5, s -> s.key().startsWith(key("all")), Duration.ofSeconds(10));
    assertThat(all).hasSize(5);
    // one shard, one dispatcher: records leave in commit order, so once the marker arrived every
    // earlier PUT has too; whatever is not here was never sent
    assertThat(seenNow(key("shipped"))).hasSize(1);
    List<ReceivedSample> bigs = seenNow(key("big"));
    assertThat(bigs).hasSize(2);
    String payload = InvocationRequest.parseFrom(bigs.get(1).payload()).getPayload().toString(StandardCharsets.UTF_8);
    assertThat(payload).contains("\"original_payload\":\"" + Base64.getEncoder().encodeToString(
        "{\"status\":\"shipped\",\"amount\":5000}".getBytes(StandardCharsets.UTF_8)) + "\"");

    EventStatsProto after = node.events(COLL, 1);
    assertThat(after.getEventsMatched() - before.getEventsMatched()).isEqualTo(8);
    assertThat(after.getFilteredOut() - before.getFilteredOut()).isEqualTo(5 * 3 - 8);
    // the outbox invariant holds with the filtered-out targets outside it: the 8 matched are
    // retired or still pending (retirement waits for the router lease), none lost
    assertThat(after.getEventsMatched() + after.getRecovered()).isEqualTo(after.getRetired() + after.getPending()
        + after.getDropped() + after.getDepthLimited() + after.getExpired() + after.getFailed()
        + after.getDeadLettered());
    assertThat(after.getDropped() + after.getFailed() + after.getExpired() + after.getDepthLimited()).isZero();
  }

  @Test
  void invalidFilterIsRefusedWithInvalidArgumentNamingTargetAndFilter() {
    TriggerTarget bad = target("bad", null).toBuilder().setFilter(
        dev.oprc.odgm.events.TriggerFilters.fromJson("{\"gt\": {\"new/amount\": \"a lot\"}}")).build();
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("order", DataTrigger.newBuilder()
        .addOnUpdate(bad).build()).build();
    try {
      node.data().set(SetObjectRequest.newBuilder().setClsId(COLL).setPartitionId(1).setObjectId("bad-" + id)
          .setObject(ObjData.newBuilder().setEvent(ev)).build());
      throw new AssertionError("the invalid filter was accepted");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains("data_trigger['order'].on_update[0]",
          "target fn 'bad_" + id + "'", "filter.gt['new/amount'] 'a lot' is not a decimal number");
    }
  }
}
