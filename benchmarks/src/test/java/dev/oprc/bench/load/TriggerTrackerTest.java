package dev.oprc.bench.load;

import java.nio.charset.StandardCharsets;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class TriggerTrackerTest {
  @Test
  void countsDistinctArrivalsForAcknowledgedWrites() {
    TriggerTracker t = new TriggerTracker(2, 2, 0);
    t.open();
    t.sent(0, 5, 1_000);
    t.sent(0, 6, 2_000);
    t.sent(1, 9, 3_000);
    t.close();
    t.sent(1, 10, 4_000); // after the window: not registered
    t.acknowledged(0, 5, true);
    t.acknowledged(0, 6, true);
    t.acknowledged(1, 9, false); // failed: not expected
    t.arrived(0, 5, 0, 11_000);
    t.arrived(0, 5, 1, 21_000);
    t.arrived(0, 5, 1, 22_000); // duplicate
    t.arrived(0, 6, 0, 12_000); // target 1 of version 6 is lost
    t.arrived(1, 10, 0, 5_000); // outside the window
    t.arrived(0, 4, 0, 5_000); // warm-up write

    TriggerTracker.Summary s = t.summarize();
    assertThat(s.expected()).isEqualTo(4);
    assertThat(s.received()).isEqualTo(3);
    assertThat(s.lost()).isEqualTo(1);
    assertThat(s.duplicates()).isEqualTo(1);
    assertThat(s.outsideWindow()).isEqualTo(2);
    assertThat(s.latencyNanos().getTotalCount()).isEqualTo(3);
    // HdrHistogram keeps 3 significant digits
    assertThat(s.latencyNanos().getMaxValue()).isBetween(19_980L, 20_020L);
  }

  @Test
  void arrivalBeforeTheAckStillCounts() {
    TriggerTracker t = new TriggerTracker(1, 1, 0);
    t.open();
    t.sent(0, 1, 100);
    t.arrived(0, 1, 0, 600);
    t.acknowledged(0, 1, true);
    assertThat(t.summarize().received()).isEqualTo(1);
    assertThat(t.expectedSoFar()).isEqualTo(1);
  }

  @Test
  void watchingTheLastTarget_expectsOnePerWrite() {
    TriggerTracker t = new TriggerTracker(1, 10, 9);
    t.open();
    t.sent(0, 1, 100);
    t.sent(0, 2, 200);
    t.acknowledged(0, 1, true);
    t.acknowledged(0, 2, true);
    t.arrived(0, 1, 9, 500);
    assertThat(t.watched()).isEqualTo(1);
    assertThat(t.expectedSoFar()).isEqualTo(2);
    TriggerTracker.Summary s = t.summarize();
    assertThat(s.expected()).isEqualTo(2);
    assertThat(s.received()).isEqualTo(1);
    assertThat(s.lost()).isEqualTo(1);
  }

  @Test
  void reset_forgetsThePreviousPoint() {
    TriggerTracker t = new TriggerTracker(1, 1, 0);
    t.open();
    t.sent(0, 1, 100);
    t.acknowledged(0, 1, true);
    t.arrived(0, 1, 0, 200);
    t.reset();
    t.arrived(0, 1, 0, 300);
    TriggerTracker.Summary s = t.summarize();
    assertThat(s.expected()).isZero();
    assertThat(s.received()).isZero();
    assertThat(s.outsideWindow()).isEqualTo(1);
  }

  @Test
  void objectSet_givesEachObjectOneLane() {
    ObjectSet objects = new ObjectSet(10, 3);
    objects.assignLanes(4);
    assertThat(new int[] {objects.next(1), objects.next(1), objects.next(1), objects.next(1)})
        .containsExactly(1, 5, 9, 1);
    assertThat(new int[] {objects.next(3), objects.next(3), objects.next(3)}).containsExactly(3, 7, 3);
    assertThat(objects.partition(5)).isEqualTo(2);
    assertThat(objects.indexOf("o-7")).isEqualTo(7);
    assertThat(objects.indexOf("nope")).isEqualTo(-1);
  }

  @Test
  void jsonSourceObjectId_readsUpstreamsShape() {
    byte[] json = ("{\"event_info\":{\"source_cls_id\":\"bench\",\"source_partition_id\":0,\"source_object_id\":\"o-42\","
        + "\"event_type\":4},\"original_payload\":null}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(TriggerSubscriber.jsonSourceObjectId(json)).isEqualTo("o-42");
    assertThat(TriggerSubscriber.jsonSourceObjectId("{\"source_object_id\":null}".getBytes(StandardCharsets.UTF_8))).isNull();
    assertThat(TriggerSubscriber.jsonSourceObjectId("{}".getBytes(StandardCharsets.UTF_8))).isNull();
  }
}
