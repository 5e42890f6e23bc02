package dev.oprc.odgm.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettingsTest {
  private static final Setting<Integer> THREADS = Setting.integer("ODGM_T_THREADS", 4, 1, 64, "threads");
  private static final Setting<Long> TIMEOUT = Setting.millis("ODGM_T_TIMEOUT_MS", 500, 1, 3_600_000, "timeout");
  private static final Setting<Long> SIZE = Setting.bytes("ODGM_T_BYTES", 1024, 1024, 1L << 40, "size");
  private static final Setting<Boolean> ON = Setting.bool("ODGM_T_ON", false, "switch");
  private static final Setting<String> COLOR = Setting.choice("ODGM_T_COLOR", "r",
      orderedMap("red", "r", "green", "g"), "color");

  private static Map<String, String> orderedMap(String k1, String v1, String k2, String v2) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(k1, v1);
    m.put(k2, v2);
    return m;
  }

  @Test
  void anUnsetVariableTakesItsDefault() {
    assertThat(Settings.of(Map.of()).get(THREADS)).isEqualTo(4);
  }

  @Test
  void aSetVariableIsParsedTrimmed() {
    assertThat(Settings.of(Map.of("ODGM_T_THREADS", " 7 ")).get(THREADS)).isEqualTo(7);
  }

  @Test
  void anOutOfRangeIntegerNamesTheVariableTheValueAndTheRange() {
    assertThatThrownBy(() -> Settings.of(Map.of("ODGM_T_THREADS", "0")).get(THREADS))
        .isExactlyInstanceOf(ConfigException.class)
        .hasMessage("ODGM_T_THREADS='0' is invalid; accepted: an integer 1..64");
  }

  @Test
  void aNonNumericIntegerSaysWhatIsAccepted() {
    assertThatThrownBy(() -> Settings.of(Map.of("ODGM_T_THREADS", "many")).get(THREADS))
        .hasMessage("ODGM_T_THREADS='many' is invalid; accepted: an integer 1..64");
  }

  @Test
  void anIntegerBeyondThirtyTwoBitsIsInvalidNotTruncated() {
    assertThatThrownBy(() -> Settings.of(Map.of("ODGM_T_THREADS", "4294967297")).get(THREADS))
        .hasMessageContaining("'4294967297' is invalid");
  }

  @Test
  void aBlankNumberIsInvalidUnlessDeclaredAsUnset() {
    assertThatThrownBy(() -> Settings.of(Map.of("ODGM_T_THREADS", " ")).get(THREADS))
        .isInstanceOf(ConfigException.class);
    assertThat(Settings.of(Map.of("ODGM_T_THREADS", " ")).get(THREADS.blankIsUnset(true))).isEqualTo(4);
  }

  @Test
  void millisecondsAndBytesSayTheirUnitWhenRefused() {
    assertThatThrownBy(() -> Settings.of(Map.of("ODGM_T_TIMEOUT_MS", "30s")).get(TIMEOUT))
        .hasMessage("ODGM_T_TIMEOUT_MS='30s' is invalid; accepted: milliseconds 1..3600000");
    assertThatThrownBy(() -> Settings.of(Map.of("ODGM_T_BYTES", "32MB")).get(SIZE))
        .hasMessage("ODGM_T_BYTES='32MB' is invalid; accepted: bytes 1024..1099511627776");
  }

  @Test
  void anUnboundedMaximumReadsAsAtLeast() {
    assertThat(Setting.longInteger("ODGM_T_N", 1, 1, Long.MAX_VALUE, "n").accepted()).isEqualTo("an integer >= 1");
  }

  @ParameterizedTest
  @CsvSource({"true,true", "TRUE,true", "' True ',true", "1,true", "false,false", "FALSE,false", "0,false"})
  void booleansAcceptTrueFalseOneZeroInAnyCase(String value, boolean expected) {
    assertThat(Settings.of(Map.of("ODGM_T_ON", value)).get(ON)).isEqualTo(expected);
  }

  @Test
  void anyOtherBooleanIsInvalid() {
    assertThatThrownBy(() -> Settings.of(Map.of("ODGM_T_ON", "yes")).get(ON))
        .hasMessage("ODGM_T_ON='yes' is invalid; accepted: true | false | 1 | 0");
  }

  @Test
  void aChoiceMatchesInAnyCaseAndListsTheChoicesWhenRefused() {
    assertThat(Settings.of(Map.of("ODGM_T_COLOR", "Green")).get(COLOR)).isEqualTo("g");
    assertThatThrownBy(() -> Settings.of(Map.of("ODGM_T_COLOR", "blue")).get(COLOR))
        .hasMessage("ODGM_T_COLOR='blue' is invalid; accepted: red | green");
  }

  @Test
  void aChoiceDefaultReadsAsItsName() {
    assertThat(COLOR.defaultText()).isEqualTo("red");
  }

  @Test
  void aValueGivenThroughJavaIsCheckedByTheSameDeclaration() {
    assertThat(THREADS.check(64)).isEqualTo(64);
    assertThatThrownBy(() -> THREADS.check(65)).hasMessage("ODGM_T_THREADS='65' is invalid; accepted: an integer 1..64");
  }

  @Test
  void aDefaultOutsideTheCheckIsADeclarationError() {
    assertThatThrownBy(() -> Setting.integer("ODGM_T_BAD", 0, 1, 2, "bad"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ODGM_T_BAD");
  }

  @Test
  void isSetDistinguishesUnsetBlankAndSet() {
    Settings s = Settings.of(Map.of("ODGM_T_THREADS", "", "ODGM_T_ON", "1"));
    assertThat(s.isSet(THREADS)).isTrue();
    assertThat(s.isSet(THREADS.blankIsUnset(true))).isFalse();
    assertThat(s.isSet(TIMEOUT)).isFalse();
    assertThat(s.raw(ON)).isEqualTo("1");
  }

  @Test
  void textIsReturnedAsGivenAndBlankIsUnset() {
    Setting<String> members = Setting.text("ODGM_T_MEMBERS", "unset", "id=host:port,...", "members");
    assertThat(Settings.of(Map.of("ODGM_T_MEMBERS", " 1=a:1 ")).get(members)).isEqualTo("1=a:1");
    assertThat(Settings.of(Map.of("ODGM_T_MEMBERS", "  ")).get(members)).isNull();
  }
}
