package dev.oprc.odgm.events;

import dev.oprc.odgm.proto.TriggerTarget;
import java.nio.charset.StandardCharsets;

/** Small builders shared by the tests. */
final class Fixtures {
  private Fixtures() {}

  /** The fixed commit time of reference §3.4's data example. */
  static final long T0 = 1_741_200_000_000L;

  static TriggerTarget stateless(String cls, int partition, String fn) {
    return TriggerTarget.newBuilder().setClsId(cls).setPartitionId(partition).setFnId(fn).build();
  }

  static TriggerTarget stateful(String cls, int partition, String objectId, String fn) {
    return TriggerTarget.newBuilder().setClsId(cls).setPartitionId(partition).setObjectId(objectId).setFnId(fn)
        .build();
  }

  static EventContext dataEvent(EventType type, String key) {
    return EventContext.data("orders", 1, "order-1", type, key, 7L, T0, 0);
  }

  static EventContext dataEventAtDepth(int depth) {
    return EventContext.data("orders", 1, "order-1", EventType.DATA_UPDATE, "status", 7L, T0, depth);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String str(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
