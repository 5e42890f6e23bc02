package dev.oprc.odgm.events;

import com.google.protobuf.CodedOutputStream;
import dev.oprc.odgm.proto.TriggerTarget;
import java.io.IOException;
import java.util.Map;

/**
 * The target-dependent bytes of an invocation envelope, encoded once per target when its
 * triggers are compiled: {@code head} holds {@code partition_id} (1), {@code cls_id} (3),
 * {@code fn_id} (4) and every {@code req_options} entry (5) that none of our headers can override;
 * {@code tail} holds {@code object_id} (7) for a stateful target. The two req_options whose keys
 * only sometimes collide with our headers are kept aside and written when not overridden.
 *
 * <p>Immutable; thread-safe.
 */
final class EnvelopeTemplate {
  private static final byte[] NONE = new byte[0];

  final boolean stateful;
  final byte[] head;
  final byte[] tail;
  /** {@code req_options[odgm-object-version]}, written only for function events; usually null. */
  final String reqObjectVersion;
  /** {@code req_options[traceparent]}, written only when the event has none; usually null. */
  final String reqTraceparent;

  EnvelopeTemplate(TriggerTarget target) {
    stateful = target.hasObjectId();
    Map<String, String> options = target.getReqOptionsMap();
    reqObjectVersion = options.get(TriggerHeaders.OBJECT_VERSION);
    reqTraceparent = options.get(TriggerHeaders.TRACEPARENT);
    try {
      int size = 0;
      if (target.getPartitionId() != 0) {
        size += CodedOutputStream.computeUInt32Size(1, target.getPartitionId());
      }
      if (!target.getClsId().isEmpty()) {
        size += CodedOutputStream.computeStringSize(3, target.getClsId());
      }
      if (!target.getFnId().isEmpty()) {
        size += CodedOutputStream.computeStringSize(4, target.getFnId());
      }
      for (Map.Entry<String, String> e : options.entrySet()) {
        if (!isHeader(e.getKey())) {
          int entry = CodedOutputStream.computeStringSize(1, e.getKey())
              + CodedOutputStream.computeStringSize(2, e.getValue());
          size += CodedOutputStream.computeTagSize(5) + CodedOutputStream.computeUInt32SizeNoTag(entry) + entry;
        }
      }
      head = new byte[size];
      CodedOutputStream o = CodedOutputStream.newInstance(head);
      if (target.getPartitionId() != 0) {
        o.writeUInt32(1, target.getPartitionId());
      }
      if (!target.getClsId().isEmpty()) {
        o.writeString(3, target.getClsId());
      }
      if (!target.getFnId().isEmpty()) {
        o.writeString(4, target.getFnId());
      }
      for (Map.Entry<String, String> e : options.entrySet()) {
        if (!isHeader(e.getKey())) {
          o.writeTag(5, ProtoBytes.LEN);
          o.writeUInt32NoTag(CodedOutputStream.computeStringSize(1, e.getKey())
              + CodedOutputStream.computeStringSize(2, e.getValue()));
          o.writeString(1, e.getKey());
          o.writeString(2, e.getValue());
        }
      }
      o.checkNoSpaceLeft();
      if (stateful) {
        tail = new byte[CodedOutputStream.computeStringSize(7, target.getObjectId())];
        CodedOutputStream t = CodedOutputStream.newInstance(tail);
        t.writeString(7, target.getObjectId());
        t.checkNoSpaceLeft();
      } else {
        tail = NONE;
      }
    } catch (IOException e) {
      throw new IllegalStateException("envelope template size computation is wrong", e);
    }
  }

  private static boolean isHeader(String key) {
    return key.equals(TriggerHeaders.DEPTH) || key.equals(TriggerHeaders.EVENT_TYPE)
        || key.equals(TriggerHeaders.OBJECT_VERSION) || key.equals(TriggerHeaders.TRACEPARENT);
  }
}
