package dev.oprc.bench.events;

import dev.oprc.odgm.events.EventContext;
import dev.oprc.odgm.events.EventType;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncTrigger;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.TriggerTarget;
import java.nio.charset.StandardCharsets;

/**
 * The inputs of upstream's Criterion bench ({@code data-plane/oprc-odgm/benches/bench_event.rs}),
 * rebuilt for the Java event core so the figures can be compared.
 */
final class Fixtures {
  private Fixtures() {}

  /** A fixed commit time, so payload sizes do not drift with the clock. */
  static final long TIMESTAMP = 1_741_200_000_000L;

  /** The trigger key the hit benchmarks look up (upstream: {@code DataCreate("100")}). */
  static final String HIT_KEY = "100";

  /** A key with no trigger. */
  static final String MISS_KEY = "101";

  /**
   * Upstream's trigger config: one data_trigger entry with 2 stateful targets on create, and one
   * func_trigger with one target on complete.
   */
  static ObjectEvent objectEvent() {
    TriggerTarget a = TriggerTarget.newBuilder()
        .setClsId("notification_service").setPartitionId(1).setFnId("on_create_a").setObjectId("obj-1")
        .putReqOptions("priority", "high").build();
    TriggerTarget b = TriggerTarget.newBuilder()
        .setClsId("audit_service").setPartitionId(2).setFnId("on_create_b").setObjectId("obj-2").build();
    TriggerTarget f = TriggerTarget.newBuilder()
        .setClsId("notification_service").setPartitionId(1).setFnId("on_complete").build();
    return ObjectEvent.newBuilder()
        .putDataTrigger(HIT_KEY, DataTrigger.newBuilder().addOnCreate(a).addOnCreate(b).build())
        .putFuncTrigger("process", FuncTrigger.newBuilder().addOnComplete(f).build())
        .build();
  }

  /** Upstream's payload bench: DATA_UPDATE of key "42" on object "12345", payload b"test payload". */
  static EventContext dataUpdate() {
    return new EventContext("test_class", 1, "12345", EventType.DATA_UPDATE, "42", 7L, TIMESTAMP,
        "test payload".getBytes(StandardCharsets.UTF_8), null, 0, null);
  }

  /** A stateful target like upstream's. */
  static TriggerTarget statefulTarget() {
    return objectEvent().getDataTriggerOrThrow(HIT_KEY).getOnCreate(0);
  }

  /** A stateless target. */
  static TriggerTarget statelessTarget() {
    return objectEvent().getFuncTriggerOrThrow("process").getOnComplete(0);
  }
}
