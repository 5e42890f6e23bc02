package dev.oprc.odgm.events;

import static dev.oprc.odgm.events.Fixtures.stateful;
import static dev.oprc.odgm.events.Fixtures.stateless;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.proto.TriggerTarget;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TriggerKeysTest {

  @ParameterizedTest
  @ValueSource(strings = {"a", "orders", "order-1", "v1.2", "x_y", "k:v", "Mixed.Case", "42", "é", "über-ключ",
      "with space", "a=b", "%41", "-", "..", "~tilde", "emoji😀"})
  void goodSegmentsAreAccepted(String segment) {
    assertThat(TriggerKeys.segmentProblem(segment)).isNull();
    assertThat(TriggerKeys.requireSegment("target fn_id", segment)).isSameAs(segment);
  }

  static Stream<Arguments> badSegments() {
    return Stream.of(
        Arguments.of("", "is empty"),
        Arguments.of("a/b", "contains '/' at index 1"),
        Arguments.of("/", "contains '/' at index 0"),
        Arguments.of("ab/", "contains '/' at index 2"),
        Arguments.of("*", "contains '*' at index 0"),
        Arguments.of("**", "contains '*' at index 0"),
        Arguments.of("a*b", "contains '*' at index 1"),
        Arguments.of("$*", "contains '$' at index 0"),
        Arguments.of("a$", "contains '$' at index 1"),
        Arguments.of("#x", "contains '#' at index 0"),
        Arguments.of("x?y", "contains '?' at index 1"),
        Arguments.of("tab\there", "contains control character U+0009 at index 3"),
        Arguments.of("nl\n", "contains control character U+000A at index 2"),
        Arguments.of("\u0000", "contains control character U+0000 at index 0"),
        Arguments.of("del\u007f", "contains control character U+007F at index 3"),
        Arguments.of("c1\u0085", "contains control character U+0085 at index 2"),
        Arguments.of("@admin", "starts with '@' (a verbatim Zenoh chunk that wildcard subscribers never match)"));
  }

  @ParameterizedTest
  @MethodSource("badSegments")
  void badSegmentsAreRejectedWithTheReason(String segment, String problem) {
    assertThat(TriggerKeys.segmentProblem(segment)).isEqualTo(problem);
  }

  @ParameterizedTest
  @MethodSource("badSegments")
  void requireSegmentNamesTheFieldAndTheValue(String segment, String problem) {
    assertThatThrownBy(() -> TriggerKeys.requireSegment("target object_id", segment))
        .isInstanceOf(InvalidTriggerTargetException.class)
        .hasMessageStartingWith("target object_id '" + segment + "' " + problem);
  }

  @Test
  void aNullSegmentIsRejectedAsEmpty() {
    assertThat(TriggerKeys.segmentProblem(null)).isEqualTo("is empty");
    assertThatThrownBy(() -> TriggerKeys.requireSegment("cls_id", null))
        .isInstanceOf(InvalidTriggerTargetException.class)
        .hasMessageStartingWith("cls_id 'null' is empty");
  }

  @Test
  void statelessPrefixIsOprcClsPartitionAsyncFn() {
    assertThat(TriggerKeys.keyPrefix(stateless("notification_service", 1, "notify")))
        .isEqualTo("oprc/notification_service/1/async/notify/");
  }

  @Test
  void statefulPrefixIncludesTheObjectId() {
    assertThat(TriggerKeys.keyPrefix(stateful("orders", 3, "order-1", "ship")))
        .isEqualTo("oprc/orders/3/objects/order-1/async/ship/");
  }

  @Test
  void partitionIsPrintedAsUnsignedDecimal() {
    assertThat(TriggerKeys.keyPrefix(stateless("c", -1, "f"))).isEqualTo("oprc/c/4294967295/async/f/");
    assertThat(TriggerKeys.keyPrefix(stateless("c", 0, "f"))).isEqualTo("oprc/c/0/async/f/");
  }

  static Stream<Arguments> badTargets() {
    return Stream.of(
        Arguments.of(stateless("", 1, "f"), "target cls_id '' is empty"),
        Arguments.of(stateless("a/b", 1, "f"), "target cls_id 'a/b' contains '/'"),
        Arguments.of(stateless("c", 1, ""), "target fn_id '' is empty"),
        Arguments.of(stateless("c", 1, "f*"), "target fn_id 'f*' contains '*'"),
        Arguments.of(stateful("c", 1, "", "f"), "target object_id '' is empty"),
        Arguments.of(stateful("c", 1, "o#1", "f"), "target object_id 'o#1' contains '#'"),
        Arguments.of(stateful("c", 1, "o?", "f"), "target object_id 'o?' contains '?'"),
        Arguments.of(stateful("c", 1, "$o", "f"), "target object_id '$o' contains '$'"));
  }

  @ParameterizedTest
  @MethodSource("badTargets")
  void keyPrefixRejectsABadTargetNamingTheFieldAndValue(TriggerTarget target, String message) {
    assertThatThrownBy(() -> TriggerKeys.keyPrefix(target))
        .isInstanceOf(InvalidTriggerTargetException.class)
        .hasMessageStartingWith(message)
        .hasMessageContaining("Zenoh key chunk");
  }

  @Test
  void compiledTargetValidatesOnConstruction() {
    assertThatThrownBy(() -> CompiledTarget.of(stateless("c", 1, "a/b")))
        .isInstanceOf(InvalidTriggerTargetException.class)
        .hasMessageContaining("fn_id 'a/b'");
  }

  @Test
  void statelessKeyAppendsTheInvocationId() {
    assertThat(TriggerKeys.statelessKey("c", 7, "f", "id-1")).isEqualTo("oprc/c/7/async/f/id-1");
  }

  @Test
  void statefulKeyAppendsTheInvocationId() {
    assertThat(TriggerKeys.statefulKey("c", 7, "o", "f", "id-1")).isEqualTo("oprc/c/7/objects/o/async/f/id-1");
  }

  @Test
  void fullKeysValidateEverySegmentIncludingTheInvocationId() {
    assertThatThrownBy(() -> TriggerKeys.statelessKey("c", 1, "f", "a/b"))
        .isInstanceOf(InvalidTriggerTargetException.class).hasMessageStartingWith("invocation_id 'a/b'");
    assertThatThrownBy(() -> TriggerKeys.statefulKey("c", 1, "o*", "f", "id"))
        .isInstanceOf(InvalidTriggerTargetException.class).hasMessageStartingWith("object_id 'o*'");
    assertThatThrownBy(() -> TriggerKeys.statefulKey("", 1, "o", "f", "id"))
        .isInstanceOf(InvalidTriggerTargetException.class).hasMessageStartingWith("cls_id ''");
  }
}
