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
  /** Polls one element, or null when empty. */
  private static <E> E pollElement(BoundedMpmcQueue<E> q) {
    List<E> out = new ArrayList<>(1);
    return q.poll((e, stamp, time) -> out.add(e)) ? out.get(0) : null;
  }

  @Test
  void elementsComeOutInOfferOrderWithTheirStamps() {
    BoundedMpmcQueue<Object> q = new BoundedMpmcQueue<>(4);
    q.offer("a", 10L);
    q.offer("b", 20L);

    List<String> seen = new ArrayList<>();
    while (q.poll((e, stamp, time) -> seen.add(e + "@" + stamp))) {
      // drain
    }

    assertThat(seen).containsExactly("a@10", "b@20");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 4, 7})
  void offerFailsExactlyWhenFullForAnyCapacity(int capacity) {
    BoundedMpmcQueue<Object> q = new BoundedMpmcQueue<>(capacity);

    for (int i = 0; i < capacity; i++) {
      assertThat(q.offer(i, 0)).isTrue();
    }

    assertThat(q.offer("overflow", 0)).isFalse();
    assertThat(q.size()).isEqualTo(capacity);
    assertThat(pollElement(q)).isEqualTo(0);
    assertThat(q.offer("fits again", 0)).isTrue();
  }

  @Test
  void pollOnAnEmptyQueueReturnsFalseWithoutCallingTheSink() {
    BoundedMpmcQueue<Object> q = new BoundedMpmcQueue<>(2);
    AtomicInteger calls = new AtomicInteger();

    assertThat(q.poll((e, stamp, time) -> calls.incrementAndGet())).isFalse();
    assertThat(calls).hasValue(0);
    assertThat(q.size()).isZero();
  }

  @Test
  void orderSurvivesManyWrapArounds() {
    BoundedMpmcQueue<Object> q = new BoundedMpmcQueue<>(3);
    int next = 0;
    for (int round = 0; round < 1_000; round++) {
      q.offer(round * 2, 0);
      q.offer(round * 2 + 1, 0);
      assertThat(pollElement(q)).isEqualTo(next++);
      assertThat(pollElement(q)).isEqualTo(next++);
    }
    assertThat(q.size()).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1})
  void aCapacityBelowOneIsRejected(int capacity) {
    assertThatThrownBy(() -> new BoundedMpmcQueue<>(capacity))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(String.valueOf(capacity));
  }

  @Test
  void aBoundOfOneHoldsExactlyOneElement() {
    BoundedMpmcQueue<Object> q = new BoundedMpmcQueue<>(1);

    assertThat(q.offer("a", 0)).isTrue();
    assertThat(q.offer("b", 0)).as("second offer must not overwrite the first").isFalse();
    assertThat(pollElement(q)).isEqualTo("a");
    assertThat(pollElement(q)).isNull();
    assertThat(q.offer("c", 0)).isTrue();
    assertThat(pollElement(q)).isEqualTo("c");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 50})
  void concurrentProducersAndConsumersDeliverEveryAcceptedElementExactlyOnce(int capacity) throws Exception {
    BoundedMpmcQueue<Object> q = new BoundedMpmcQueue<>(capacity);
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
          if (q.offer(base + i, 0)) {
            accepted.put(base + i, true);
          }
        }
      }));
    }
    List<Thread> consumers = new ArrayList<>();
    for (int c = 0; c < 2; c++) {
      consumers.add(new Thread(() -> {
        BoundedMpmcQueue.Sink<Object> sink = (e, stamp, time) -> received.merge((Integer) e, 1, Integer::sum);
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
