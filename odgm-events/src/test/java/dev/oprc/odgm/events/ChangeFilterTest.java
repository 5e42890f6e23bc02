package dev.oprc.odgm.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.ValData;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangeFilterTest {
  private static byte[] event(List<String> keys, List<EventType> types, List<ValData> values) {
    return ChangeEvents.json(ChangeEvents.body("orders", 2, "o1", 3, 0, keys, types, values, 1024, new int[1]), 9);
  }

  @Test
  void anEventPassesWhenOneOfItsChangesDoes() {
    byte[] e = event(List.of("a", "audit.x"), List.of(EventType.DATA_UPDATE, EventType.DATA_CREATE), null);
    assertThat(ChangeFilter.parse("key starts with audit.").test(e)).isTrue();
    assertThat(ChangeFilter.parse("key starts with billing.").test(e)).isFalse();
    assertThat(ChangeFilter.parse("{\"exact\": {\"type\": \"data.delete\"}}").test(e)).isFalse();
    assertThat(ChangeFilter.parse("type == update and object == o1 and partition == 2").test(e)).isTrue();
  }

  @Test
  void valuesCarriedByTheEventCanBeFiltered() {
    ValData v = ValData.newBuilder().setData(ByteString.copyFromUtf8("{\"amount\": 1500}")).build();
    byte[] e = event(List.of("order"), List.of(EventType.DATA_UPDATE), List.of(v));
    assertThat(ChangeFilter.parse("amount > 1000").test(e)).isTrue();
    assertThat(ChangeFilter.parse("amount > 2000").test(e)).isFalse();
  }

  @Test
  void aFilterThatDoesNotCompileIsRefusedNamingTheProblem() {
    assertThatThrownBy(() -> ChangeFilter.parse("{\"exact\": {\"nope\": \"x\"}}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
    assertThatThrownBy(() -> ChangeFilter.parse(" ")).hasMessageContaining("empty change filter");
  }
}
