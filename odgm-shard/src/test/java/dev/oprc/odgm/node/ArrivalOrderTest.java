package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.KeyExpr;
import dev.oprc.zenoh.Session;
import dev.oprc.zenoh.Zenoh;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link ArrivalOrder}: queries after the samples that arrived before them; a full query queue refuses and counts. */
class ArrivalOrderTest {
  @Test
  void query_runsAfterTheListenersOfEverySampleThatArrivedBeforeIt() throws Exception {
    ArrivalOrder order = new ArrivalOrder(1024, 16);
    AtomicInteger seen = new AtomicInteger();
    try (Session session = Zenoh.open(Config.localOnly())) {
      order.subscribe(session, KeyExpr.of("t/*"), (k, p, delete) -> seen.incrementAndGet());
      for (int i = 0; i < 2000; i++) {
        session.put("t/" + i, new byte[0]);
        CompletableFuture<Integer> sawAtQuery = new CompletableFuture<>();
        assertThat(order.query(() -> sawAtQuery.complete(seen.get()))).isTrue();
        assertThat(sawAtQuery.get(10, TimeUnit.SECONDS)).as("samples seen when query %d ran", i).isEqualTo(i + 1);
      }
    }
  }

  @Test
  void fullQueryQueue_refusesTheQueryAndCountsIt() {
    ArrivalOrder order = new ArrivalOrder(16, 1);
    AtomicInteger ran = new AtomicInteger();
    List<Boolean> accepted = new ArrayList<>();
    // while this query runs, its thread is the drainer: the next query waits in the queue (of 1)
    assertThat(order.query(() -> {
      accepted.add(order.query(ran::incrementAndGet));
      accepted.add(order.query(ran::incrementAndGet));
    })).isTrue();
    assertThat(accepted).containsExactly(true, false);
    assertThat(ran.get()).as("the queued query ran when the drainer went round again").isEqualTo(1);
    assertThat(order.queriesRefused()).isEqualTo(1);
  }
}
