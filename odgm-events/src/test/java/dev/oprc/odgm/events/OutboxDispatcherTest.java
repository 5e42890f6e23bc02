package dev.oprc.odgm.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OutboxDispatcherTest {
  /** A sorted in-memory store, as the storage engines keep it. */
  static final class Store implements OutboxStore {
    final ConcurrentSkipListMap<Long, OutboxRecord> records = new ConcurrentSkipListMap<>();
    final AtomicLong seq = new AtomicLong();

    OutboxRecord add(String key) {
      OutboxRecord r = OutboxRecord.fresh(key, key.getBytes(StandardCharsets.UTF_8), System.currentTimeMillis(), false)
          .withSeq(seq.incrementAndGet());
      records.put(r.seq(), r);
      return r;
    }

    @Override
    public int scan(long afterSeq, int max, Consumer<OutboxRecord> sink) {
      int n = 0;
      for (OutboxRecord r : records.tailMap(afterSeq, false).values()) {
        if (n++ >= max) {
          return max;
        }
        sink.accept(r);
      }
      return n;
    }

    @Override
    public void retire(long[] seqs, int[] sizes, int n) {
      for (int i = 0; i < n; i++) {
        records.remove(seqs[i]);
      }
    }

    @Override
    public void makeDurable() {}

    @Override
    public long pendingCount() {
      return records.size();
    }

    @Override
    public long pendingBytes() {
      return records.values().stream().mapToLong(OutboxRecord::sizeBytes).sum();
    }

    @Override
    public long oldestCreatedAtMillis() {
      var e = records.firstEntry();
      return e == null ? -1 : e.getValue().createdAtMillis();
    }
  }

  /** A link that can be taken down, broken (new epoch) and given a settle time. */
  static final class Link implements DeliveryLink {
    final List<String> published = new CopyOnWriteArrayList<>();
    final List<String> attachments = new CopyOnWriteArrayList<>();
    volatile boolean up = true;
    volatile long epoch = 1;
    volatile long settle;
    volatile long position;
    volatile long written = Long.MAX_VALUE;
    volatile long grace = 100;
    /** How often the dispatcher looked at {@link #writtenPosition()}: one look per round of its duties. */
    final java.util.concurrent.atomic.AtomicLong writtenReads = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public synchronized boolean tryPublish(String key, byte[] envelope) {
      if (!up) {
        return false;
      }
      published.add(key);
      position++;
      return true;
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public long barrierGraceMillis() {
      return grace;
    }

    @Override
    public long writtenPosition() {
      writtenReads.incrementAndGet();
      return written;
    }

    @Override
    public boolean tryPublish(String key, byte[] payload, byte[] attachment) {
      attachments.add(new String(attachment, StandardCharsets.UTF_8));
      return tryPublish(key, payload);
    }

    @Override
    public long epoch() {
      return epoch;
    }

    /** When set, the next look at {@link #up()} restores the link first: it came back mid-round. */
    volatile boolean restoreOnNextLook;

    @Override
    public boolean up() {
      if (restoreOnNextLook) {
        restoreOnNextLook = false;
        restore();
      }
      return up;
    }

    @Override
    public long settleMillis() {
      return settle;
    }

    /** Barriers: off (the lease rule only), held until answered by the test, or answered at once. */
    volatile boolean barriers;
    volatile boolean answerAtOnce;
    final java.util.concurrent.LinkedBlockingQueue<BarrierListener> outstanding =
        new java.util.concurrent.LinkedBlockingQueue<>();
    final AtomicLong barriersIssued = new AtomicLong();

    @Override
    public boolean barrier(BarrierListener listener) {
      if (!barriers) {
        return false;
      }
      barriersIssued.incrementAndGet();
      if (answerAtOnce) {
        listener.done(true);
      } else {
        outstanding.add(listener);
      }
      return true;
    }

    /** Answers the oldest outstanding barrier (waiting for one to be issued). */
    void answer(boolean answered) throws InterruptedException {
      BarrierListener l = outstanding.poll(5, java.util.concurrent.TimeUnit.SECONDS);
      if (l == null) {
        throw new AssertionError("no barrier was issued");
      }
      l.done(answered);
    }

    synchronized void down() {
      up = false;
      epoch++;
    }

    synchronized void restore() {
      up = true;
      epoch++;
    }
  }

  final Store store = new Store();
  final Link link = new Link();
  OutboxDispatcher d;

  OutboxDispatcher start(EventConfig events, OutboxConfig cfg) {
    d = OutboxDispatcher.builder().events(events).config(cfg).store(store).link(link).name("test-outbox").start();
    return d;
  }

  static final OutboxConfig NO_RESUME_DELAY = OutboxConfig.defaults().withResumeDelayMillis(0);

  OutboxDispatcher start() {
    return start(EventConfig.defaults(), NO_RESUME_DELAY);
  }

  @AfterEach
  void stop() {
    if (d != null) {
      d.close(Duration.ofSeconds(1));
    }
  }

  /** Commits records the way a shard does: stored first, then handed over with one tally. */
  void commit(String... keys) {
    List<OutboxRecord> rs = new ArrayList<>();
    for (String k : keys) {
      rs.add(store.add(k));
    }
    OutboxDispatcher.WriteTally t = new OutboxDispatcher.WriteTally();
    t.matched(keys.length);
    d.committed(rs, 0, t);
  }

  static void await(BooleanSupplier cond, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(2);
    }
  }

  @Test
  void committedRecordsArePublishedAndRetiredOnAnInstantLink() throws Exception {
    start();
    commit("k/1", "k/2");
    await(() -> d.stats().retired() == 2, "2 retired");
    assertThat(link.published).containsExactly("k/1", "k/2");
    assertThat(store.records).isEmpty();
    assertThat(d.stats().balanced()).isTrue();
  }

  @Test
  void recordsWrittenWhileTheLinkIsDownArePublishedWhenItReturns() throws Exception {
    start();
    link.down();
    commit("k/1", "k/2", "k/3");
    await(() -> d.stats().queueLength() == 0, "queue drained");
    assertThat(link.published).isEmpty();
    assertThat(d.stats().pending()).isEqualTo(3);
    assertThat(d.stats().retired()).isZero();
    link.restore();
    await(() -> d.stats().retired() == 3, "3 retired");
    assertThat(link.published).containsExactly("k/1", "k/2", "k/3");
  }

  @Test
  void afterTheLinkComesBackRecordsWaitTheResumeDelayBeforeTheyArePublished() throws Exception {
    start(EventConfig.defaults(), OutboxConfig.defaults().withResumeDelayMillis(400));
    link.down();
    commit("k/1");
    await(() -> d.stats().queueLength() == 0, "queue drained");
    long upAt = System.nanoTime();
    link.restore();
    await(() -> link.published.size() == 1, "published after the delay");
    assertThat(System.nanoTime() - upAt).isGreaterThanOrEqualTo(400_000_000L);
    commit("k/2"); // once resumed, the fast path publishes at once
    await(() -> link.published.size() == 2, "fast path");
  }

  @Test
  void aRecordIsKeptUntilTheLinkStayedUpForTheSettlePeriod() throws Exception {
    link.settle = 300;
    start();
    commit("k/1");
    await(() -> link.published.size() == 1, "published");
    assertThat(d.stats().retired()).isZero(); // handed over, not yet safe
    assertThat(d.stats().pending()).isEqualTo(1);
    await(() -> d.stats().retired() == 1, "retired after settling");
  }

  @Test
  void aLinkBreakBeforeSettlingRepublishesWithTheSameKey() throws Exception {
    link.settle = 60_000;
    start();
    commit("k/1", "k/2");
    await(() -> link.published.size() == 2, "published once");
    link.down();
    link.restore();
    await(() -> link.published.size() == 4, "published again");
    assertThat(link.published).containsExactly("k/1", "k/2", "k/1", "k/2");
    assertThat(d.stats().redelivered()).isEqualTo(2);
    assertThat(d.stats().retired()).isZero();
  }

  @Test
  void recordsLeftByAnEarlierRunArePublishedAtStartAndCountedAsRecovered() throws Exception {
    store.add("k/old1");
    store.add("k/old2");
    start();
    await(() -> d.stats().retired() == 2, "recovered records retired");
    assertThat(link.published).containsExactly("k/old1", "k/old2");
    assertThat(d.stats().recovered()).isEqualTo(2);
    assertThat(d.stats().matched()).isZero();
    assertThat(d.stats().balanced()).isTrue();
  }

  @Test
  void aPutStillInTheTransportsQueueIsNotRetiredHoweverLongItWaits() throws Exception {
    link.settle = 20;
    link.written = 0;
    start();
    commit("k/1");
    await(() -> link.published.size() == 1, "published");
    long seen = link.writtenReads.get();
    long since = System.nanoTime();
    // the dispatcher looked at the unwritten position ten more times, over more than ten settle periods
    await(() -> link.writtenReads.get() >= seen + 10 && System.nanoTime() - since > 10 * 20_000_000L,
        "ten more rounds");
    assertThat(d.stats().retired()).isZero();
    link.written = link.position;
    await(() -> d.stats().retired() == 1, "retired once written and settled");
  }

  @Test
  void manyRecoveredRecordsAllSettleAndRetire() throws Exception {
    for (int i = 0; i < 3_000; i++) {
      store.add("k/old" + i);
    }
    link.settle = 100;
    start();
    try {
      await(() -> d.stats().retired() == 3_000, "3000 recovered records retired");
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ": " + d.stats() + ", published " + link.published.size(), e);
    }
    assertThat(link.published).hasSize(3_000).doesNotHaveDuplicates();
  }

  @Test
  void aFullQueueFallsBackToTheStoreAndLosesNothing() throws Exception {
    start(EventConfig.defaults().withQueueBound(1), NO_RESUME_DELAY);
    link.down();
    for (int i = 0; i < 200; i++) {
      commit("k/" + i);
    }
    link.restore();
    await(() -> d.stats().retired() == 200, "200 retired");
    assertThat(link.published).hasSize(200).doesNotHaveDuplicates();
    assertThat(d.stats().balanced()).isTrue();
  }

  @Test
  void recordsHandedOverOnALinkThatCameBackMidRoundAreNotSentAgain() throws Exception {
    start();
    link.down();
    commit("k/1", "k/2", "k/3");
    await(() -> d.stats().queueLength() == 0, "queue drained");
    link.restoreOnNextLook = true; // after the dispatcher saw the old epoch, before it publishes
    await(() -> d.stats().retired() == 3, "3 retired");
    commit("k/4"); // a later marker: any re-send of the first three would have been published before it
    await(() -> d.stats().retired() == 4, "4 retired");
    assertThat(link.published).containsExactly("k/1", "k/2", "k/3", "k/4");
    assertThat(d.stats().redelivered()).isZero();
  }

  @Test
  void unsentRecordsBeyondTheMemoryBoundAreReReadFromTheStoreInOrder() throws Exception {
    start(EventConfig.defaults(), NO_RESUME_DELAY.withMemoryBytes(1024));
    link.down();
    for (int i = 0; i < 100; i++) {
      commit("k/" + i);
    }
    await(() -> d.stats().queueLength() == 0, "queue drained");
    link.restore();
    await(() -> d.stats().retired() == 100, "100 retired");
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      expected.add("k/" + i);
    }
    assertThat(link.published).containsExactlyElementsOf(expected);
  }

  @Test
  void recordsOlderThanTheTtlAreExpiredNotPublished() throws Exception {
    start(EventConfig.defaults(), NO_RESUME_DELAY.withTtlMillis(1));
    link.down();
    commit("k/1");
    Thread.sleep(20);
    link.restore();
    await(() -> d.stats().expired() == 1, "expired");
    assertThat(link.published).isEmpty();
    assertThat(store.records).isEmpty();
    assertThat(d.stats().balanced()).isTrue();
  }

  @Test
  void depthLimitedAndDroppedTargetsAreCountedAndBalanced() throws Exception {
    start();
    OutboxDispatcher.WriteTally t = new OutboxDispatcher.WriteTally();
    t.matched(3);
    t.depthLimited(2);
    t.dropped(1);
    d.committed(List.of(), 0, t);
    OutboxStats s = d.stats();
    assertThat(s.matched()).isEqualTo(3);
    assertThat(s.depthLimited()).isEqualTo(2);
    assertThat(s.dropped()).isEqualTo(1);
    assertThat(s.balanced()).isTrue();
  }

  @Test
  void anAcknowledgedRecordIsRetiredWhenItsResultArrives() throws Exception {
    AckRegistry acks = new AckRegistry();
    d = OutboxDispatcher.builder().store(store).link(link).acks(acks).name("test-outbox").start();
    OutboxRecord r = OutboxRecord.fresh("oprc/c/0/async/fn/ID1", new byte[] {1}, System.currentTimeMillis(), true)
        .withSeq(store.seq.incrementAndGet());
    store.records.put(r.seq(), r);
    OutboxDispatcher.WriteTally t = new OutboxDispatcher.WriteTally();
    t.matched(1);
    d.committed(List.of(r), 0, t);
    await(() -> acks.waiting() == 1, "waiting for the result");
    assertThat(d.stats().retired()).isZero();
    assertThat(acks.resultArrived("ID1")).isTrue();
    await(() -> d.stats().acknowledged() == 1, "acknowledged");
    assertThat(d.stats().retired()).isEqualTo(1);
    assertThat(acks.waiting()).isZero();
  }

  @Test
  void anAcknowledgedRecordWithoutAResultIsResentThenDeadLettered() throws Exception {
    d = OutboxDispatcher.builder().config(NO_RESUME_DELAY.withAck(20, 3)).store(store).link(link)
        .acks(new AckRegistry()).name("test-outbox").start();
    OutboxRecord r = OutboxRecord.fresh("oprc/c/3/objects/o1/async/fn/ID2", new byte[] {1},
        System.currentTimeMillis(), true).withSeq(store.seq.incrementAndGet());
    store.records.put(r.seq(), r);
    OutboxDispatcher.WriteTally t = new OutboxDispatcher.WriteTally();
    t.matched(1);
    d.committed(List.of(r), 0, t);
    await(() -> d.stats().deadLettered() == 1, "dead-lettered");
    assertThat(link.published).containsExactly(r.key(), r.key(), r.key(), "oprc/c/3/dlq/fn/ID2");
    assertThat(link.attachments).singleElement().asString().contains("no result after 3 attempts");
    assertThat(d.stats().redelivered()).isEqualTo(2);
    assertThat(store.records).isEmpty();
    assertThat(d.stats().balanced()).isTrue();
  }

  @Test
  void deadLetterKeysKeepCollectionPartitionFunctionAndId() {
    assertThat(OutboxDispatcher.deadLetterKey("oprc/a/1/async/f/X")).isEqualTo("oprc/a/1/dlq/f/X");
    assertThat(OutboxDispatcher.deadLetterKey("oprc/a/1/objects/o/async/f/X")).isEqualTo("oprc/a/1/dlq/f/X");
  }

  @Test
  void storedRecordsRoundTripAndCorruptOnesAreRejectedNamingTheSeq() {
    OutboxRecord r = OutboxRecord.fresh("oprc/a/1/async/f/X", new byte[] {9, 8}, 123, true).withSeq(7);
    assertThat(OutboxRecord.decode(7, r.encode())).isEqualTo(r);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> OutboxRecord.decode(7, new byte[] {1, 0, 0}))
        .isInstanceOf(CorruptOutboxRecordException.class).hasMessageContaining("record 7");
    byte[] bad = r.encode();
    bad[0] = 9;
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> OutboxRecord.decode(7, bad))
        .hasMessageContaining("format 9");
  }

  @Test
  void deterministicIdsDependOnEveryPartOfTheIdentityAndUseTheNanoidAlphabet() {
    String id = DeterministicInvocationIds.of("c", 0, "o", 5, EventType.DATA_UPDATE, "k", 0, null);
    assertThat(id).hasSize(21).matches("[A-Za-z0-9_-]{21}");
    assertThat(DeterministicInvocationIds.of("c", 0, "o", 5, EventType.DATA_UPDATE, "k", 0, null)).isEqualTo(id);
    List<String> variants = List.of(
        DeterministicInvocationIds.of("c2", 0, "o", 5, EventType.DATA_UPDATE, "k", 0, null),
        DeterministicInvocationIds.of("c", 1, "o", 5, EventType.DATA_UPDATE, "k", 0, null),
        DeterministicInvocationIds.of("c", 0, "o2", 5, EventType.DATA_UPDATE, "k", 0, null),
        DeterministicInvocationIds.of("c", 0, "o", 6, EventType.DATA_UPDATE, "k", 0, null),
        DeterministicInvocationIds.of("c", 0, "o", 5, EventType.DATA_CREATE, "k", 0, null),
        DeterministicInvocationIds.of("c", 0, "o", 5, EventType.DATA_UPDATE, "k2", 0, null),
        DeterministicInvocationIds.of("c", 0, "o", 5, EventType.DATA_UPDATE, "k", 1, null),
        DeterministicInvocationIds.of("c", 0, "o", 5, EventType.DATA_UPDATE, "k", 0, "n"));
    assertThat(variants).doesNotContain(id).doesNotHaveDuplicates();
    // length-prefixed fields: moving a character between neighbours changes the id
    assertThat(DeterministicInvocationIds.of("ab", 0, "c", 1, EventType.DATA_UPDATE, "k", 0, null))
        .isNotEqualTo(DeterministicInvocationIds.of("a", 0, "bc", 1, EventType.DATA_UPDATE, "k", 0, null));
  }

  @Test
  void aRecordIsRetiredOnceABarrierIssuedAfterItIsAnsweredWithoutWaitingForTheLease() throws Exception {
    link.settle = 600_000; // the lease rule would hold it for 15 minutes
    link.barriers = true;
    start();
    commit("k/1");
    await(() -> link.published.size() == 1, "published");
    assertThat(d.stats().retired()).isZero();
    link.answer(true);
    await(() -> d.stats().retired() == 1, "retired on the answer");
    assertThat(store.records).isEmpty();
    assertThat(d.barriersAnswered()).isEqualTo(1);
    assertThat(d.barrierFallbacks()).isZero();
    assertThat(d.inflightBytes()).isZero();
    assertThat(d.stats().balanced()).isTrue();
  }

  @Test
  void anAnswerThatComesAfterTheLinkChangedRetiresNothingAndTheRecordIsSentAgain() throws Exception {
    link.settle = 600_000;
    link.barriers = true;
    start();
    commit("k/1");
    await(() -> link.barriersIssued.get() == 1, "barrier issued");
    link.down();
    link.restore();
    link.answer(true); // a final that stands for the lost link (it fails what was outstanding on it)
    await(() -> link.published.size() == 2, "published again");
    assertThat(link.published).containsExactly("k/1", "k/1");
    assertThat(d.stats().redelivered()).isEqualTo(1);
    await(() -> link.barriersIssued.get() == 2, "a barrier for the new link");
    assertThat(d.stats().retired()).isZero();
    assertThat(d.stats().pending()).isEqualTo(1);
    link.answer(true);
    await(() -> d.stats().retired() == 1, "retired on the new link's answer");
    assertThat(d.stats().balanced()).isTrue();
  }

  @Test
  void aLinkThatBreaksWithinTheGraceAfterAnAnswerRetiresNothingAndTheRecordIsSentAgain() throws Exception {
    link.settle = 600_000;
    link.grace = 600_000; // the answer stands only if the link stays up this long after it
    link.barriers = true;
    start();
    commit("k/1");
    await(() -> link.barriersIssued.get() == 1, "barrier issued");
    link.answer(true); // a router that answered, then died before writing the put out
    await(() -> d.barriersAnswered() == 1, "answer seen");
    link.down();
    link.restore();
    await(() -> link.published.size() == 2, "published again");
    assertThat(link.published).containsExactly("k/1", "k/1");
    assertThat(d.stats().retired()).isZero();
    assertThat(d.stats().redelivered()).isEqualTo(1);
  }

  @Test
  void anAnsweredBarrierRetiresItsRecordsOnceTheGraceHasPassedOnTheSameLink() throws Exception {
    link.settle = 600_000;
    link.grace = 300;
    link.barriers = true;
    start();
    commit("k/1");
    await(() -> link.barriersIssued.get() == 1, "barrier issued");
    long answeredAt = System.nanoTime();
    link.answer(true);
    await(() -> d.stats().retired() == 1, "retired after the grace");
    assertThat(System.nanoTime() - answeredAt).isGreaterThanOrEqualTo(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(300));
    assertThat(link.published).containsExactly("k/1");
  }

  @Test
  void aBarrierThatIsNotAnsweredIsCountedAndItsRecordRetiresByTheLeaseRule() throws Exception {
    link.settle = 100;
    link.barriers = true;
    start();
    commit("k/1");
    await(() -> link.published.size() == 1, "published");
    link.answer(false);
    await(() -> d.stats().retired() == 1, "retired by the lease rule");
    assertThat(d.barrierFallbacks()).isEqualTo(1);
    assertThat(d.barriersAnswered()).isZero();
  }

  @Test
  void atMostTwoBarriersAreOutstandingAndEachCoversEveryRecordHandedBeforeIt() throws Exception {
    link.settle = 600_000;
    link.barriers = true;
    start();
    for (int i = 0; i < 10; i++) {
      commit("k/" + i);
      int n = i + 1;
      await(() -> link.published.size() == n, n + " published");
    }
    assertThat(link.barriersIssued.get()).isEqualTo(OutboxDispatcher.MAX_BARRIERS);
    link.answer(true);
    await(() -> link.barriersIssued.get() == 3, "a barrier for the records handed after the first two");
    await(() -> d.stats().retired() == 1, "the first barrier's record retired");
    link.answer(true);
    link.answer(true);
    await(() -> d.stats().retired() == 10, "all retired");
    assertThat(d.stats().balanced()).isTrue();
  }

  @Test
  void manyRecordsRetireOnAnsweredBarriersAlone() throws Exception {
    link.settle = 600_000;
    link.barriers = true;
    link.answerAtOnce = true;
    start();
    for (int i = 0; i < 5_000; i++) {
      commit("k/" + i);
    }
    await(() -> d.stats().retired() == 5_000, "5000 retired");
    assertThat(link.published).hasSize(5_000).doesNotHaveDuplicates();
    assertThat(store.records).isEmpty();
    assertThat(d.barrierFallbacks()).isZero();
    assertThat(d.stats().balanced()).isTrue();
  }

  /** A gate whose writes become durable when the test says so; completions run on the test's thread. */
  static final class ManualGate implements DurabilityGate {
    volatile long durable;
    final java.util.concurrent.LinkedBlockingQueue<Consumer<RuntimeException>> waiting =
        new java.util.concurrent.LinkedBlockingQueue<>();

    @Override
    public void awaitDurable(long ticket) {
      throw new AssertionError("the dispatcher must not block on a sync");
    }

    @Override
    public synchronized void whenDurable(long ticket, Consumer<RuntimeException> then) {
      if (ticket <= durable) {
        then.accept(null);
      } else {
        waiting.add(then);
      }
    }

    synchronized void makeDurable(long ticket) {
      durable = ticket;
      for (Consumer<RuntimeException> c; (c = waiting.poll()) != null; ) {
        c.accept(null);
      }
    }
  }

  void commitWithTicket(long ticket, String... keys) {
    List<OutboxRecord> rs = new ArrayList<>();
    for (String k : keys) {
      rs.add(store.add(k));
    }
    OutboxDispatcher.WriteTally t = new OutboxDispatcher.WriteTally();
    t.matched(keys.length);
    d.committed(rs, ticket, t);
  }

  @Test
  void aRecordLeavesWhenTheGateSaysItsWriteIsDurableAndTheRecordsBehindItWaitInOrder() throws Exception {
    ManualGate gate = new ManualGate();
    d = OutboxDispatcher.builder().config(NO_RESUME_DELAY).store(store).link(link).gate(gate).name("test-outbox")
        .start();
    commitWithTicket(0, "k/0"); // once it is retired, the start-up read of the store is over: commits queue
    await(() -> d.stats().retired() == 1, "k/0 retired");
    commitWithTicket(1, "k/1");
    commitWithTicket(0, "k/2"); // durable at commit, but behind k/1
    await(() -> gate.waiting.size() == 1, "the dispatcher registered for the sync");
    assertThat(d.stats().queueLength()).isEqualTo(1);
    assertThat(link.published).containsExactly("k/0");
    gate.makeDurable(1);
    await(() -> d.stats().retired() == 3, "both retired");
    assertThat(link.published).containsExactly("k/0", "k/1", "k/2");
  }

  @Test
  void recordsStillQueuedWhenTheMemoryBoundSendsThemToTheStoreLeaveAfterTheForgottenOnes() throws Exception {
    ManualGate gate = new ManualGate();
    d = OutboxDispatcher.builder().config(NO_RESUME_DELAY.withMemoryBytes(1024)).store(store).link(link).gate(gate)
        .name("test-outbox").start();
    commitWithTicket(0, "k/0"); // once it is retired, the start-up read of the store is over: commits queue
    await(() -> d.stats().retired() == 1, "k/0 retired");
    link.down();
    String[] keys = new String[100];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = "k/" + (i + 1);
    }
    commitWithTicket(1, keys); // the first waits for the sync, the other 99 wait in the queue behind it
    await(() -> gate.waiting.size() == 1, "the dispatcher registered for the sync");
    gate.makeDurable(1); // now one round takes them all: the memory bound is crossed in the middle
    await(() -> d.stats().queueLength() == 0, "queue drained");
    link.restore();
    await(() -> d.stats().retired() == 101, "all retired");
    List<String> expected = new ArrayList<>(List.of("k/0"));
    expected.addAll(List.of(keys));
    assertThat(link.published).containsExactlyElementsOf(expected);
  }

  @Test
  void commitToPutIsTimedFromTheCommitIncludingTheWaitForTheSync() throws Exception {
    ManualGate gate = new ManualGate();
    d = OutboxDispatcher.builder().config(NO_RESUME_DELAY).store(store).link(link).gate(gate).name("test-outbox")
        .start();
    java.util.concurrent.LinkedBlockingQueue<Long> observed = new java.util.concurrent.LinkedBlockingQueue<>();
    d.onPublished(observed::add);
    commitWithTicket(0, "k/0"); // once it is retired, the start-up read of the store is over: commits queue
    await(() -> d.stats().retired() == 1, "k/0 retired");
    observed.clear();
    long committed = System.nanoTime();
    commitWithTicket(1, "k/1");
    await(() -> gate.waiting.size() == 1, "the dispatcher registered for the sync");
    while (System.nanoTime() - committed < 30_000_000L) {
      Thread.sleep(5); // the sync takes at least 30 ms
    }
    gate.makeDurable(1);
    Long nanos = observed.poll(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(nanos).isNotNull().isGreaterThanOrEqualTo(30_000_000L);
  }
}
