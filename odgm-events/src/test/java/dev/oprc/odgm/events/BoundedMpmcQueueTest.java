package dev.oprc.odgm.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BoundedMpmcQueueTest {
  private static final EventContext CTX = Fixtures.dataEvent(EventType.DATA_CREATE, "k");

  /** Polls one element's targets object, or null when empty. */
  private static Object pollTargets(BoundedMpmcQueue q) {
    Object[] out = {null};
    return q.poll((c, t, at) -> out[0] = t) ? out[0] : null;
  }

  @Test
  void elementsComeOutInOfferOrderWithTheirEnqueueTime() {
    BoundedMpmcQueue q = new BoundedMpmcQueue(4);
    q.offer(CTX, "a", 10L);
    q.offer(CTX, "b", 20L);

    List<String> seen = new ArrayList<>();
    while (q.poll((c, t, at) -> seen.add(t + "@" + at))) {
      // drain
    }

    assertThat(seen).containsExactly("a@10", "b@20");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 4, 7})
  void offerFailsExactlyWhenFullForAnyCapacity(int capacity) {
    BoundedMpmcQueue q = new BoundedMpmcQueue(capacity);

    for (int i = 0; i < capacity; i++) {
      assertThat(q.offer(CTX, i, 0)).isTrue();
    }

    assertThat(q.offer(CTX, "overflow", 0)).isFalse();
    assertThat(q.size()).isEqualTo(capacity);
    assertThat(pollTargets(q)).isEqualTo(0);
    assertThat(q.offer(CTX, "fits again", 0)).isTrue();
  }

  @Test
  void pollOnAnEmptyQueueReturnsFalseWithoutCallingTheSink() {
    BoundedMpmcQueue q = new BoundedMpmcQueue(2);
    AtomicInteger calls = new AtomicInteger();

    assertThat(q.poll((c, t, at) -> calls.incrementAndGet())).isFalse();
    assertThat(calls).hasValue(0);
    assertThat(q.size()).isZero();
  }

  @Test
  void orderSurvivesManyWrapArounds() {
    BoundedMpmcQueue q = new BoundedMpmcQueue(3);
    int next = 0;
    for (int round = 0; round < 1_000; round++) {
      q.offer(CTX, round * 2, 0);
      q.offer(CTX, round * 2 + 1, 0);
      assertThat(pollTargets(q)).isEqualTo(next++);
      assertThat(pollTargets(q)).isEqualTo(next++);
    }
    assertThat(q.size()).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1})
  void aCapacityBelowOneIsRejected(int capacity) {
    assertThatThrownBy(() -> new BoundedMpmcQueue(capacity))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(String.valueOf(capacity));
  }

  @Test
  void aBoundOfOneHoldsExactlyOneElement() {
    BoundedMpmcQueue q = new BoundedMpmcQueue(1);

    assertThat(q.offer(CTX, "a", 0)).isTrue();
    assertThat(q.offer(CTX, "b", 0)).as("second offer must not overwrite the first").isFalse();
    assertThat(pollTargets(q)).isEqualTo("a");
    assertThat(pollTargets(q)).isNull();
    assertThat(q.offer(CTX, "c", 0)).isTrue();
    assertThat(pollTargets(q)).isEqualTo("c");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 50})
  void concurrentProducersAndConsumersDeliverEveryAcceptedElementExactlyOnce(int capacity) throws Exception {
    BoundedMpmcQueue q = new BoundedMpmcQueue(capacity);
    int producers = 4;
    int perProducer = 20_000;
    ConcurrentHashMap<Integer, Boolean> accepted = new ConcurrentHashMap<>();
    ConcurrentHashMap<Integer, Integer> received = new ConcurrentHashMap<>();
    AtomicBoolean producing = new AtomicBoolean(true);

    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int base = p * perProducer;
      threads.add(new Thread(() -> {
        for (int i = 0; i < perProducer; i++) {
          if (q.offer(CTX, base + i, 0)) {
            accepted.put(base + i, true);
          }
        }
      }));
    }
    List<Thread> consumers = new ArrayList<>();
    for (int c = 0; c < 2; c++) {
      consumers.add(new Thread(() -> {
        BoundedMpmcQueue.Sink sink = (ctx, t, at) -> received.merge((Integer) t, 1, Integer::sum);
        while (producing.get() || q.size() > 0) {
          if (!q.poll(sink)) {
            Thread.onSpinWait();
          }
        }
      }));
    }
    consumers.forEach(Thread::start);
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    producing.set(false);
    for (Thread t : consumers) {
      t.join(30_000);
    }

    assertThat(received.keySet()).isEqualTo(accepted.keySet());
    assertThat(received.values()).containsOnly(1);
    assertThat(accepted).isNotEmpty();
  }
}
