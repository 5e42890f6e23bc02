package dev.oprc.odgm.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventTypeTest {

  @ParameterizedTest
  @CsvSource({"FUNC_COMPLETE,1,false", "FUNC_ERROR,2,false", "DATA_CREATE,3,true", "DATA_UPDATE,4,true",
      "DATA_DELETE,5,true"})
  void numbersAndKindsMatchUpstream(EventType type, int number, boolean data) {
    assertThat(type.number()).isEqualTo(number);
    assertThat(type.isData()).isEqualTo(data);
    assertThat(EventType.fromNumber(number)).isSameAs(type);
  }

  @ParameterizedTest
  @EnumSource(EventType.class)
  void theProtoEnumHasTheSameNumber(EventType type) {
    assertThat(type.toProto().getNumber()).isEqualTo(type.number());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 6, 100})
  void unknownNumbersAreRejected(int number) {
    assertThatThrownBy(() -> EventType.fromNumber(number))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(String.valueOf(number));
  }
}
