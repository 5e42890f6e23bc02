package dev.oprc.odgm.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TriggerHeadersTest {
  private static final int UNKNOWN_DEPTH = Integer.MAX_VALUE / 2;

  @Test
  void anInvocationWithoutOptionsCausesDepthZero() {
    assertThat(TriggerHeaders.causedEventDepth(null)).isZero();
    assertThat(TriggerHeaders.causedEventDepth(Map.of())).isZero();
    assertThat(TriggerHeaders.causedEventDepth(Map.of("priority", "high"))).isZero();
  }

  @ParameterizedTest
  @CsvSource({"0,1", "1,2", "9,10", "' 3 ',4", "1073741822,1073741823"})
  void aTriggeredInvocationCausesItsDepthPlusOne(String header, int expected) {
    assertThat(TriggerHeaders.causedEventDepth(Map.of(TriggerHeaders.DEPTH, header))).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"-1", "abc", "''", "1.5", "0x10", "99999999999", "2147483647", "1073741823"})
  void aMalformedOrHugeHeaderCountsAsUnknownDepthSoLoopsStillStop(String header) {
    assertThat(TriggerHeaders.causedEventDepth(Map.of(TriggerHeaders.DEPTH, header))).isEqualTo(UNKNOWN_DEPTH);
  }

  @Test
  void anUnknownDepthIsAtOrBeyondAnyConfigurableMaximum() {
    int maxConfigurable = 1_000;

    assertThat(TriggerHeaders.causedEventDepth(Map.of(TriggerHeaders.DEPTH, "junk"))).isGreaterThanOrEqualTo(maxConfigurable);
  }

  @Test
  void aNullHeaderValueIsIgnored() {
    Map<String, String> options = new HashMap<>();
    options.put(TriggerHeaders.DEPTH, null);

    assertThat(TriggerHeaders.causedEventDepth(options)).isZero();
  }
}
