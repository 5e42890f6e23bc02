package dev.oprc.odgm.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class UniqueInvocationIdsTest {
  private static final EventContext CTX = Fixtures.dataEvent(EventType.DATA_CREATE, "k");
  private static final CompiledTarget TARGET = CompiledTarget.of(Fixtures.stateless("c", 1, "f"));

  @Test
  void idsAre21CharactersOfTheNanoidAlphabet() {
    InvocationIdGenerator ids = InvocationIdGenerator.unique();

    for (int i = 0; i < 1_000; i++) {
      assertThat(ids.next(CTX, TARGET)).hasSize(21).matches("[A-Za-z0-9_-]{21}");
    }
  }

  @Test
  void idsAreValidKeyChunks() {
    InvocationIdGenerator ids = InvocationIdGenerator.unique();

    for (int i = 0; i < 1_000; i++) {
      String id = ids.next(CTX, TARGET);
      assertThat(TriggerKeys.segmentProblem(id)).as(id).isNull();
    }
  }

  @Test
  void idsFromOneGeneratorNeverRepeat() {
    InvocationIdGenerator ids = InvocationIdGenerator.unique();
    Set<String> seen = new HashSet<>();

    for (int i = 0; i < 200_000; i++) {
      assertThat(seen.add(ids.next(CTX, TARGET))).isTrue();
    }
  }

  @Test
  void idsAreUniqueAcrossConcurrentCallers() throws Exception {
    InvocationIdGenerator ids = InvocationIdGenerator.unique();
    Set<String> seen = ConcurrentHashMap.newKeySet();
    int threads = 4;
    int perThread = 25_000;
    CountDownLatch start = new CountDownLatch(1);
    Thread[] workers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      workers[t] = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < perThread; i++) {
          seen.add(ids.next(CTX, TARGET));
        }
      });
      workers[t].start();
    }
    start.countDown();
    for (Thread w : workers) {
      w.join();
    }

    assertThat(seen).hasSize(threads * perThread);
  }

  @Test
  void twoGeneratorsUseDifferentRandomPrefixes() {
    String a = InvocationIdGenerator.unique().next(CTX, TARGET);
    String b = InvocationIdGenerator.unique().next(CTX, TARGET);

    assertThat(a.substring(0, 11)).isNotEqualTo(b.substring(0, 11));
  }

  @Test
  void successiveIdsDifferOnlyInTheCounterSuffix() {
    UniqueInvocationIds ids = new UniqueInvocationIds(new Random(1));

    String first = ids.next(CTX, TARGET);
    String second = ids.next(CTX, TARGET);

    assertThat(second.substring(0, 11)).isEqualTo(first.substring(0, 11));
    assertThat(second.substring(11)).isNotEqualTo(first.substring(11));
  }

  @Test
  void theGeneratorIsPluggable() {
    InvocationIdGenerator versionKeyed = (ctx, target) -> "v" + ctx.objectVersion() + "-" + target.target().getFnId();

    assertThat(versionKeyed.next(CTX, TARGET)).isEqualTo("v7-f");
  }
}
