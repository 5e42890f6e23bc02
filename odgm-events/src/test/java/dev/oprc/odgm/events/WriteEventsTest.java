package dev.oprc.odgm.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncTrigger;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.TriggerValues;
import dev.oprc.odgm.proto.ValData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Event assembly of one write: what reaches the write's batch, and how every target is counted. */
class WriteEventsTest {
  private static final TriggerTarget NOTIFY = Fixtures.stateless("orders", 0, "notify");
  private static final TriggerTarget AUDIT = Fixtures.stateless("orders", 0, "audit");

  /** A write's batch with room for {@code room} records; the records it took get seqs as a commit gives them. */
  private static final class Batch implements OutboxSink {
    final List<OutboxRecord> records = new ArrayList<>();
    int room;

    Batch(int room) {
      this.room = room;
    }

    @Override
    public boolean addOutbox(OutboxRecord r) {
      if (room == 0) {
        return false;
      }
      room--;
      records.add(r.withSeq(records.size() + 1));
      return true;
    }
  }

  private OutboxDispatcher dispatcher;
  private final Batch batch = new Batch(100);

  @AfterEach
  void stop() {
    if (dispatcher != null) {
      dispatcher.close(Duration.ofSeconds(1));
    }
  }

  private EventAssembler assembler(EventConfig events, OutboxConfig outbox) {
    dispatcher = OutboxDispatcher.builder().events(events).config(outbox).store(new OutboxDispatcherTest.Store())
        .link(new OutboxDispatcherTest.Link()).name("test-outbox").start();
    return new EventAssembler("orders", 1, events, dispatcher, () -> Fixtures.T0, false);
  }

  private EventAssembler assembler() {
    return assembler(EventConfig.defaults(), OutboxConfig.defaults());
  }

  private static TriggerIndex onUpdate(String key, TriggerTarget... targets) {
    return TriggerIndex.compile(ObjectEvent.newBuilder()
        .putDataTrigger(key, DataTrigger.newBuilder().addAllOnUpdate(List.of(targets)).build()).build());
  }

