package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.node.ZenohTransport;
import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox's delivery barrier ({@link ZenohTransport#barrier}) against a real router: answered
 * once the router has routed the puts queued before it, and not answered by a router that does
 * not read its socket.
 */
class DeliveryBarrierTest {
  private ZenohRouterProcess router;
  private ZenohTransport transport;

  @BeforeEach
  void start() throws Exception {
    router = ZenohRouterProcess.start("barrier-test/**");
    transport = ZenohTransport.open(Config.client(router.endpoint()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!transport.session().isConnected()) {
      assertThat(System.nanoTime()).as("connected within 10 s").isLessThan(deadline);
      Thread.sleep(10);
    }
    assertThat(router.awaitMatching("barrier-test/x", Duration.ofSeconds(10))).isTrue();
  }

  @AfterEach
  void stop() {
    transport.close();
    router.close();
  }

  @Test
  void theRouterAnswersABarrierAfterRoutingEveryPutQueuedBeforeIt() throws Exception {
    for (int i = 0; i < 2_000; i++) {
      byte[] payload = ("p" + i).getBytes(StandardCharsets.UTF_8);
      while (!transport.tryPut("barrier-test/k/" + i, payload, null)) {
        Thread.sleep(1); // the outbound queue is full: the I/O thread drains it
      }
    }
    long epoch = transport.linkEpoch();
    CompletableFuture<Boolean> answered = new CompletableFuture<>();
    assertThat(transport.barrier(answered::complete)).isTrue();
    assertThat(answered.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(transport.linkEpoch()).isEqualTo(epoch);
    // the router's own subscriber got every put (the router routes in arrival order)
    router.awaitSamples(2_000, Duration.ofSeconds(30));
    assertThat(router.samples()).hasSize(2_000);
  }

  @Test
  void aRouterThatDoesNotReadItsSocketDoesNotAnswerABarrier() throws Exception {
    long pid = routerPid();
    signal("STOP", pid);
    try {
      long epoch = transport.linkEpoch();
      CompletableFuture<Boolean> answered = new CompletableFuture<>();
      assertThat(transport.barrier(answered::complete)).isTrue();
      boolean early = answered.get(30, TimeUnit.SECONDS);
      // what the dispatcher takes as evidence: an early final on an unchanged link (a final that came
      // with a link change retires nothing, see OutboxDispatcher)
      assertThat(early && transport.linkEpoch() == epoch).as("a frozen router's barrier is no evidence").isFalse();
    } finally {
      signal("CONT", pid);
    }
  }

  @Test
  void aBarrierIsNotIssuedWhileTheOutboundQueueIsFullAndDoesNotWaitForRoom() throws Exception {
    long pid = routerPid();
    signal("STOP", pid);
    CompletableFuture<Boolean> refusedOnes = new CompletableFuture<>();
    try {
      byte[] payload = new byte[512];
      int taken = 0;
      while (transport.tryPut("barrier-test/fill/" + taken, payload, null)) {
        taken++; // the router reads nothing: the socket buffer, then the outbound queue fill up
        assertThat(taken).as("the outbound queue filled up").isLessThan(1_000_000);
      }
      assertThat(transport.barrier(refusedOnes::complete)).as("no barrier while the queue is full").isFalse();
    } finally {
      signal("CONT", pid);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    boolean answered = false;
    while (!answered) { // the router first works through everything queued; a barrier may time out meanwhile
      assertThat(System.nanoTime()).as("a barrier answered once the queue drained").isLessThan(deadline);
      CompletableFuture<Boolean> later = new CompletableFuture<>();
      if (transport.barrier(later::complete)) {
        answered = later.get(30, TimeUnit.SECONDS);
      } else {
        Thread.sleep(10);
      }
    }
    assertThat(refusedOnes).as("the refused barrier's listener is never called").isNotDone();
  }

  private long routerPid() {
    return ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().map(c -> c.contains(router.endpoint()) && c.contains("router")).orElse(false))
        .findFirst().orElseThrow().pid();
  }

  private static void signal(String sig, long pid) throws Exception {
    Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
    assertThat(p.waitFor()).isZero();
  }
}
