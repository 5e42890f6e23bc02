package dev.oprc.odgm.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.proto.TriggerPayload;
import dev.oprc.odgm.proto.TriggerValues;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Entry values in payloads: the new one as original_payload, the old one base64 in context, both capped. */
class PayloadValuesTest {
  private static final EventContext UPDATE = FilterEvents.data(EventType.DATA_UPDATE, "status", "shipped", "paid", 0);

  @Test
  void noValuesAskedForMeansNone() {
    assertThat(PayloadValues.of(UPDATE, TriggerValues.TRIGGER_VALUES_NONE, 100)).isNull();
  }

  @Test
  void newValueBecomesTheOriginalPayload() throws Exception {
    PayloadValues pv = PayloadValues.of(UPDATE, TriggerValues.TRIGGER_VALUES_NEW, 100);
    TriggerPayload p = TriggerPayload.parseFrom(TriggerPayloadCodec.toProtobufBytes(UPDATE, pv));
    assertThat(p.getOriginalPayload().toStringUtf8()).isEqualTo("shipped");
    assertThat(p.getEventInfo().getContextMap()).isEmpty();
  }

  @Test
  void oldValueGoesBase64InTheContext() throws Exception {
    PayloadValues pv = PayloadValues.of(UPDATE, TriggerValues.TRIGGER_VALUES_OLD, 100);
    TriggerPayload p = TriggerPayload.parseFrom(TriggerPayloadCodec.toProtobufBytes(UPDATE, pv));
    assertThat(p.hasOriginalPayload()).isFalse();
    assertThat(Base64.getDecoder().decode(p.getEventInfo().getContextMap().get(PayloadValues.OLD_VALUE)))
        .isEqualTo(Fixtures.utf8("paid"));
  }

  @Test
  void valuesLongerThanTheCapAreCutAndFlagged() throws Exception {
    PayloadValues pv = PayloadValues.of(UPDATE, TriggerValues.TRIGGER_VALUES_BOTH, 3);
    assertThat(pv.cuts()).isEqualTo(2);
    TriggerPayload p = TriggerPayload.parseFrom(TriggerPayloadCodec.toProtobufBytes(UPDATE, pv));
    assertThat(p.getOriginalPayload().toStringUtf8()).isEqualTo("shi");
    assertThat(p.getEventInfo().getContextMap())
        .containsEntry(PayloadValues.NEW_VALUE_TRUNCATED, "true")
        .containsEntry(PayloadValues.NEW_VALUE_SIZE, "7")
        .containsEntry(PayloadValues.OLD_VALUE_TRUNCATED, "true")
        .containsEntry(PayloadValues.OLD_VALUE_SIZE, "4")
        .containsEntry(PayloadValues.OLD_VALUE, Base64.getEncoder().encodeToString(Fixtures.utf8("pai")));
  }

  @Test
  void aValueAtTheCapIsNotCut() {
    PayloadValues pv = PayloadValues.of(UPDATE, TriggerValues.TRIGGER_VALUES_BOTH, 4); // "paid" is 4 bytes
    assertThat(pv.newCut()).isTrue();
    assertThat(pv.oldCut()).isFalse();
    assertThat(pv.cuts()).isEqualTo(1);
  }

  @Test
  void createHasNoOldValueAndDeleteNoNewValue() {
    EventContext create = FilterEvents.data(EventType.DATA_CREATE, "k", "v", null, 0);
    EventContext delete = FilterEvents.data(EventType.DATA_DELETE, "k", null, "v", 0);
    assertThat(PayloadValues.of(create, TriggerValues.TRIGGER_VALUES_BOTH, 10).oldValueBase64()).isNull();
    assertThat(PayloadValues.of(delete, TriggerValues.TRIGGER_VALUES_BOTH, 10).newValue()).isNull();
  }

  @Test
  void directProtobufBytesEqualTheGeneratedMessageWithValues() {
    EventContext withError = FilterEvents.function(EventType.FUNC_ERROR, "f", "APP_ERROR", "boom", 1)
        .withValues(UPDATE.newValue(), UPDATE.oldValue());
    for (EventContext ctx : new EventContext[] {UPDATE, withError}) {
      PayloadValues pv = PayloadValues.of(ctx, TriggerValues.TRIGGER_VALUES_BOTH, 2);
      assertThat(TriggerPayloadCodec.toProtobufBytes(ctx, pv))
          .isEqualTo(TriggerPayloadCodec.toProtobuf(ctx, pv).toByteArray());
    }
  }

  @Test
  void jsonCarriesTheValuesInUpstreamsShapeWithSortedContext() {
    PayloadValues pv = PayloadValues.of(UPDATE, TriggerValues.TRIGGER_VALUES_BOTH, 3);
    String json = Fixtures.str(TriggerPayloadCodec.toJson(UPDATE, pv));
    assertThat(json).contains("\"context\":{\"new_value_size\":\"7\",\"new_value_truncated\":\"true\","
        + "\"old_value\":\"" + Base64.getEncoder().encodeToString(Fixtures.utf8("pai")) + "\","
        + "\"old_value_size\":\"4\",\"old_value_truncated\":\"true\"}");
    assertThat(json).endsWith("\"original_payload\":\"" + Base64.getEncoder().encodeToString(Fixtures.utf8("shi"))
        + "\"}");
  }
}
