package dev.oprc.odgm.events;

import static dev.oprc.odgm.events.Fixtures.stateful;
import static dev.oprc.odgm.events.Fixtures.stateless;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncTrigger;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.TriggerTarget;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TriggerIndexTest {
  private static final TriggerTarget A = stateless("svc", 1, "a");
  private static final TriggerTarget B = stateful("svc", 2, "obj-b", "b");
  private static final TriggerTarget C = stateless("other", 0, "c");

  /** An ObjectEvent with exactly one target, {@code target}, on the slot for {@code type}. */
  private static ObjectEvent onlyOn(EventType type, String subject, TriggerTarget target) {
    ObjectEvent.Builder e = ObjectEvent.newBuilder();
    switch (type) {
      case DATA_CREATE -> e.putDataTrigger(subject, DataTrigger.newBuilder().addOnCreate(target).build());
      case DATA_UPDATE -> e.putDataTrigger(subject, DataTrigger.newBuilder().addOnUpdate(target).build());
      case DATA_DELETE -> e.putDataTrigger(subject, DataTrigger.newBuilder().addOnDelete(target).build());
      case FUNC_COMPLETE -> e.putFuncTrigger(subject, FuncTrigger.newBuilder().addOnComplete(target).build());
      case FUNC_ERROR -> e.putFuncTrigger(subject, FuncTrigger.newBuilder().addOnError(target).build());
    }
    return e.build();
  }

  private static List<TriggerTarget> targets(List<CompiledTarget> compiled) {
    return compiled.stream().map(CompiledTarget::target).toList();
  }

  @ParameterizedTest
  @EnumSource(EventType.class)
  void aTriggerFiresForItsOwnEventTypeOnItsSubject(EventType type) {
    TriggerIndex index = TriggerIndex.compile(onlyOn(type, "status", A));

    assertThat(targets(index.match(type, "status"))).containsExactly(A);
  }

  @ParameterizedTest
  @EnumSource(EventType.class)
  void aTriggerDoesNotFireForAnyOtherEventType(EventType type) {
    TriggerIndex index = TriggerIndex.compile(onlyOn(type, "status", A));

    for (EventType other : EventType.values()) {
      if (other != type) {
        assertThat(index.match(other, "status")).as("match(%s, status)", other).isEmpty();
      }
    }
  }

  @Test
  void dataKeysAndFunctionIdsAreSeparateNamespaces() {
    ObjectEvent event = ObjectEvent.newBuilder()
        .putDataTrigger("resize", DataTrigger.newBuilder().addOnUpdate(A).build())
        .putFuncTrigger("resize", FuncTrigger.newBuilder().addOnComplete(B).build())
        .build();
    TriggerIndex index = TriggerIndex.compile(event);

    assertThat(targets(index.match(EventType.DATA_UPDATE, "resize"))).containsExactly(A);
    assertThat(targets(index.match(EventType.FUNC_COMPLETE, "resize"))).containsExactly(B);
  }

  @Test
  void severalTargetsComeBackInListOrder() {
    ObjectEvent event = ObjectEvent.newBuilder()
        .putDataTrigger("k", DataTrigger.newBuilder().addOnCreate(C).addOnCreate(A).addOnCreate(B).build())
        .build();

    assertThat(targets(TriggerIndex.compile(event).match(EventType.DATA_CREATE, "k"))).containsExactly(C, A, B);
  }

  @Test
  void duplicateTargetsFireTwice() {
    ObjectEvent event = ObjectEvent.newBuilder()
        .putFuncTrigger("f", FuncTrigger.newBuilder().addOnError(A).addOnError(A).build())
        .build();

    assertThat(targets(TriggerIndex.compile(event).match(EventType.FUNC_ERROR, "f"))).containsExactly(A, A);
  }

  @Test
  void compiledTargetsCarryTheirKeyPrefix() {
    TriggerIndex index = TriggerIndex.compile(onlyOn(EventType.DATA_CREATE, "k", B));

    assertThat(index.match(EventType.DATA_CREATE, "k"))
        .extracting(CompiledTarget::keyPrefix)
        .containsExactly("oprc/svc/2/objects/obj-b/async/b/");
  }

  @Test
  void aMissReturnsTheSameSharedEmptyListEveryTime() {
    TriggerIndex index = TriggerIndex.compile(onlyOn(EventType.DATA_CREATE, "k", A));
    TriggerIndex other = TriggerIndex.compile(onlyOn(EventType.FUNC_COMPLETE, "f", B));

    List<CompiledTarget> unknownKey = index.match(EventType.DATA_CREATE, "nope");
    List<CompiledTarget> unknownFn = index.match(EventType.FUNC_ERROR, "nope");
    List<CompiledTarget> emptySlot = index.match(EventType.DATA_DELETE, "k");

    assertThat(unknownKey).isEmpty();
    assertThat(unknownFn).isSameAs(unknownKey);
    assertThat(emptySlot).isSameAs(unknownKey);
    assertThat(other.match(EventType.DATA_CREATE, "k")).isSameAs(unknownKey);
    assertThat(TriggerIndex.EMPTY.match(EventType.DATA_UPDATE, "k")).isSameAs(unknownKey);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Status", "STATUS", "status ", " status", "stat", "status2", "statu", ""})
  void keysMatchExactlyAndCaseSensitively(String probe) {
    TriggerIndex index = TriggerIndex.compile(onlyOn(EventType.DATA_UPDATE, "status", A));

    assertThat(index.match(EventType.DATA_UPDATE, probe)).isEmpty();
    assertThat(index.match(EventType.DATA_UPDATE, "status")).hasSize(1);
  }

  @Test
  void functionIdsMatchCaseSensitively() {
    TriggerIndex index = TriggerIndex.compile(onlyOn(EventType.FUNC_COMPLETE, "Transcode", A));

    assertThat(index.match(EventType.FUNC_COMPLETE, "transcode")).isEmpty();
    assertThat(index.match(EventType.FUNC_COMPLETE, "Transcode")).hasSize(1);
  }

  @Test
  void theKeyNormalizerIsAppliedToDataTriggerKeys() {
    TriggerIndex index = TriggerIndex.compile(onlyOn(EventType.DATA_CREATE, "Name", A),
        k -> k.toLowerCase(Locale.ROOT));

    assertThat(targets(index.match(EventType.DATA_CREATE, "name"))).containsExactly(A);
    assertThat(index.match(EventType.DATA_CREATE, "Name")).isEmpty();
  }

  @Test
  void theKeyNormalizerLeavesFunctionIdsAlone() {
    TriggerIndex index = TriggerIndex.compile(onlyOn(EventType.FUNC_COMPLETE, "Fn", A),
        k -> k.toLowerCase(Locale.ROOT));

    assertThat(index.match(EventType.FUNC_COMPLETE, "Fn")).hasSize(1);
    assertThat(index.match(EventType.FUNC_COMPLETE, "fn")).isEmpty();
  }

  @Test
  void keysThatNormalizeAlikeMergeTheirTargets() {
    ObjectEvent event = ObjectEvent.newBuilder()
        .putDataTrigger("Name", DataTrigger.newBuilder().addOnCreate(A).build())
        .putDataTrigger("name", DataTrigger.newBuilder().addOnCreate(B).build())
        .build();

    TriggerIndex index = TriggerIndex.compile(event, k -> k.toLowerCase(Locale.ROOT));

    assertThat(targets(index.match(EventType.DATA_CREATE, "name"))).containsExactlyInAnyOrder(A, B);
    assertThat(index.targetCount()).isEqualTo(2);
  }

  @Test
  void aNormalizerThatRejectsAKeyFailsTheCompile() {
    assertThatThrownBy(() -> TriggerIndex.compile(onlyOn(EventType.DATA_CREATE, "Bad Key", A), k -> {
      throw new IllegalArgumentException("key '" + k + "' is not allowed");
    })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Bad Key");
  }

  @Test
  void aNormalizerThatReturnsNullFailsTheCompileNamingTheKey() {
    assertThatThrownBy(() -> TriggerIndex.compile(onlyOn(EventType.DATA_CREATE, "k1", A), k -> null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data_trigger['k1']");
  }

  static Stream<Arguments> badTargetLocations() {
    TriggerTarget bad = stateless("bad/cls", 1, "fn");
    return Stream.of(
        Arguments.of(ObjectEvent.newBuilder().putDataTrigger("k",
            DataTrigger.newBuilder().addOnCreate(bad).build()).build(), "data_trigger['k'].on_create[0]"),
        Arguments.of(ObjectEvent.newBuilder().putDataTrigger("k",
            DataTrigger.newBuilder().addOnUpdate(A).addOnUpdate(bad).build()).build(), "data_trigger['k'].on_update[1]"),
        Arguments.of(ObjectEvent.newBuilder().putDataTrigger("x",
            DataTrigger.newBuilder().addOnDelete(A).addOnDelete(B).addOnDelete(bad).build()).build(),
            "data_trigger['x'].on_delete[2]"),
        Arguments.of(ObjectEvent.newBuilder().putFuncTrigger("f",
            FuncTrigger.newBuilder().addOnComplete(bad).build()).build(), "func_trigger['f'].on_complete[0]"),
        Arguments.of(ObjectEvent.newBuilder().putFuncTrigger("g",
            FuncTrigger.newBuilder().addOnError(A).addOnError(bad).build()).build(), "func_trigger['g'].on_error[1]"));
  }

  @ParameterizedTest
  @MethodSource("badTargetLocations")
  void compileRejectsABadTargetNamingWhereItIs(ObjectEvent event, String where) {
    assertThatThrownBy(() -> TriggerIndex.compile(event))
        .isInstanceOf(InvalidTriggerTargetException.class)
        .hasMessageStartingWith(where + ": ")
        .hasMessageContaining("cls_id 'bad/cls'");
  }

  @Test
  void theDefaultObjectEventCompilesToTheSharedEmptyIndex() {
    TriggerIndex index = TriggerIndex.compile(ObjectEvent.getDefaultInstance());

    assertThat(index).isSameAs(TriggerIndex.EMPTY);
    assertThat(index.isEmpty()).isTrue();
    assertThat(index.hasDataTriggers()).isFalse();
    assertThat(index.hasFuncTriggers()).isFalse();
  }

  @Test
  void countsAndFlagsDescribeTheConfiguredTargets() {
    ObjectEvent event = ObjectEvent.newBuilder()
        .putDataTrigger("k", DataTrigger.newBuilder().addOnCreate(A).addOnUpdate(B).addOnUpdate(C).build())
        .build();
    TriggerIndex index = TriggerIndex.compile(event);

    assertThat(index.targetCount()).isEqualTo(3);
    assertThat(index.isEmpty()).isFalse();
    assertThat(index.hasDataTriggers()).isTrue();
    assertThat(index.hasFuncTriggers()).isFalse();
  }

  @Test
  void aTriggerEntryWithNoTargetsCountsAsNoTrigger() {
    ObjectEvent event = ObjectEvent.newBuilder()
        .putDataTrigger("k", DataTrigger.getDefaultInstance())
        .putFuncTrigger("f", FuncTrigger.getDefaultInstance())
        .build();
    TriggerIndex index = TriggerIndex.compile(event);

    assertThat(index.isEmpty()).isTrue();
    assertThat(index.hasDataTriggers()).isFalse();
    assertThat(index.hasFuncTriggers()).isFalse();
  }

  @Test
  void theSourceConfigurationIsKeptForGet() {
    ObjectEvent event = onlyOn(EventType.DATA_UPDATE, "k", A);

    assertThat(TriggerIndex.compile(event).source()).isEqualTo(event);
  }
}
