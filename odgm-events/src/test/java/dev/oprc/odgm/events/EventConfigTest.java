package dev.oprc.odgm.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.settings.ConfigException;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EventConfigTest {

  @Test
  void anEmptyEnvironmentGivesTheDefaults() {
    EventConfig config = EventConfig.fromEnv(Map.of());

    assertThat(config).isEqualTo(EventConfig.defaults());
    assertThat(config.enabled()).isTrue();
    assertThat(config.maxTriggerDepth()).isEqualTo(10);
    assertThat(config.triggerTimeoutMillis()).isEqualTo(30_000);
    assertThat(config.queueBound()).isEqualTo(8192);
    assertThat(config.maxBatchFanout()).isEqualTo(256);
    assertThat(config.payloadFormat()).isEqualTo(PayloadFormat.JSON);
    assertThat(config.dispatchThreads()).isEqualTo(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
    assertThat(config.updateOnSameValue()).isFalse();
  }

  @Test
  void unrelatedVariablesAreIgnored() {
    assertThat(EventConfig.fromEnv(Map.of("ODGM_HTTP_PORT", "x", "PATH", "/bin"))).isEqualTo(EventConfig.defaults());
  }

  static Stream<Arguments> everyVariable() {
    return Stream.of(
        Arguments.of(EventConfig.ENABLED, "false", (Function<EventConfig, Object>) EventConfig::enabled, false),
        Arguments.of(EventConfig.ENABLED, "0", (Function<EventConfig, Object>) EventConfig::enabled, false),
        Arguments.of(EventConfig.MAX_TRIGGER_DEPTH, "3", (Function<EventConfig, Object>) EventConfig::maxTriggerDepth, 3),
        Arguments.of(EventConfig.MAX_TRIGGER_DEPTH, "0", (Function<EventConfig, Object>) EventConfig::maxTriggerDepth, 0),
        Arguments.of(EventConfig.TRIGGER_TIMEOUT_MS, "1500",
            (Function<EventConfig, Object>) EventConfig::triggerTimeoutMillis, 1500L),
        Arguments.of(EventConfig.QUEUE_BOUND, " 64 ", (Function<EventConfig, Object>) EventConfig::queueBound, 64),
        Arguments.of(EventConfig.MAX_BATCH_FANOUT, "1", (Function<EventConfig, Object>) EventConfig::maxBatchFanout, 1),
        Arguments.of(EventConfig.PAYLOAD_FORMAT, "protobuf",
            (Function<EventConfig, Object>) EventConfig::payloadFormat, PayloadFormat.PROTOBUF),
        Arguments.of(EventConfig.DISPATCH_THREADS, "7", (Function<EventConfig, Object>) EventConfig::dispatchThreads, 7),
        Arguments.of(EventConfig.UPDATE_ON_SAME_VALUE, "true",
            (Function<EventConfig, Object>) EventConfig::updateOnSameValue, true),
        Arguments.of(EventConfig.MAX_VALUE_BYTES, "1024", (Function<EventConfig, Object>) EventConfig::maxValueBytes,
            1024));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("everyVariable")
  void eachVariableSetsItsSetting(String variable, String value, Function<EventConfig, Object> setting,
      Object expected) {
    EventConfig config = EventConfig.fromEnv(Map.of(variable, value));

    assertThat(setting.apply(config)).isEqualTo(expected);
    assertThat(setting.apply(EventConfig.defaults())).as("each row must move off the default").isNotEqualTo(expected);
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({"true,true", "TRUE,true", "' True ',true", "1,true", "false,false",
      "FALSE,false", "0,false"})
  void booleansAcceptTrueFalseOneZeroInAnyCase(String value, boolean expected) {
    assertThat(EventConfig.fromEnv(Map.of(EventConfig.ENABLED, value)).enabled()).isEqualTo(expected);
  }

  @Test
  void allVariablesTogether() {
    EventConfig config = EventConfig.fromEnv(Map.of(
        EventConfig.ENABLED, "false", EventConfig.MAX_TRIGGER_DEPTH, "4", EventConfig.TRIGGER_TIMEOUT_MS, "250",
        EventConfig.QUEUE_BOUND, "16", EventConfig.MAX_BATCH_FANOUT, "8", EventConfig.PAYLOAD_FORMAT, "protobuf",
        EventConfig.DISPATCH_THREADS, "2", EventConfig.UPDATE_ON_SAME_VALUE, "1"));

    assertThat(config).isEqualTo(new EventConfig(false, 4, 250, 16, 8, PayloadFormat.PROTOBUF, 2, true));
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of(EventConfig.ENABLED, "yes", "true | false"),
        Arguments.of(EventConfig.ENABLED, "", "true | false"),
        Arguments.of(EventConfig.MAX_TRIGGER_DEPTH, "ten", "an integer 0..1000"),
        Arguments.of(EventConfig.MAX_TRIGGER_DEPTH, "-1", "0..1000"),
        Arguments.of(EventConfig.MAX_TRIGGER_DEPTH, "1001", "0..1000"),
        Arguments.of(EventConfig.MAX_TRIGGER_DEPTH, "", "an integer 0..1000"),
        Arguments.of(EventConfig.TRIGGER_TIMEOUT_MS, "0", "1..3600000"),
        Arguments.of(EventConfig.TRIGGER_TIMEOUT_MS, "3600001", "1..3600000"),
        Arguments.of(EventConfig.TRIGGER_TIMEOUT_MS, "1.5", "milliseconds 1..3600000"),
        Arguments.of(EventConfig.TRIGGER_TIMEOUT_MS, "30s", "milliseconds 1..3600000"),
        Arguments.of(EventConfig.QUEUE_BOUND, "0", "1..16777216"),
        Arguments.of(EventConfig.QUEUE_BOUND, "16777217", "1..16777216"),
        Arguments.of(EventConfig.QUEUE_BOUND, "99999999999", "an integer 1..16777216"),
        Arguments.of(EventConfig.MAX_BATCH_FANOUT, "0", ">= 1"),
        Arguments.of(EventConfig.MAX_BATCH_FANOUT, "-5", ">= 1"),
        Arguments.of(EventConfig.PAYLOAD_FORMAT, "xml", "json | protobuf"),
        Arguments.of(EventConfig.PAYLOAD_FORMAT, "", "json | protobuf"),
        Arguments.of(EventConfig.DISPATCH_THREADS, "0", "1..64"),
        Arguments.of(EventConfig.DISPATCH_THREADS, "65", "1..64"),
        Arguments.of(EventConfig.UPDATE_ON_SAME_VALUE, "maybe", "true | false"),
        Arguments.of(EventConfig.MAX_VALUE_BYTES, "-1", "0..16777216"),
        Arguments.of(EventConfig.MAX_VALUE_BYTES, "16777217", "0..16777216"),
        Arguments.of(EventConfig.MAX_VALUE_BYTES, "64k", "bytes 0..16777216"));
  }

  @ParameterizedTest(name = "{0}=''{1}''")
  @MethodSource("badValues")
  void aBadValueFailsNamingTheVariableTheValueAndWhatItAccepts(String variable, String value, String accepted) {
    assertThatThrownBy(() -> EventConfig.fromEnv(Map.of(variable, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(variable + "='" + value + "' is invalid")
        .hasMessageContaining(value)
        .hasMessageContaining("accepted: ")
        .hasMessageContaining(accepted);
  }

  @Test
  void theCanonicalConstructorChecksRangesToo() {
    assertThatThrownBy(() -> EventConfig.defaults().withQueueBound(0))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith(EventConfig.QUEUE_BOUND + "='0' is invalid");
    assertThatThrownBy(() -> EventConfig.defaults().withTriggerTimeoutMillis(0))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(EventConfig.TRIGGER_TIMEOUT_MS + "='0' is invalid");
  }

  @Test
  void withersChangeOnlyTheirSetting() {
    EventConfig d = EventConfig.defaults();

    assertThat(d.withQueueBound(5)).isEqualTo(new EventConfig(true, 10, 30_000, 5, 256, PayloadFormat.JSON,
        EventConfig.DEFAULT_DISPATCH_THREADS, false));
    assertThat(d.withPayloadFormat(PayloadFormat.PROTOBUF).payloadFormat()).isEqualTo(PayloadFormat.PROTOBUF);
    assertThat(d.withMaxTriggerDepth(2).maxTriggerDepth()).isEqualTo(2);
    assertThat(d.withMaxBatchFanout(3).maxBatchFanout()).isEqualTo(3);
    assertThat(d.withEnabled(false).enabled()).isFalse();
    assertThat(d.withUpdateOnSameValue(true).updateOnSameValue()).isTrue();
    assertThat(d.withTriggerTimeoutMillis(9).triggerTimeoutMillis()).isEqualTo(9);
  }

  @Test
  void changingTheDispatchThreadsKeepsTheValueCap() {
    assertThat(EventConfig.defaults().withMaxValueBytes(7).withDispatchThreads(2).maxValueBytes()).isEqualTo(7);
  }

  @Test
  void outboxVariablesBeyondThirtyTwoBitsAreAcceptedUpToTheirDeclaredBound() {
    assertThat(OutboxConfig.fromEnv(Map.of(OutboxConfig.MAX_BYTES, "4294967296")).maxBytes()).isEqualTo(1L << 32);
  }

  @Test
  void backpressureIsTheDefaultOutboxPolicyWithAOneSecondWait() {
    assertThat(OutboxConfig.defaults().fullPolicy()).isEqualTo(OutboxConfig.FullPolicy.BACKPRESSURE);
    assertThat(OutboxConfig.defaults().fullWaitMillis()).isEqualTo(1_000);
    assertThat(OutboxConfig.fromEnv(Map.of(OutboxConfig.FULL, "drop-new")).fullPolicy())
        .isEqualTo(OutboxConfig.FullPolicy.DROP_NEW);
  }

  @Test
  void aBadOutboxPolicyListsThePolicies() {
    assertThatThrownBy(() -> OutboxConfig.fromEnv(Map.of(OutboxConfig.FULL, "block")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("ODGM_OUTBOX_FULL='block' is invalid; accepted: drop-new | reject-writes | backpressure");
  }

  @Test
  void fromEnvWithoutArgumentsReadsTheProcessEnvironment() {
    // The build does not set ODGM_* variables, so this is the defaults unless someone exported one.
    boolean anySet = System.getenv().keySet().stream().anyMatch(k -> k.startsWith("ODGM_"));

    if (!anySet) {
      assertThat(EventConfig.fromEnv()).isEqualTo(EventConfig.defaults());
    } else {
      assertThat(EventConfig.fromEnv()).isEqualTo(EventConfig.fromEnv(System.getenv()));
    }
  }
}
