package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.InvocationRoute;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.shard.ObjectShard;
import dev.oprc.odgm.shard.WriteContext;
import dev.oprc.odgm.events.OutboxFullException;
import dev.oprc.odgm.storage.StorageException;
import dev.oprc.odgm.storage.StorageFailedException;
import dev.oprc.odgm.storage.StorageFullException;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** End-to-end acknowledgement of triggers on a node (loopback transport): results retire, silence dead-letters. */
class AcknowledgedTriggerTest {
  private final LoopbackTransport transport = new LoopbackTransport();
  private final AtomicInteger runs = new AtomicInteger();
  private OdgmNode node;

  private ObjectShard start() throws Exception {
    CreateCollectionRequest orders = CreateCollectionRequest.newBuilder().setName("orders").setPartitionCount(1)
        .setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("record", FuncInvokeRoute.newBuilder().setUrl("local:record").build())
            .putFnRoutes("busy", FuncInvokeRoute.newBuilder().setUrl("local:busy").build()))
        .build();
    NodeConfig cfg = NodeConfig.fromEnv(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory",
        "ODGM_EVENT_ACK_TIMEOUT_MS", "50", "ODGM_EVENT_ACK_MAX_ATTEMPTS", "3", "ODGM_OUTBOX_RESUME_DELAY_MS", "0"))
        .withCollections(List.of(orders));
    node = OdgmNode.builder().config(cfg).transport(transport).handler("record", call -> {
      runs.incrementAndGet();
      return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).build();
    }).handler("busy", call -> {
      throw new IllegalStateException("busy"); // did not run to completion: the result says "not run"
    }).start();
    return node.shards().shard("orders", 0);
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  static ObjData withAckedTrigger(String fn) {
    TriggerTarget t = TriggerTarget.newBuilder().setClsId("orders").setPartitionId(0).setFnId(fn)
        .putReqOptions(ObjectShard.ACK_OPTION, "true").build();
    return ObjData.newBuilder().setEvent(ObjectEvent.newBuilder()
        .putDataTrigger("k", DataTrigger.newBuilder().addOnCreate(t).build())).build();
  }

  static void await(BooleanSupplier cond, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!cond.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  @Test
  void anAcknowledgedTriggerIsRetiredWhenItsFunctionsResultArrives() throws Exception {
    ObjectShard s = start();
    s.set("o1", withAckedTrigger("record"), WriteContext.CLIENT);
    s.setValue("o1", "k", OdgmNodeTest.val("1"), WriteContext.CLIENT);
    await(() -> s.eventStats().acknowledged() == 1, "acknowledged");
    assertThat(s.eventStats().retired()).isEqualTo(1);
    assertThat(s.eventStats().deadLettered()).isZero();
    assertThat(runs.get()).isEqualTo(1);
  }

  @Test
  void aResultSayingTheFunctionDidNotRunIsNotAnAcknowledgementAndEndsInTheDeadLetterKey() throws Exception {
    ObjectShard s = start();
    s.set("o1", withAckedTrigger("busy"), WriteContext.CLIENT); // its handler throws: "not run"
    s.setValue("o1", "k", OdgmNodeTest.val("1"), WriteContext.CLIENT);
    await(() -> s.eventStats().deadLettered() == 1, "dead-lettered");
    assertThat(s.eventStats().acknowledged()).isZero();
    assertThat(s.eventStats().redelivered()).isEqualTo(2);
    assertThat(transport.puts).extracting(LoopbackTransport.Put::key)
        .anyMatch(k -> k.startsWith("oprc/orders/0/dlq/busy/"));
    assertThat(s.eventStats().balanced()).isTrue();
  }

  @Test
  void storageFailuresMapToStatusesThatSayWhetherARetryIsSafe() {
    assertThat(DataServiceImpl.toStatus(new StorageFullException("disk full: x")).getStatus().getCode())
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(DataServiceImpl.toStatus(new OutboxFullException("full")).getStatus().getCode())
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(DataServiceImpl.toStatus(new StorageFailedException("sync failed")).getStatus().getCode())
        .isEqualTo(Status.Code.DATA_LOSS);
    assertThat(DataServiceImpl.toStatus(new StorageException("io")).getStatus().getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);
  }
}