  private static ValData value(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  /** Reports an update of {@code key}, stages it at version 7 and commits the batch. */
  private WriteEvents update(EventAssembler a, TriggerIndex triggers, int depth, String... keys) {
    WriteEvents w = a.begin("order-1", depth, null);
    for (String key : keys) {
      w.change(key, EventType.DATA_UPDATE, value("shipped"), value("paid"));
    }
    w.stageData(batch, 7, triggers);
    w.committed(batch.records, 0);
    return w;
  }

  @Test
  void everyMatchedTargetBecomesOneRecordWithTheDeterministicId() {
    EventAssembler a = assembler();
    TriggerIndex triggers = onUpdate("status", NOTIFY, AUDIT);

    update(a, triggers, 0, "status");

    EventContext ctx = new EventContext("orders", 1, "order-1", EventType.DATA_UPDATE, "status", 7, Fixtures.T0,
        null, null, 0, null, value("shipped").getData(), value("paid").getData(), null);
    List<CompiledTarget> targets = triggers.match(EventType.DATA_UPDATE, "status");
    assertThat(batch.records).extracting(OutboxRecord::key).containsExactly(
        targets.get(0).keyPrefix() + DeterministicInvocationIds.of(ctx, 0, null),
        targets.get(1).keyPrefix() + DeterministicInvocationIds.of(ctx, 1, null));
    assertThat(dispatcher.stats().matched()).isEqualTo(2);
    assertThat(a.emitted(EventType.DATA_UPDATE)).isEqualTo(2);
  }

  @Test
  void aTargetWhoseFilterRefusesTheEventIsCountedAsFilteredOutNotMatched() {
    EventAssembler a = assembler();
    TriggerTarget deliveredOnly = NOTIFY.toBuilder()
        .setFilter(TriggerFilters.fromJson("{\"exact\": {\"new\": \"delivered\"}}")).build();

    update(a, onUpdate("status", deliveredOnly, AUDIT), 0, "status");

    assertThat(batch.records).hasSize(1);
    assertThat(dispatcher.stats().filteredOut()).isEqualTo(1);
    assertThat(dispatcher.stats().matched()).isEqualTo(1);
  }

  @Test
  void eventsAtTheDepthLimitAreCountedAndNotStaged() {
    EventAssembler a = assembler(EventConfig.defaults().withMaxTriggerDepth(2), OutboxConfig.defaults());

    update(a, onUpdate("status", NOTIFY, AUDIT), 2, "status");

    assertThat(batch.records).isEmpty();
    assertThat(dispatcher.stats().depthLimited()).isEqualTo(2);
    assertThat(a.emitted(EventType.DATA_UPDATE)).isZero();
  }

  @Test
  void keysPastTheFanOutCapAreCountedNotEvaluated() {
    EventAssembler a = assembler(EventConfig.defaults().withMaxBatchFanout(2), OutboxConfig.defaults());
    TriggerIndex triggers = TriggerIndex.compile(ObjectEvent.newBuilder()
        .putDataTrigger("a", DataTrigger.newBuilder().addOnUpdate(NOTIFY).build())
        .putDataTrigger("b", DataTrigger.newBuilder().addOnUpdate(NOTIFY).build())
        .putDataTrigger("c", DataTrigger.newBuilder().addOnUpdate(NOTIFY).build())
        .putDataTrigger("d", DataTrigger.newBuilder().addOnUpdate(NOTIFY).build()).build());

    update(a, triggers, 0, "a", "untriggered", "b", "c", "d");

    assertThat(batch.records).hasSize(2);
    assertThat(dispatcher.stats().fanoutTruncatedKeys()).isEqualTo(2);
  }

  @Test
  void aFullOutboxRejectsTheWriteUnderRejectWrites() {
    EventAssembler a = assembler(EventConfig.defaults(),
        OutboxConfig.defaults().withFullPolicy(OutboxConfig.FullPolicy.REJECT_WRITES));
    batch.room = 0;
    WriteEvents w = a.begin("order-1", 0, null);
    w.change("status", EventType.DATA_UPDATE, value("shipped"), value("paid"));

    assertThatThrownBy(() -> w.stageData(batch, 7, onUpdate("status", NOTIFY)))
        .isInstanceOf(OutboxFullException.class).hasMessageContaining("orders/1").hasMessageContaining("reject-writes");
    assertThat(dispatcher.stats().rejectedWrites()).isEqualTo(1);
  }

  @Test
  void underBackpressureAFullOutboxRefusesTheAttemptRetryablyAndCountsOnlyWhatTheWriterReports() {
    EventAssembler a = assembler(EventConfig.defaults(), OutboxConfig.defaults().withFullWaitMillis(250));
    batch.room = 0;
    WriteEvents w = a.begin("order-1", 0, null);
    w.change("status", EventType.DATA_UPDATE, value("shipped"), value("paid"));

    OutboxFullException e = catchThrowableOfType(OutboxFullException.class,
        () -> w.stageData(batch, 7, onUpdate("status", NOTIFY)));
    assertThat(e).hasMessageContaining("backpressure").hasMessageContaining("250 ms");
    assertThat(e.retryable()).isTrue();
    assertThat(e.waitMillis()).isEqualTo(250);
    assertThat(dispatcher.stats().rejectedWrites()).isZero(); // an attempt, not yet a refusal
    e.delayed();
    e.refused();
    assertThat(dispatcher.delayedWrites()).isEqualTo(1);
    assertThat(dispatcher.stats().rejectedWrites()).isEqualTo(1);
    assertThat(dispatcher.stats().dropped()).isZero();
    assertThat(dispatcher.stats().balanced()).isTrue();
  }

  @Test
  void aFullOutboxDropsTheNewRecordUnderDropNew() {
    EventAssembler a = assembler(EventConfig.defaults(),
        OutboxConfig.defaults().withFullPolicy(OutboxConfig.FullPolicy.DROP_NEW));
    batch.room = 1;

    update(a, onUpdate("status", NOTIFY, AUDIT), 0, "status");

    assertThat(batch.records).hasSize(1);
    assertThat(dispatcher.stats().dropped()).isEqualTo(1);
    assertThat(dispatcher.stats().matched()).isEqualTo(2);
    assertThat(dispatcher.stats().rejectedWrites()).isZero();
  }

  @Test
  void valuesCutToTheCapAreCountedOncePerTarget() {
    EventAssembler a = assembler(EventConfig.defaults().withMaxValueBytes(3), OutboxConfig.defaults());
    TriggerTarget both = NOTIFY.toBuilder().setIncludeValues(TriggerValues.TRIGGER_VALUES_BOTH).build();
    TriggerTarget newOnly = AUDIT.toBuilder().setIncludeValues(TriggerValues.TRIGGER_VALUES_NEW).build();

    update(a, onUpdate("status", both, newOnly), 0, "status");

    assertThat(batch.records).hasSize(2);
    assertThat(dispatcher.stats().valuesTruncated()).isEqualTo(3); // "shipped" and "paid" for one, "shipped" for the other
  }

  @Test
  void aFunctionEventIsStagedButNotCountedAsEmitted() {
    EventAssembler a = assembler();
    TriggerIndex triggers = TriggerIndex.compile(ObjectEvent.newBuilder()
        .putFuncTrigger("charge", FuncTrigger.newBuilder().addOnComplete(NOTIFY).build()).build());
    assertThat(a.hasFunctionTargets(triggers, EventType.FUNC_COMPLETE, "charge")).isTrue();
    WriteEvents w = a.begin("order-1", 1, null);

    int staged = w.stageFunction(batch, triggers, EventType.FUNC_COMPLETE, "charge", Fixtures.utf8("{}"), null,
        "OKAY", "inv-1");
    w.committed(batch.records, 0);

    assertThat(staged).isEqualTo(1);
    assertThat(batch.records).hasSize(1);
    assertThat(dispatcher.stats().matched()).isEqualTo(1);
    assertThat(a.emitted(EventType.DATA_CREATE) + a.emitted(EventType.DATA_UPDATE)).isZero();
  }

  @Test
  void withEventsDisabledNothingIsStaged() {
    EventAssembler a = new EventAssembler("orders", 1, EventConfig.defaults().withEnabled(false), null,
        () -> Fixtures.T0, false);
    WriteEvents w = a.begin("order-1", 0, null);
    w.change("status", EventType.DATA_UPDATE, value("shipped"), value("paid"));

    w.stageData(batch, 7, onUpdate("status", NOTIFY));
    w.committed(batch.records, 0);

    assertThat(batch.records).isEmpty();
    assertThat(w.wantsDataChanges(onUpdate("status", NOTIFY))).isFalse();
  }
}
