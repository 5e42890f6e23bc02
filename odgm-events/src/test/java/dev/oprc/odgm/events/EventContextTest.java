package dev.oprc.odgm.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EventContextTest {

  @Test
  void aDataEventCarriesItsKeyVersionAndTimestamp() {
    EventContext ctx = EventContext.data("orders", 1, "order-1", EventType.DATA_UPDATE, "status", 9, 123L, 2);

    assertThat(ctx.subject()).isEqualTo("status");
    assertThat(ctx.objectVersion()).isEqualTo(9);
    assertThat(ctx.timestampMillis()).isEqualTo(123L);
    assertThat(ctx.depth()).isEqualTo(2);
    assertThat(ctx.payload()).isNull();
    assertThat(ctx.error()).isNull();
    assertThat(ctx.traceparent()).isNull();
  }

  @ParameterizedTest
  @EnumSource(value = EventType.class, names = {"FUNC_COMPLETE", "FUNC_ERROR"})
  void theDataFactoryRejectsFunctionTypes(EventType type) {
    assertThatThrownBy(() -> EventContext.data("c", 0, "o", type, "k", 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(type.name());
  }

  @ParameterizedTest
  @EnumSource(value = EventType.class, names = {"DATA_CREATE", "DATA_UPDATE", "DATA_DELETE"})
  void theFunctionFactoryRejectsDataTypes(EventType type) {
    assertThatThrownBy(() -> EventContext.function("c", 0, "o", type, "f", null, null, 0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(type.name());
  }

  @Test
  void aNegativeDepthIsRejected() {
    assertThatThrownBy(() -> EventContext.data("c", 0, "o", EventType.DATA_CREATE, "k", 0, 0, -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
  }

  @Test
  void withTraceparentKeepsEverythingElse() {
    EventContext ctx = EventContext.function("c", 4, "o", EventType.FUNC_ERROR, "f", null, "boom", 77L, 3);
    EventContext traced = ctx.withTraceparent("00-abc-def-01");

    assertThat(traced.traceparent()).isEqualTo("00-abc-def-01");
    assertThat(traced.withTraceparent(null)).isEqualTo(ctx);
  }

  @Test
  void equalityComparesPayloadContents() {
    EventContext a = EventContext.function("c", 0, "o", EventType.FUNC_COMPLETE, "f", new byte[] {1, 2}, null, 5, 0);
    EventContext b = EventContext.function("c", 0, "o", EventType.FUNC_COMPLETE, "f", new byte[] {1, 2}, null, 5, 0);
    EventContext c = EventContext.function("c", 0, "o", EventType.FUNC_COMPLETE, "f", new byte[] {1, 3}, null, 5, 0);

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c);
  }
}
