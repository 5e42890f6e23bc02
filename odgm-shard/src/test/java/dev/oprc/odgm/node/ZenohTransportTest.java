package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.KeyExpr;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ZenohTransport}'s query, sample and liveliness methods over a real, local-only Zenoh session. */
class ZenohTransportTest {
  private final ZenohTransport transport = ZenohTransport.open(Config.localOnly());
  private final ExecutorService later = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-later"));

  @AfterEach
  void close() throws Exception {
    later.shutdownNow();
    transport.close();
  }

  @SuppressWarnings("try") // the resource is held open for the block's duration, not called
  @Test
  void queryable_repliesAfterTheHandlerReturned_andGetCollectsEveryReply() throws Exception {
    try (AutoCloseable q = transport.declareQueryable("t/*/x", query -> later.execute(() -> {
      try (query) {
        query.reply(query.key(), ("a:" + new String(query.payload(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        query.replyErr("second");
      }
    }))) {
      List<NodeTransport.QueryReply> r = transport.get("t/1/x", "p".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5))
          .get(10, TimeUnit.SECONDS);
      assertThat(r).hasSize(2);
      assertThat(r.get(0).ok()).isTrue();
      assertThat(r.get(0).key()).isEqualTo("t/1/x");
      assertThat(new String(r.get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("a:p");
      assertThat(r.get(1).ok()).isFalse();
      assertThat(new String(r.get(1).payload(), StandardCharsets.UTF_8)).isEqualTo("second");
    }
  }

  @SuppressWarnings("try") // the resource is held open for the block's duration, not called
  @Test
  void get_withNoQueryable_finishesAtOnceWithNoReply_andAnOpenQueryAtItsTimeout() throws Exception {
    long t0 = System.nanoTime();
    assertThat(transport.get("none/here", null, Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS)).isEmpty();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(2000);
    try (AutoCloseable q = transport.declareQueryable("slow", query -> { })) { // never closed
      CompletableFuture<List<NodeTransport.QueryReply>> f = transport.get("slow", null, Duration.ofMillis(200));
      assertThat(f.get(10, TimeUnit.SECONDS)).isEmpty();
    }
  }

  @SuppressWarnings("try") // the resource is held open for the block's duration, not called
  @Test
  void subscribeSamples_reportsPutsAndDeletes_andTokensAreAlive() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    try (AutoCloseable s = transport.subscribeSamples("s/*", (k, p, del) -> seen.add((del ? "DEL " : "PUT ") + k))) {
      transport.session().put(KeyExpr.of("s/a"), new byte[] {1});
      transport.session().delete(KeyExpr.of("s/a"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (seen.size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(seen).containsExactly("PUT s/a", "DEL s/a");
    }
    try (AutoCloseable t = transport.declareToken("oprc/c/0/liveliness/7")) {
      assertThat(transport.session().liveliness().get("oprc/c/*/liveliness/*", Duration.ofSeconds(1))
          .collect(Duration.ofSeconds(3))).extracting(r -> r.result().keyExpr().toString())
          .containsExactly("oprc/c/0/liveliness/7");
    }
  }
}
