package dev.oprc.odgm.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.TriggerPayload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventDispatcherTest {
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private static final CompiledTarget STATEFUL = CompiledTarget.of(Fixtures.stateful("orders", 7, "order-9", "ship"));
  private static final CompiledTarget STATELESS = CompiledTarget.of(Fixtures.stateless("notify", 1, "mail"));
  private static final CompiledTarget FAILING = CompiledTarget.of(Fixtures.stateless("notify", 1, "fail"));
  private static final InvocationIdGenerator FIXED_ID = (ctx, target) -> "inv-1";

  private final List<EventDispatcher> started = new ArrayList<>();

  /** One publish the fake publisher saw. */
  @SuppressWarnings("ArrayRecordComponent") // bytes are passed through, never compared or hashed
  record Call(String key, byte[] envelope, long timeoutMillis, String thread) {}

  /** Collects publishes; throws for keys of the {@code fail} function. */
  static class RecordingPublisher implements EventPublisher {
    final List<Call> calls = new CopyOnWriteArrayList<>();

    @Override
    public void publish(String keyExpr, byte[] envelope, long timeoutMillis) throws Exception {
      if (keyExpr.contains("/async/fail/")) {
        throw new IllegalStateException("zenoh put failed");
      }
      calls.add(new Call(keyExpr, envelope, timeoutMillis, Thread.currentThread().getName()));
    }
  }

  /** Blocks the first publish until released, so the queue behind it fills up. */
  static class GatedPublisher extends RecordingPublisher {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger attempts = new AtomicInteger();

    @Override
    public void publish(String keyExpr, byte[] envelope, long timeoutMillis) throws Exception {
      if (attempts.getAndIncrement() == 0) {
        entered.countDown();
        release.await();
      }
      super.publish(keyExpr, envelope, timeoutMillis);
    }
  }

  /** These tests are written for one dispatch thread (the default follows the core count). */
  private static final EventConfig ONE_THREAD = EventConfig.defaults().withDispatchThreads(1);

  private EventDispatcher start(EventConfig config, EventPublisher publisher) {
    return start(config, publisher, FIXED_ID);
  }

  private EventDispatcher start(EventConfig config, EventPublisher publisher, InvocationIdGenerator ids) {
    EventDispatcher d = EventDispatcher.start(config, publisher, ids, "test-dispatch");
    started.add(d);
    return d;
  }

  @AfterEach
  void closeAll() {
    started.forEach(d -> d.close(Duration.ofSeconds(1)));
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + DEADLINE.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(2);
    }
  }

  private static void awaitLatch(CountDownLatch latch) throws InterruptedException {
    assertThat(latch.await(DEADLINE.toSeconds(), TimeUnit.SECONDS)).as("latch reached in time").isTrue();
  }

  private static EventContext event() {
    return Fixtures.dataEvent(EventType.DATA_UPDATE, "status");
  }

  // --- what gets published ---

  @Test
  void aStatefulTargetIsPublishedOnItsObjectKeyAsAnObjectInvocationRequest() throws Exception {
    RecordingPublisher publisher = new RecordingPublisher();
    EventDispatcher d = start(ONE_THREAD, publisher);
    EventContext ctx = event();

    assertThat(d.submit(ctx, List.of(STATEFUL))).isTrue();
    await("one publish", () -> publisher.calls.size() == 1);

    Call call = publisher.calls.get(0);
    assertThat(call.key()).isEqualTo("oprc/orders/7/objects/order-9/async/ship/inv-1");
    ObjectInvocationRequest req = ObjectInvocationRequest.parseFrom(call.envelope());
    assertThat(req.getObjectId()).isEqualTo("order-9");
    assertThat(req.getFnId()).isEqualTo("ship");
    assertThat(req.getPayload().toByteArray()).isEqualTo(TriggerPayloadCodec.toJson(ctx));
    assertThat(req.getOptionsMap()).containsEntry(TriggerHeaders.DEPTH, "0");
  }

  @Test
  void aStatelessTargetIsPublishedOnItsAsyncKeyAsAnInvocationRequest() throws Exception {
    RecordingPublisher publisher = new RecordingPublisher();
    EventDispatcher d = start(ONE_THREAD, publisher);

    d.submit(event(), List.of(STATELESS));
    await("one publish", () -> publisher.calls.size() == 1);

    Call call = publisher.calls.get(0);
    assertThat(call.key()).isEqualTo("oprc/notify/1/async/mail/inv-1");
    InvocationRequest req = InvocationRequest.parseFrom(call.envelope());
    assertThat(req.getClsId()).isEqualTo("notify");
    assertThat(req.getFnId()).isEqualTo("mail");
  }

  @Test
  void publishesRunOnTheDispatchersOwnThreadsWithTheTriggerTimeout() throws Exception {
    RecordingPublisher publisher = new RecordingPublisher();
    EventDispatcher d = start(ONE_THREAD.withTriggerTimeoutMillis(1234), publisher);

    d.submit(event(), List.of(STATELESS));
    await("one publish", () -> publisher.calls.size() == 1);

    assertThat(publisher.calls.get(0).thread()).startsWith("test-dispatch-").isNotEqualTo(Thread.currentThread().getName());
    assertThat(publisher.calls.get(0).timeoutMillis()).isEqualTo(1234);
  }

  @Test
  void severalTargetsArePublishedInListOrderEachWithItsOwnId() throws Exception {
    RecordingPublisher publisher = new RecordingPublisher();
    EventDispatcher d = start(ONE_THREAD, publisher, InvocationIdGenerator.unique());

    d.submit(event(), List.of(STATELESS, STATEFUL, STATELESS));
    await("three publishes", () -> publisher.calls.size() == 3);

    assertThat(publisher.calls).extracting(c -> c.key().substring(0, c.key().lastIndexOf('/') + 1))
        .containsExactly(STATELESS.keyPrefix(), STATEFUL.keyPrefix(), STATELESS.keyPrefix());
    assertThat(publisher.calls).extracting(c -> c.key().substring(c.key().lastIndexOf('/') + 1))
        .doesNotHaveDuplicates().allSatisfy(id -> assertThat(id).hasSize(21));
  }

  @Test
  void theProtobufFormatPutsAProtobufPayloadInTheEnvelope() throws Exception {
    RecordingPublisher publisher = new RecordingPublisher();
    EventDispatcher d = start(ONE_THREAD.withPayloadFormat(PayloadFormat.PROTOBUF), publisher);
    EventContext ctx = event();

    d.submit(ctx, List.of(STATELESS));
    await("one publish", () -> publisher.calls.size() == 1);

    TriggerPayload payload = TriggerPayload.parseFrom(InvocationRequest.parseFrom(publisher.calls.get(0).envelope())
        .getPayload());
    assertThat(payload).isEqualTo(TriggerPayloadCodec.toProtobuf(ctx));
  }

  @Test
  void submitWithAnIndexDispatchesTheMatchingTargets() throws Exception {
    RecordingPublisher publisher = new RecordingPublisher();
    EventDispatcher d = start(ONE_THREAD, publisher);
    TriggerIndex index = TriggerIndex.compile(dev.oprc.odgm.proto.ObjectEvent.newBuilder()
        .putDataTrigger("status", dev.oprc.odgm.proto.DataTrigger.newBuilder()
            .addOnUpdate(STATELESS.target()).build())
        .build());

    assertThat(d.submit(event(), index)).isTrue();
    await("one publish", () -> publisher.calls.size() == 1);

    assertThat(publisher.calls.get(0).key()).startsWith(STATELESS.keyPrefix());
  }

  @Test
  void submittingNoTargetsIsANoOp() {
    EventDispatcher d = start(ONE_THREAD, new RecordingPublisher());

    assertThat(d.submit(event(), List.of())).isTrue();
    assertThat(d.submit(event(), TriggerIndex.EMPTY)).isTrue();

    assertThat(d.stats()).isEqualTo(new EventStats(0, 0, 0, 0, 0, 0, 0, 0, 0));
  }

  // --- counters ---

  @Test
  void successfulPublishesAreCountedAsMatchedAndDispatched() throws Exception {
    RecordingPublisher publisher = new RecordingPublisher();
    EventDispatcher d = start(ONE_THREAD, publisher);

    d.submit(event(), List.of(STATELESS, STATEFUL));
    await("dispatched == 2", () -> d.stats().dispatched() == 2);

    EventStats stats = d.stats();
    assertThat(stats.matched()).isEqualTo(2);
    assertThat(stats.lost()).isZero();
    assertThat(stats.queueLength()).isZero();
  }

  @Test
  void aFailedPublishIsCountedAndTheNextTargetStillGoesOut() throws Exception {
    RecordingPublisher publisher = new RecordingPublisher();
    EventDispatcher d = start(ONE_THREAD, publisher);

    assertThat(d.submit(event(), List.of(FAILING, STATELESS))).isTrue();
    await("both targets handled", () -> d.stats().dispatched() + d.stats().publishFailures() == 2);

    assertThat(d.stats().publishFailures()).isEqualTo(1);
    assertThat(d.stats().dispatched()).isEqualTo(1);
    assertThat(d.stats().lost()).isEqualTo(1);
    assertThat(publisher.calls).extracting(Call::key).containsExactly("oprc/notify/1/async/mail/inv-1");
  }

  @Test
  void aThrowingIdGeneratorCountsAFailureForThatTargetOnly() throws Exception {
    RecordingPublisher publisher = new RecordingPublisher();
    EventDispatcher d = start(ONE_THREAD, publisher, (ctx, target) -> {
      if (target.equals(STATEFUL)) {
        throw new IllegalStateException("no id");
      }
      return "ok";
    });

    d.submit(event(), List.of(STATEFUL, STATELESS));
    await("both targets handled", () -> d.stats().dispatched() + d.stats().publishFailures() == 2);

    assertThat(d.stats().publishFailures()).isEqualTo(1);
    assertThat(publisher.calls).extracting(Call::key).containsExactly("oprc/notify/1/async/mail/ok");
  }

  @Test
  void aPublisherThrowingAnErrorDoesNotKillTheDispatchThread() throws Exception {
    RecordingPublisher recorder = new RecordingPublisher();
    AtomicInteger calls = new AtomicInteger();
    EventDispatcher d = start(ONE_THREAD, (k, e, t) -> {
      if (calls.getAndIncrement() == 0) {
        throw new AssertionError("a bug in the publisher");
      }
      recorder.publish(k, e, t);
    });

    d.submit(event(), List.of(STATELESS));
    d.submit(event(), List.of(STATEFUL));
    await("the second event published", () -> recorder.calls.size() == 1);

    assertThat(d.stats().publishFailures()).isEqualTo(1);
    assertThat(recorder.calls.get(0).key()).startsWith(STATEFUL.keyPrefix());
  }

  @Test
  void fanoutTruncationCountsKeysAndIgnoresNonPositiveCounts() {
    EventDispatcher d = start(ONE_THREAD, new RecordingPublisher());

    d.recordFanoutTruncated(5);
    d.recordFanoutTruncated(0);
    d.recordFanoutTruncated(-3);
    d.recordFanoutTruncated(2);

    assertThat(d.stats().fanoutTruncatedKeys()).isEqualTo(7);
    assertThat(d.stats().lost()).as("truncated keys are not dispatches").isZero();
  }

  // --- back-pressure ---

  @Test
  void aFullQueueRefusesAndCountsEveryTargetWithoutBlocking() throws Exception {
    GatedPublisher publisher = new GatedPublisher();
    EventDispatcher d = start(ONE_THREAD.withQueueBound(4), publisher);

    assertThat(d.submit(event(), List.of(STATELESS))).isTrue();
    awaitLatch(publisher.entered); // the only worker is now stuck; the queue is empty
    for (int i = 0; i < 4; i++) {
      assertThat(d.submit(event(), List.of(STATELESS))).as("fits in the queue").isTrue();
    }

    assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
      for (int i = 0; i < 3; i++) {
        assertThat(d.submit(event(), List.of(STATELESS, STATEFUL))).as("refused").isFalse();
      }
    });

    EventStats whileFull = d.stats();
    assertThat(whileFull.queueDrops()).isEqualTo(6);
    assertThat(whileFull.matched()).isEqualTo(5);
    assertThat(whileFull.queueLength()).isEqualTo(4);

    publisher.release.countDown();
    await("the queued 5 published", () -> d.stats().dispatched() == 5);
    assertThat(d.stats().queueDrops()).isEqualTo(6);
    assertThat(d.stats().queueLength()).isZero();
  }

  @Test
  void aQueueBoundOfOneHoldsOneEventBehindTheOneBeingPublished() throws Exception {
    GatedPublisher publisher = new GatedPublisher();
    EventDispatcher d = start(ONE_THREAD.withQueueBound(1), publisher);

    d.submit(event(), List.of(STATELESS));
    awaitLatch(publisher.entered);
    assertThat(d.submit(event(), List.of(STATEFUL))).isTrue();
    assertThat(d.submit(event(), List.of(STATELESS))).isFalse();

    publisher.release.countDown();
    await("both accepted events published", () -> d.stats().dispatched() == 2);
    assertThat(d.stats().queueDrops()).isEqualTo(1);
    assertThat(publisher.attempts.get()).isEqualTo(2);
  }

  @Test
  void concurrentProducersLoseNothingUnaccounted() throws Exception {
    AtomicInteger published = new AtomicInteger();
    EventConfig config = new EventConfig(true, 10, 30_000, 64, 256, PayloadFormat.PROTOBUF, 2, false);
    EventDispatcher d = start(config, (k, e, t) -> published.incrementAndGet());
    int producers = 4;
    int perProducer = 5_000;
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      Thread t = new Thread(() -> {
        for (int i = 0; i < perProducer; i++) {
          d.submit(event(), List.of(STATELESS));
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }

    await("every accepted dispatch published", () -> d.stats().dispatched() == d.stats().matched());
    EventStats stats = d.stats();
    assertThat(stats.matched() + stats.queueDrops()).isEqualTo((long) producers * perProducer);
    assertThat(published.get()).isEqualTo(stats.dispatched());
    assertThat(stats.matched()).isPositive();
  }

  // --- depth ---

  @ParameterizedTest(name = "max {0}, depth {1} -> dispatched: {2}")
  @CsvSource({"10,0,true", "10,9,true", "10,10,false", "10,11,false", "1,0,true", "1,1,false", "0,0,false"})
  void eventsAtOrBeyondTheMaximumDepthAreNotDispatched(int max, int depth, boolean dispatched) throws Exception {
    RecordingPublisher publisher = new RecordingPublisher();
    EventDispatcher d = start(ONE_THREAD.withMaxTriggerDepth(max), publisher);

    boolean accepted = d.submit(Fixtures.dataEventAtDepth(depth), List.of(STATELESS, STATEFUL));

    assertThat(accepted).isEqualTo(dispatched);
    if (dispatched) {
      await("two publishes", () -> publisher.calls.size() == 2);
      assertThat(d.stats().depthLimited()).isZero();
    } else {
      EventStats stats = d.stats();
      assertThat(stats.depthLimited()).isEqualTo(2);
      assertThat(stats.matched()).as("nothing queued, so nothing can be published").isZero();
      assertThat(stats.queueLength()).isZero();
      assertThat(publisher.calls).isEmpty();
    }
  }

  // --- expiry ---

  @Test
  void eventsThatWaitLongerThanTheTriggerTimeoutExpire() throws Exception {
    GatedPublisher publisher = new GatedPublisher();
    EventDispatcher d = start(ONE_THREAD.withTriggerTimeoutMillis(1), publisher);

    // With a 1 ms timeout even the first event may expire before the worker picks it up; retry
    // until one reaches the (blocking) publisher. Single worker + FIFO: every earlier attempt has
    // been counted by then.
    long attempts = 0;
    while (publisher.entered.getCount() > 0) {
      assertThat(attempts++).as("attempts to get one event through").isLessThan(1_000);
      d.submit(event(), List.of(STATELESS));
      publisher.entered.await(50, TimeUnit.MILLISECONDS);
    }
    EventStats blocked = d.stats(); // the worker is stuck on one event; every other one expired or waits
    assertThat(blocked.expired() + 1 + blocked.queueLength()).isEqualTo(blocked.matched());
    long expiredBefore = d.stats().expired();
    long matchedBefore = d.stats().matched();

    d.submit(event(), List.of(STATELESS, STATEFUL));
    Thread.sleep(20); // let it age past 1 ms in the queue
    publisher.release.countDown();

    await("the aged event expired", () -> d.stats().expired() >= expiredBefore + 2);
    await("queue empty", () -> d.stats().queueLength() == 0);
    EventStats stats = d.stats();
    assertThat(stats.matched()).isEqualTo(matchedBefore + 2);
    assertThat(stats.dispatched()).isEqualTo(1);
    assertThat(stats.expired()).isEqualTo(stats.matched() - 1);
  }

  // --- close ---

  @Test
  void closeDrainsWhatIsQueuedWithinTheTimeout() throws Exception {
    AtomicInteger published = new AtomicInteger();
    EventDispatcher d = start(ONE_THREAD, (k, e, t) -> {
      Thread.sleep(1);
      published.incrementAndGet();
    });
    for (int i = 0; i < 50; i++) {
      assertThat(d.submit(event(), List.of(STATELESS))).isTrue();
    }

    d.close(Duration.ofSeconds(20));

    assertThat(published.get()).isEqualTo(50);
    assertThat(d.stats().dispatched()).isEqualTo(50);
    assertThat(d.stats().closedDrops()).isZero();
    assertThat(d.stats().queueLength()).isZero();
  }

  @Test
  void closeCountsWhatIsLeftWhenTheTimeoutRunsOut() throws Exception {
    GatedPublisher publisher = new GatedPublisher(); // never released: the first publish hangs
    EventDispatcher d = start(ONE_THREAD, publisher);
    d.submit(event(), List.of(STATELESS));
    awaitLatch(publisher.entered);
    for (int i = 0; i < 3; i++) {
      d.submit(event(), List.of(STATELESS, STATEFUL));
    }

    long t0 = System.nanoTime();
    d.close(Duration.ofMillis(200));
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(tookMillis).isGreaterThanOrEqualTo(150).isLessThan(5_000);
    assertThat(d.stats().closedDrops()).isEqualTo(6);
    assertThat(d.stats().queueLength()).isZero();
    // the hung publish is interrupted and counted as a failure
    await("the hung publish fails", () -> d.stats().publishFailures() == 1);
    assertThat(d.stats().dispatched()).isZero();
  }

  @Test
  void submitAfterCloseIsRefusedAndCounted() {
    RecordingPublisher publisher = new RecordingPublisher();
    EventDispatcher d = start(ONE_THREAD, publisher);
    d.close(Duration.ofSeconds(1));

    assertThat(d.submit(event(), List.of(STATELESS, STATEFUL))).isFalse();

    assertThat(d.stats().closedDrops()).isEqualTo(2);
    assertThat(d.stats().matched()).isZero();
    assertThat(publisher.calls).isEmpty();
  }

  @Test
  void everySubmittedDispatchEndsInExactlyOneOutcomeWhenCloseRacesWithSubmitters() throws Exception {
    EventDispatcher d = start(ONE_THREAD.withQueueBound(32), (k, e, t) -> { });
    int producers = 3;
    int perProducer = 20_000;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      Thread t = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < perProducer; i++) {
          d.submit(event(), List.of(STATELESS));
        }
      });
      threads.add(t);
      t.start();
    }
    go.countDown();
    Thread.sleep(5);
    d.close(Duration.ofMillis(50));
    for (Thread t : threads) {
      t.join();
    }

    // a worker past the drain deadline may still be finishing the dispatch in hand
    long total = (long) producers * perProducer;
    await("every dispatch accounted for", () -> outcomes(d.stats()) == total);
    assertThat(d.stats().queueLength()).as("nothing stranded in the queue").isZero();
    await("every worker ended (nothing can count any more)", () -> dispatchThreads().isEmpty());
    assertThat(outcomes(d.stats())).as("and nothing counted twice").isEqualTo(total);
  }

  private static long outcomes(EventStats s) {
    return s.dispatched() + s.publishFailures() + s.expired() + s.queueDrops() + s.depthLimited() + s.closedDrops();
  }

  @Test
  void closeIsIdempotent() {
    EventDispatcher d = start(ONE_THREAD, new RecordingPublisher());

    d.close(Duration.ofSeconds(1));
    d.close();

    assertThat(d.stats().closedDrops()).isZero();
  }

  @Test
  void closeStopsTheDispatchThreads() throws Exception {
    EventDispatcher d = start(new EventConfig(true, 10, 30_000, 16, 256, PayloadFormat.JSON, 3, false),
        new RecordingPublisher());
    await("threads started", () -> dispatchThreads().size() >= 3);

    d.close(Duration.ofSeconds(5));

    await("threads gone", () -> dispatchThreads().isEmpty());
  }

  private static List<Thread> dispatchThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("test-dispatch-") && t.isAlive()).toList();
  }
}
