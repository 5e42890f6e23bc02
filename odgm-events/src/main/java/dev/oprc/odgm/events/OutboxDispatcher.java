package dev.oprc.odgm.events;

import dev.oprc.odgm.metrics.PartitionMeters;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one shard's outbox: records committed with the shard's writes are published on a
 * {@link DeliveryLink} and deleted from the {@link OutboxStore} only once delivery is safe.
 *
 * <p>Fast path: a write's {@link WriteEvents} hands each committed record to {@link #committed}
 * (a lock-free bounded queue; never blocks). The dispatcher's thread waits for the write to be durable
 * ({@link DurabilityGate}), publishes, and keeps the record in flight until there is evidence that
 * the peer took it: a {@link DeliveryLink#barrier} issued after it was answered while the link
 * stayed up (same {@link DeliveryLink#epoch()}), or, when no barrier answers (a link or router
 * without them, a timeout; counted), the link stayed up for one and a half
 * {@link DeliveryLink#settleMillis()} after the record was written. Then it retires it. At most
 * {@value #MAX_BARRIERS} barriers are outstanding, each covering every record handed before it,
 * so records held after publishing are bounded by the barrier's round trip times the rate.
 * If the link breaks first, every record in flight is published again with the same key (same
 * invocation id). Records that cannot be sent while the link is down wait in memory up to
 * {@link OutboxConfig#memoryBytes()}.
 *
 * <p>Slow path: when the queue or that memory is full, or at start (records left by an earlier
 * run), the dispatcher switches to backlog mode: writers stop queueing, and the thread re-reads
 * the store in seq order, skipping what it already holds, until it has caught up.
 *
 * <p>Acknowledged records ({@link OutboxRecord#ack()}) are retired when {@link #acknowledge} is
 * called with their invocation id (the result arrived); otherwise they are sent again after
 * {@link OutboxConfig#ackTimeoutMillis()} (doubling), and after
 * {@link OutboxConfig#ackMaxAttempts()} sends they go to {@code oprc/{c}/{p}/dlq/{fn}/{id}}.
 *
 * <p>Thread-safe. Runs on a {@link DispatchPool} shared with other shards ({@link Builder#pool}),
 * or on a thread of its own ({@code <name>}); {@link #close(Duration)} stops it. Records not yet
 * retired at close stay in the store.
 */
public final class OutboxDispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutboxDispatcher.class);
  private static final int BATCH = 256;
  private static final long BUSY_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /** With nothing in hand, only a sweep now and then: commits, acknowledgements and close wake it. */
  private static final long IDLE_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long ERROR_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** One turn on a shared thread: at most this many rounds or this long, then other shards run. */
  private static final int SLICE_ROUNDS = 64;
  private static final long SLICE_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
  private static final long YIELD_BEFORE_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
  private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final int MAX_QUEUED_ACKS = 65_536;
  /** Barriers outstanding at once: one answered while the next is on its way keeps records moving. */
  static final int MAX_BARRIERS = 2;
  /** A barrier whose listener was never called (its answer was lost in the link) is given up after this. */
  private static final long BARRIER_GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final int PENDING = 0;
  private static final int ANSWERED = 1;
  private static final int FAILED = 2;

  private final EventConfig events;
  private final OutboxConfig config;
  private final OutboxStore store;
  private final DeliveryLink link;
  private final DurabilityGate gate;
  private final AckRegistry acks;
  private final BoundedMpmcQueue<OutboxRecord> queue; // records with their durability tickets
  private final DispatchPool pool; // shared, or owned when ownsPool
  private final boolean ownsPool;
  private final Runner runner = new Runner();
  private final java.util.concurrent.CountDownLatch exited = new java.util.concurrent.CountDownLatch(1);
  private volatile boolean backlog = true; // start by reading what an earlier run left
  private volatile boolean stopping;
  private volatile long drainDeadline;

  // counters (any thread)
  private final LongAdder matched = new LongAdder();
  private final LongAdder retired = new LongAdder();
  private final LongAdder redelivered = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder rejectedWrites = new LongAdder();
  private final LongAdder depthLimited = new LongAdder();
  private final LongAdder expired = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder deadLettered = new LongAdder();
  private final LongAdder acknowledged = new LongAdder();
  private final LongAdder fanoutTruncatedKeys = new LongAdder();
  private final LongAdder duplicatesSuppressed = new LongAdder();
  private final LongAdder filteredOut = new LongAdder();
  private final LongAdder valuesTruncated = new LongAdder();
  private final LongAdder barriersAnswered = new LongAdder();
  private final LongAdder delayedWrites = new LongAdder();
  private final LongAdder barrierFallbacks = new LongAdder();
  private volatile long inflightBytes; // a copy of inflightTotal for other threads
  private long inflightTotal; // dispatcher thread only
  private final long recovered;
  private volatile long lastWarnNanos = System.nanoTime() - WARN_INTERVAL_NANOS;

  // dispatcher thread only
  private final ArrayDeque<InFlight> inflight = new ArrayDeque<>();
  private final ArrayDeque<OutboxRecord> unsent = new ArrayDeque<>();
  private final Map<String, AckWait> ackWaits = new LinkedHashMap<>();
  private final HashSet<Long> held = new HashSet<>();
  /**
   * Seqs a backlog scan delivered, newest last, bounded: a record committed just before a scan and
   * queued just after it must not be sent twice once the scan's copy is retired.
   */
  private final java.util.LinkedHashSet<Long> scanned = new java.util.LinkedHashSet<>();
  private static final int MAX_SCANNED = 65_536;
  private final ConcurrentLinkedQueue<String> ackQueue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger ackQueueSize = new AtomicInteger();
  private long unsentBytes;
  private long lastEpoch;
  private long linkChangedAtNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1); // up at start: ready at once
  private long scanCursor = -1;
  private boolean rescan; // the unsent records were forgotten during a scan: start it over
  /** (written position, when first seen) pairs, oldest first; see {@link #retireSettled}. */
  private final ArrayDeque<long[]> writtenMarks = new ArrayDeque<>();
  private long lastWritten = Long.MIN_VALUE;
  private final List<Retiring> retiring = new ArrayList<>(BATCH);
  private OutboxRecord awaitingSync; // taken from the queue, its write not yet durable; see pollQueue
  private long awaitingCommittedAt;
  private long handingEpoch; // the link epoch read just before the record being delivered was published
  private long handingCommittedAt; // nanoTime of the commit of the record being delivered, 0: unknown
  private volatile boolean syncDone;
  private volatile RuntimeException syncFailure;
  private final java.util.function.Consumer<RuntimeException> onSynced = this::synced;
  /** Outstanding barriers, oldest first; see {@link #retireProven}. */
  private final ArrayDeque<Barrier> barriers = new ArrayDeque<>();
  /** Answered barriers waiting out {@link DeliveryLink#barrierGraceMillis()}, oldest first. */
  private final ArrayDeque<Barrier> proven = new ArrayDeque<>();
  private long handedCount; // records handed to the link so far: InFlight.handedNo
  private long barrierCover; // handedCount when the newest barrier was issued

  /** A record handed to the link; only what retiring it needs (the bytes stay in the store). */
  private static final class InFlight {
    final long seq;
    final int size;
    final long epoch;
    final long position;
    final long handedNo;
    final long handedAtNanos = System.nanoTime();

    InFlight(long seq, int size, long epoch, long position, long handedNo) {
      this.seq = seq;
      this.size = size;
      this.epoch = epoch;
      this.position = position;
      this.handedNo = handedNo;
    }
  }

  /**
   * A barrier issued when {@code cover} records had been handed over on link epoch {@code epoch}.
   * Its listener runs on a link thread: it only records the answer and wakes the dispatcher.
   */
  private final class Barrier implements DeliveryLink.BarrierListener {
    final long cover;
    final long epoch;
    final long issuedAtNanos = System.nanoTime();
    long answeredAtNanos; // written before state, read after it
    volatile int state = PENDING;

    Barrier(long cover, long epoch) {
      this.cover = cover;
      this.epoch = epoch;
    }

    @Override
    public void done(boolean answered) {
      answeredAtNanos = System.nanoTime();
      state = answered ? ANSWERED : FAILED;
      runner.wake();
    }
  }

  /** A retirement waiting for its batched delete; counted only once the delete succeeded. */
  private record Retiring(long seq, int size, LongAdder counter, LongAdder alsoCounter) {}

  private static final class AckWait {
    final OutboxRecord record;
    int attempts = 1;
    long deadlineNanos;

    AckWait(OutboxRecord record, long deadlineNanos) {
      this.record = record;
      this.deadlineNanos = deadlineNanos;
    }
  }

  private OutboxDispatcher(Builder b) {
    this.events = b.events;
    this.config = b.config;
    this.store = b.store;
    this.link = b.link;
    this.gate = b.gate;
    this.acks = b.acks;
    this.queue = new BoundedMpmcQueue<>(events.queueBound());
    this.recovered = store.pendingCount();
    this.lastEpoch = link.epoch();
    this.ownsPool = b.pool == null;
    this.pool = ownsPool ? DispatchPool.start(b.name, 1) : b.pool;
    pool.register(runner);
  }

  /** Starts configuring a dispatcher. */
  public static Builder builder() {
    return new Builder();
  }

  public EventConfig eventConfig() {
    return events;
  }

  public OutboxConfig config() {
    return config;
  }

  // ------------------------------------------------------------------ write path (writer threads)

  /** True when an event at {@code depth} may be dispatched (below ODGM_MAX_TRIGGER_DEPTH). */
  boolean depthAllowed(int depth) {
    return depth < events.maxTriggerDepth();
  }

  /**
   * Accounts for one committed write and queues its records; called after the commit, while the
   * writer still holds the object's lock (so one object's records are queued in version order).
   * Never blocks. {@code durableTicket} is the storage's ticket for the write (0: durable now).
   */
  void committed(List<OutboxRecord> records, long durableTicket, WriteTally tally) {
    if (tally.matched > 0) {
      matched.add(tally.matched);
      depthLimited.add(tally.depthLimited);
      dropped.add(tally.dropped);
      failed.add(tally.failed);
    }
    if (tally.filteredOut > 0) {
      filteredOut.add(tally.filteredOut);
    }
    if (tally.valuesTruncated > 0) {
      valuesTruncated.add(tally.valuesTruncated);
    }
    if (tally.fanoutTruncatedKeys > 0) {
      fanoutTruncatedKeys.add(tally.fanoutTruncatedKeys);
      warnRateLimited("fan-out cap reached; {} changed keys not evaluated so far", fanoutTruncatedKeys.sum());
    }
    if (tally.dropped > 0) {
      warnRateLimited("outbox full; {} dispatches dropped so far", dropped.sum());
    }
    if (records.isEmpty()) {
      return;
    }
    long now = System.nanoTime(); // the commit's time, for the commit-to-PUT histogram
    for (int i = 0; i < records.size(); i++) {
      if (backlog) {
        break; // the thread reads them back from the store
      }
      if (!queue.offer(records.get(i), durableTicket, now)) {
        backlog = true;
        warnRateLimited("event queue full (bound {}); reading back from the outbox", (long) events.queueBound());
      }
    }
    runner.wake();
  }

  /** Counts a write slowed down because its records did not fit (policy backpressure). */
  void recordDelayedWrite() {
    delayedWrites.increment();
  }

  /** Counts a write refused because its records did not fit (reject-writes, or backpressure after the wait). */
  void recordRejectedWrite() {
    rejectedWrites.increment();
    warnRateLimited("outbox full; {} writes rejected so far", rejectedWrites.sum());
  }

  /** Counts an invocation of this shard's partition that was not run again. */
  public void recordDuplicateSuppressed() {
    duplicatesSuppressed.increment();
  }

  /** The result of invocation {@code id} arrived: retire its record if it waits for one. Any thread. */
  public void acknowledge(String invocationId) {
    if (ackQueueSize.incrementAndGet() > MAX_QUEUED_ACKS) {
      ackQueueSize.decrementAndGet(); // the record is re-sent later and acknowledged then
      return;
    }
    ackQueue.offer(invocationId);
    runner.wake();
  }

  public OutboxStats stats() {
    return new OutboxStats(matched.sum(), recovered, retired.sum(), redelivered.sum(), store.pendingCount(),
        store.pendingBytes(), oldestPendingAgeMillis(), dropped.sum(),
        rejectedWrites.sum(), depthLimited.sum(), expired.sum(), failed.sum(), deadLettered.sum(),
        acknowledged.sum(), fanoutTruncatedKeys.sum(), queue.size(), duplicatesSuppressed.sum(), filteredOut.sum(),
        valuesTruncated.sum());
  }

  /**
   * Registers this dispatcher's counters and gauges (every one of {@link EventMeters#DISPATCHER})
   * and its publish latency ({@link EventMeters#DISPATCH_LATENCY}) with its partition's meters.
   */
  public void registerMeters(PartitionMeters m) {
    m.register(EventMeters.MATCHED, matched::sum).register(EventMeters.RECOVERED, () -> recovered)
        .register(EventMeters.RETIRED, retired::sum).register(EventMeters.REDELIVERED, redelivered::sum)
        .register(EventMeters.QUEUE_DROPS, dropped::sum).register(EventMeters.REJECTED_WRITES, rejectedWrites::sum)
        .register(EventMeters.DEPTH_LIMITED, depthLimited::sum).register(EventMeters.EXPIRED, expired::sum)
        .register(EventMeters.FAILED, failed::sum).register(EventMeters.DEAD_LETTERED, deadLettered::sum)
        .register(EventMeters.EMIT_FAILURES, () -> failed.sum() + expired.sum() + deadLettered.sum())
        .register(EventMeters.ACKNOWLEDGED, acknowledged::sum)
        .register(EventMeters.FANOUT_LIMITED, fanoutTruncatedKeys::sum)
        .register(EventMeters.DUPLICATES_SUPPRESSED, duplicatesSuppressed::sum)
        .register(EventMeters.FILTERED_OUT, filteredOut::sum).register(EventMeters.VALUES_TRUNCATED, valuesTruncated::sum)
        .register(EventMeters.QUEUE_LEN, queue::size).register(EventMeters.PENDING, store::pendingCount)
        .register(EventMeters.PENDING_BYTES, store::pendingBytes)
        .register(EventMeters.OLDEST_AGE, this::oldestPendingAgeMillis)
        .register(EventMeters.BARRIER_FALLBACKS, barrierFallbacks::sum)
        .register(EventMeters.DELAYED_WRITES, delayedWrites::sum)
        .register(EventMeters.INFLIGHT_BYTES, () -> inflightBytes);
    Timer latency = m.timer(EventMeters.DISPATCH_LATENCY);
    onPublished(nanos -> latency.record(Math.max(0, nanos), TimeUnit.NANOSECONDS));
  }

  /** Writes slowed down by backpressure (each once, whether it then went through or was refused). */
  public long delayedWrites() {
    return delayedWrites.sum();
  }

  /** Barriers answered so far (records retired on evidence). */
  public long barriersAnswered() {
    return barriersAnswered.sum();
  }

  /** Barriers that were not answered; their records retired by the lease rule. */
  public long barrierFallbacks() {
    return barrierFallbacks.sum();
  }

  /** Bytes of the records published and not yet retired (acknowledged ones excluded). */
  public long inflightBytes() {
    return inflightBytes;
  }

  private long oldestPendingAgeMillis() {
    long oldest = store.oldestCreatedAtMillis();
    return oldest < 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest);
  }

  // ------------------------------------------------------------------ dispatcher thread

  /** The dispatcher's turn on its pool thread: rounds of duties while they make progress. */
  private final class Runner extends DispatchPool.Task {
    private long lastProgressNanos;

    @Override
    long runSlice() {
      long sliceEnd = System.nanoTime() + SLICE_NANOS;
      for (int i = 0; i < SLICE_ROUNDS; i++) {
        boolean progress;
        try {
          progress = step();
        } catch (Throwable e) { // a bad record or a failing store must not kill delivery
          warnRateLimited("outbox dispatch error: {}", e.toString());
          log.debug("outbox dispatch error", e);
          forgetUnsent(); // whatever was in hand is still stored (retiring ones stay held): read it back
          return ERROR_BACKOFF_NANOS;
        }
        if (stopping && (drained() || System.nanoTime() - drainDeadline > 0)) {
          exit();
          exited.countDown();
          return -1;
        }
        if (!progress) {
          return idleWait();
        }
        lastProgressNanos = System.nanoTime();
        if (System.nanoTime() - sliceEnd > 0) {
          break;
        }
      }
      return 0; // more to do: back of the queue, so other shards on this thread get their turn
    }

    /** How long to wait with nothing to do: briefly re-check under load, else until the next timed duty. */
    private long idleWait() {
      if (System.nanoTime() - lastProgressNanos < YIELD_BEFORE_PARK_NANOS) {
        return YIELD_BEFORE_PARK_NANOS / 5; // just busy: under load the queue refills within microseconds
      }
      if (stopping) {
        return BUSY_PARK_NANOS;
      }
      boolean busy = !inflight.isEmpty() || !unsent.isEmpty() || !ackWaits.isEmpty() || backlog;
      return busy ? BUSY_PARK_NANOS : IDLE_PARK_NANOS;
    }
  }

  private void exit() {
    try {
      flushRetired();
    } catch (RuntimeException e) {
      log.debug("final outbox retire failed (records are re-sent at the next start): {}", e.toString());
    }
    for (AckWait w : ackWaits.values()) {
      acks.forget(w.record.invocationId());
    }
    for (OutboxRecord r : unsent) {
      if (r.ack()) {
        acks.forget(r.invocationId());
      }
    }
  }

  private boolean drained() {
    return queue.size() == 0 && unsent.isEmpty() && !backlog && awaitingSync == null;
  }

  /** One round of every duty; true when anything moved. */
  private boolean step() {
    flushRetired(); // first: a retire that failed last round is retried before anything else
    boolean progress = onLinkChange();
    progress |= drainAcks();
    progress |= retireProven();
    progress |= retireSettled();
    progress |= flushUnsent();
    progress |= pollQueue();
    if (!progress && backlog && queue.size() == 0) {
      progress = scanStep();
    }
    progress |= ackTimeouts();
    issueBarrier();
    flushRetired();
    return progress;
  }

  private boolean onLinkChange() {
    long e = link.epoch();
    if (e == lastEpoch) {
      return false;
    }
    lastEpoch = e;
    linkChangedAtNanos = System.nanoTime();
    InFlight oldest = inflight.peekFirst();
    if (oldest == null || oldest.epoch == e) {
      return true; // nothing in flight, or all of it handed over on the new link: unsent records wait their turn
    }
    // handed over on a link that broke before it settled: read everything not retired back from
    // the store and publish it again, in seq order, under the same ids
    redelivered.add(inflight.size());
    for (InFlight f : inflight) {
      held.remove(f.seq);
    }
    inflight.clear();
    inflightBytes(-inflightTotal);
    barriers.clear(); // answers from the old link prove nothing any more
    proven.clear();
    barrierCover = handedCount;
    forgetUnsent();
    return true;
  }

  private void forgetUnsent() {
    for (OutboxRecord r : unsent) {
      held.remove(r.seq());
    }
    unsent.clear();
    unsentBytes = 0;
    backlog = true;
    rescan = true;
  }

  private boolean drainAcks() {
    boolean any = false;
    String id;
    while ((id = ackQueue.poll()) != null) {
      ackQueueSize.decrementAndGet();
      AckWait w = ackWaits.remove(id);
      if (w != null) {
        acks.forget(id);
        retire(w.record.seq(), w.record.sizeBytes(), retired, acknowledged);
        any = true;
      }
    }
    return any;
  }

  /**
   * Issues a barrier covering every record handed over so far, unless one already covers them,
   * {@value #MAX_BARRIERS} are outstanding, or the link delivers on publish (no settle time).
   */
  private void issueBarrier() {
    if (handedCount == barrierCover || barriers.size() >= MAX_BARRIERS || link.settleMillis() == 0) {
      return;
    }
    Barrier b = new Barrier(handedCount, link.epoch());
    boolean issued;
    try {
      issued = link.barrier(b);
    } catch (RuntimeException e) {
      issued = false; // no evidence from this link now: the lease rule retires the records
    }
    if (issued) {
      barriers.addLast(b);
      barrierCover = handedCount;
    }
  }

  /**
   * Retires the records in flight covered by the newest proven barrier, oldest first. A barrier is
   * proven when it was answered on the epoch it and its records were handed over on, and that
   * epoch still holds {@link DeliveryLink#barrierGraceMillis()} after the answer (a router killed
   * right after answering may not have written the puts out; its death changes the epoch). A
   * barrier's state is read before the epoch: a link that breaks changes its epoch before it fails
   * what was outstanding on it, so an answer that stands for a lost link is always seen with the
   * new epoch. Barriers that failed (timeout, no answer) are counted; their records retire by
   * {@link #retireSettled}.
   */
  private boolean retireProven() {
    collectAnswers();
    long graceNanos = TimeUnit.MILLISECONDS.toNanos(link.barrierGraceMillis());
    long now = System.nanoTime();
    long cover = Long.MIN_VALUE;
    Barrier b;
    while ((b = proven.peekFirst()) != null && now - b.answeredAtNanos >= graceNanos) {
      proven.pollFirst();
      cover = b.cover;
    }
    long epoch = link.epoch(); // after the grace was seen to pass: the link was up through it
    boolean any = false;
    InFlight f;
    while (cover != Long.MIN_VALUE && (f = inflight.peekFirst()) != null && f.handedNo <= cover && f.epoch == epoch) {
      inflight.pollFirst();
      inflightBytes(-f.size);
      retire(f.seq, f.size, retired, null);
      any = true;
    }
    return any;
  }

  /** Moves answered barriers to {@link #proven}; counts the ones that failed or gave up. */
  private void collectAnswers() {
    Barrier b;
    while ((b = barriers.peekFirst()) != null) {
      int state = b.state;
      if (state == PENDING && System.nanoTime() - b.issuedAtNanos < BARRIER_GIVE_UP_NANOS) {
        break;
      }
      barriers.pollFirst();
      long epoch = link.epoch(); // after the state: see retireProven
      if (state == ANSWERED && b.epoch == epoch) {
        barriersAnswered.increment();
        proven.addLast(b);
      } else if (b.epoch == epoch) {
        barrierFallbacks.increment(); // an epoch change re-sends its records anyway
      }
    }
  }

  /**
   * Retires records in flight whose link stayed up (same epoch) for one and a half settle periods,
   * counted from when the transport had written them out, not when they were queued. One lease is
   * what detecting a dead router takes; the half more covers a router that reads its socket late
   * (back-pressure from its own subscribers) and would lose what it had not read if it died. When
   * a record was written is known from {@link #writtenMarks}: the first time the link's written
   * position was seen at or past the record's position.
   */
  private boolean retireSettled() {
    long now = System.nanoTime();
    long written = link.writtenPosition();
    if (written != lastWritten) {
      writtenMarks.addLast(new long[] {written, now});
      lastWritten = written;
    }
    if (inflight.isEmpty()) {
      writtenMarks.clear();
      lastWritten = Long.MIN_VALUE;
      return false;
    }
    long settle = link.settleMillis();
    long settleNanos = TimeUnit.MILLISECONDS.toNanos(settle + settle / 2);
    long epoch = link.epoch();
    boolean any = false;
    InFlight f;
    while ((f = inflight.peekFirst()) != null && f.epoch == epoch) {
      while (writtenMarks.size() > 1 && writtenMarks.peekFirst()[0] < f.position) {
        writtenMarks.pollFirst(); // positions only grow: no later record needs this mark
      }
      long[] mark = writtenMarks.peekFirst();
      if (mark == null || mark[0] < f.position) {
        if (now - f.handedAtNanos > TimeUnit.SECONDS.toNanos(10)) {
          warnRateLimited("outbox: puts handed 10 s ago are still in the transport's queue ({})",
              "written " + written + " < " + f.position);
        }
        break;
      }
      if (now - Math.max(mark[1], f.handedAtNanos) < settleNanos) {
        break;
      }
      inflight.pollFirst();
      inflightBytes(-f.size);
      retire(f.seq, f.size, retired, null);
      any = true;
    }
    return any;
  }

  /** Adds {@code delta} to the bytes in flight and publishes the sum (the dispatcher thread is the only writer). */
  private void inflightBytes(long delta) {
    inflightTotal += delta;
    inflightBytes = inflightTotal;
  }

  private boolean flushUnsent() {
    if (unsent.isEmpty() || !ready()) {
      return false;
    }
    boolean any = false;
    OutboxRecord r;
    while ((r = unsent.peekFirst()) != null) {
      if (expiredNow(r)) {
        unsent.pollFirst();
        unsentBytes -= r.sizeBytes();
        retire(r.seq(), r.sizeBytes(), expired, null);
        any = true;
        continue;
      }
      if (!publish(r)) {
        break;
      }
      unsent.pollFirst();
      unsentBytes -= r.sizeBytes();
      handed(r);
      any = true;
    }
    return any;
  }

  /**
   * Takes queued records in commit order; stops at one whose write is not durable yet (the records
   * behind it wait in the queue, which keeps per-object order) until the gate's completion wakes
   * the dispatcher: on RocksDB a record leaves right after the group sync that covers it, and the
   * pool thread never blocks on a sync.
   */
  private boolean pollQueue() {
    boolean any = takeSynced();
    for (int i = 0; i < BATCH && awaitingSync == null && queue.poll(this::fromQueue); i++) {
      any = true;
    }
    return any;
  }

  private void fromQueue(OutboxRecord r, long ticket, long committedAtNanos) {
    if (held.contains(r.seq()) || scanned.contains(r.seq())) {
      return; // already read back by a backlog scan
    }
    if (backlog) {
      // stored: the backlog scan reads it back in seq order. Held here, it would go out before
      // the records the switch to backlog forgot, which have lower seqs (one object's versions
      // could then leave out of order).
      return;
    }
    if (ticket != 0) {
      syncDone = false;
      gate.whenDurable(ticket, onSynced); // at once when durable already
      if (!syncDone) {
        awaitingSync = r;
        awaitingCommittedAt = committedAtNanos;
        return;
      }
      throwIfSyncFailed();
    }
    deliverCommitted(r, committedAtNanos);
  }

  /** Delivers a record taken from the queue, whose commit time is known to the nanosecond. */
  private void deliverCommitted(OutboxRecord r, long committedAtNanos) {
    handingCommittedAt = committedAtNanos;
    try {
      deliver(r);
    } finally {
      handingCommittedAt = 0;
    }
  }

  /** Delivers the record that waited for its sync, once the gate said it is durable. */
  private boolean takeSynced() {
    OutboxRecord r = awaitingSync;
    if (r == null || !syncDone) {
      return false;
    }
    awaitingSync = null;
    throwIfSyncFailed(); // it stays stored: the error path reads it back
    if (!backlog && !held.contains(r.seq()) && !scanned.contains(r.seq())) { // else a scan reads it, or read it
      deliverCommitted(r, awaitingCommittedAt);
    }
    return true;
  }

  private void throwIfSyncFailed() {
    RuntimeException why = syncFailure;
    if (why != null) {
      syncFailure = null;
      throw why;
    }
  }

  /** The gate's completion (its own thread, or this one): records the outcome and wakes the dispatcher. */
  private void synced(RuntimeException why) {
    syncFailure = why;
    syncDone = true;
    runner.wake();
  }

  private void deliver(OutboxRecord r) {
    held.add(r.seq());
    if (expiredNow(r)) {
      retire(r.seq(), r.sizeBytes(), expired, null);
      return;
    }
    if (unsent.isEmpty() && ready() && publish(r)) {
      handed(r);
      return;
    }
    unsent.addLast(r);
    unsentBytes += r.sizeBytes();
    if (unsentBytes > config.memoryBytes()) {
      forgetUnsent(); // over the memory bound: they are stored, read them back later
    }
  }

  /** Publishes; an acknowledged record is registered first, so a fast result cannot be missed. */
  private boolean publish(OutboxRecord r) {
    boolean register = r.ack() && !ackWaits.containsKey(r.invocationId());
    if (register) {
      acks.expect(r.invocationId(), this);
    }
    boolean ok;
    handingEpoch = link.epoch(); // before the publish: a link that changes meanwhile makes it resent, never lost
    try {
      ok = link.tryPublish(r.key(), r.envelope());
    } catch (RuntimeException e) {
      ok = false; // a link that throws is a link that did not take it
    }
    if (!ok && register) {
      acks.forget(r.invocationId());
    }
    java.util.function.LongConsumer l = publishLatency;
    if (ok && l != null) {
      long committedAt = handingCommittedAt;
      l.accept(committedAt != 0 ? System.nanoTime() - committedAt // straight from the queue
          : TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis() - r.createdAtMillis())); // held, re-read
    }
    return ok;
  }

  private volatile java.util.function.LongConsumer publishLatency;

  /**
   * Observes each record's time from its write's commit to its first hand-over to the link (the
   * PUT), in nanoseconds, on the dispatcher thread; it must not block. For metrics. Records taken
   * straight from the queue are timed from the commit ({@code System.nanoTime()}); records that
   * waited in memory or were re-read from the store from their wall-clock creation (ms).
   */
  public void onPublished(java.util.function.LongConsumer latencyNanos) {
    this.publishLatency = latencyNanos;
  }

  private void handed(OutboxRecord r) {
    long now = System.nanoTime();
    if (r.ack()) {
      AckWait prev = ackWaits.get(r.invocationId());
      if (prev == null) {
        ackWaits.put(r.invocationId(), new AckWait(r, now + TimeUnit.MILLISECONDS.toNanos(config.ackTimeoutMillis())));
      } else if (prev.record.seq() != r.seq()) {
        retire(r.seq(), r.sizeBytes(), retired, null); // a second record of one invocation: the first stands
      }
      return;
    }
    inflight.addLast(new InFlight(r.seq(), r.sizeBytes(), handingEpoch, link.position(), ++handedCount));
    inflightBytes(r.sizeBytes());
  }

  /**
   * Reads the next batch of stored records not held in memory, makes the storage durable, then
   * publishes them (a record may belong to a write whose group sync is still pending). When the
   * end is reached, writers are told to queue again and one last pass reads the whole outbox
   * from the start: a record whose seq was handed out before the scan passed it but committed
   * after is caught there. Returns true when it found any record.
   */
  private boolean scanStep() {
    if (!ready() || !unsent.isEmpty()) {
      return false;
    }
    rescan = false;
    List<OutboxRecord> batch = new ArrayList<>(BATCH);
    int n = store.scan(scanCursor, BATCH, batch::add);
    boolean found = publishScanned(batch);
    if (rescan) {
      scanCursor = -1; // forgotten on the way: start over
      return true;
    }
    if (n == BATCH) {
      scanCursor = batch.get(batch.size() - 1).seq();
      return true;
    }
    backlog = false; // caught up: writers queue again
    scanCursor = -1;
    long cursor = -1;
    do {
      batch.clear();
      n = store.scan(cursor, BATCH, batch::add);
      found |= publishScanned(batch);
      cursor = batch.isEmpty() ? cursor : batch.get(batch.size() - 1).seq();
      pollQueue(); // queue copies of what was just scanned are skipped while still in `scanned`
    } while (n == BATCH && !rescan);
    return found;
  }

  private boolean publishScanned(List<OutboxRecord> batch) {
    boolean found = false;
    boolean synced = false;
    for (OutboxRecord r : batch) {
      if (held.contains(r.seq())) {
        continue; // in flight, unsent or being retired: in hand already
      }
      if (!synced) {
        store.makeDurable();
        synced = true;
      }
      found = true;
      scanned.add(r.seq());
      if (scanned.size() > MAX_SCANNED) {
        Iterator<Long> it = scanned.iterator();
        it.next();
        it.remove();
      }
      deliver(r);
    }
    return found;
  }

  private boolean ackTimeouts() {
    if (ackWaits.isEmpty() || !ready()) {
      return false;
    }
    long now = System.nanoTime();
    boolean any = false;
    Iterator<AckWait> it = ackWaits.values().iterator();
    while (it.hasNext()) {
      AckWait w = it.next();
      if (now - w.deadlineNanos < 0) {
        continue;
      }
      if (w.attempts >= config.ackMaxAttempts()) {
        if (deadLetter(w)) {
          it.remove();
          acks.forget(w.record.invocationId());
          retire(w.record.seq(), w.record.sizeBytes(), deadLettered, null);
          any = true;
        }
      } else if (link.tryPublish(w.record.key(), w.record.envelope())) {
        w.attempts++;
        redelivered.increment();
        w.deadlineNanos = now + (TimeUnit.MILLISECONDS.toNanos(config.ackTimeoutMillis()) << (w.attempts - 1));
        any = true;
      }
    }
    return any;
  }

  /** Publishes the record on its dead-letter key; false when the link did not take it (retried later). */
  private boolean deadLetter(AckWait w) {
    String why = "error=no result after " + w.attempts + " attempts (ODGM_EVENT_ACK_TIMEOUT_MS="
        + config.ackTimeoutMillis() + ")";
    String key = deadLetterKey(w.record.key());
    if (!link.tryPublish(key, w.record.envelope(), why.getBytes(StandardCharsets.UTF_8))) {
      return false;
    }
    warnRateLimited("no result for acknowledged trigger; sent to the dead-letter key ({} so far)",
        deadLettered.sum() + 1);
    return true;
  }

  /** {@code oprc/{c}/{p}/dlq/{fn}/{id}} for a trigger key of either shape. */
  public static String deadLetterKey(String triggerKey) {
    String[] s = triggerKey.split("/", -1);
    int n = s.length;
    return "oprc/" + s[1] + "/" + s[2] + "/dlq/" + s[n - 2] + "/" + s[n - 1];
  }

  /**
   * The link is up and has been for {@link OutboxConfig#resumeDelayMillis()} since it (re)connected:
   * after a router restart, subscribers need a moment to re-declare, and a put that reaches a router
   * with no matching subscriber is gone, so records wait that long before they are published again.
   */
  private boolean ready() {
    return link.up()
        && System.nanoTime() - linkChangedAtNanos >= TimeUnit.MILLISECONDS.toNanos(config.resumeDelayMillis());
  }

  private boolean expiredNow(OutboxRecord r) {
    return System.currentTimeMillis() - r.createdAtMillis() > config.ttlMillis();
  }

  /** Retires {@code seq}: it stays held until its delete is flushed, and is counted only then. */
  private void retire(long seq, int size, LongAdder counter, LongAdder alsoCounter) {
    retiring.add(new Retiring(seq, size, counter, alsoCounter));
    if (retiring.size() >= BATCH) {
      flushRetired();
    }
  }

  private void flushRetired() {
    int n = retiring.size();
    if (n == 0) {
      return;
    }
    long[] seqs = new long[n];
    int[] sizes = new int[n];
    for (int i = 0; i < n; i++) {
      seqs[i] = retiring.get(i).seq();
      sizes[i] = retiring.get(i).size();
    }
    store.retire(seqs, sizes, n); // throws: nothing counted, the batch is retried next round
    for (Retiring r : retiring) {
      held.remove(r.seq());
      r.counter().increment();
      if (r.alsoCounter() != null) {
        r.alsoCounter().increment();
      }
    }
    retiring.clear();
  }

  private void warnRateLimited(String fmt, long n) {
    warnRateLimited(fmt, (Object) n);
  }

  private void warnRateLimited(String fmt, Object arg) {
    long now = System.nanoTime();
    if (now - lastWarnNanos >= WARN_INTERVAL_NANOS) {
      lastWarnNanos = now; // benign race: at worst two warnings
      log.warn(fmt, arg);
    }
  }

  // ------------------------------------------------------------------ lifecycle

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  /**
   * Publishes what is queued (or still unsent) for up to {@code drain}, then stops the thread.
   * Records not yet retired stay in the store for the next start. Idempotent.
   */
  public void close(Duration drain) {
    if (stopping) {
      return;
    }
    drainDeadline = System.nanoTime() + drain.toNanos();
    stopping = true;
    runner.wake();
    try {
      exited.await(drain.toMillis() + 2_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (ownsPool) {
        pool.close();
      }
    }
  }

  /** True once the dispatcher has ended (it no longer touches the store). */
  public boolean stopped() {
    return exited.getCount() == 0;
  }

  /** What one write matched and what became of it, for {@link #committed}. Not thread-safe. */
  static final class WriteTally {
    int matched;
    int depthLimited;
    int dropped;
    int failed;
    int filteredOut;
    int valuesTruncated;
    long fanoutTruncatedKeys;

    public void matched(int n) {
      matched += n;
    }

    public void depthLimited(int n) {
      depthLimited += n;
    }

    public void dropped(int n) {
      dropped += n;
    }

    public void failed(int n) {
      failed += n;
    }

    /** Targets matched by key whose filter refused the event (not matched: never in the outbox). */
    public void filteredOut(int n) {
      filteredOut += n;
    }

    /** Entry values cut to the payload cap. */
    public void valuesTruncated(int n) {
      valuesTruncated += n;
    }

    public void fanoutTruncated(long keys) {
      fanoutTruncatedKeys += keys;
    }

    public int matched() {
      return matched;
    }
  }

  /** Configures an {@link OutboxDispatcher}. Not thread-safe. */
  public static final class Builder {
    private EventConfig events = EventConfig.defaults();
    private OutboxConfig config = OutboxConfig.defaults();
    private OutboxStore store;
    private DeliveryLink link;
    private DurabilityGate gate = DurabilityGate.IMMEDIATE;
    private AckRegistry acks = AckRegistry.NONE;
    private String name = "odgm-outbox";
    private DispatchPool pool;

    public Builder events(EventConfig e) {
      this.events = Objects.requireNonNull(e, "events");
      return this;
    }

    public Builder config(OutboxConfig c) {
      this.config = Objects.requireNonNull(c, "config");
      return this;
    }

    public Builder store(OutboxStore s) {
      this.store = Objects.requireNonNull(s, "store");
      return this;
    }

    public Builder link(DeliveryLink l) {
      this.link = Objects.requireNonNull(l, "link");
      return this;
    }

    public Builder gate(DurabilityGate g) {
      this.gate = Objects.requireNonNull(g, "gate");
      return this;
    }

    public Builder acks(AckRegistry a) {
      this.acks = Objects.requireNonNull(a, "acks");
      return this;
    }

    /** The thread's name when the dispatcher runs on a thread of its own (no {@link #pool}). */
    public Builder name(String n) {
      this.name = Objects.requireNonNull(n, "name");
      return this;
    }

    /** Runs the dispatcher on a shared pool instead of a thread of its own; the pool stays the caller's. */
    public Builder pool(DispatchPool p) {
      this.pool = Objects.requireNonNull(p, "pool");
      return this;
    }

    public OutboxDispatcher start() {
      Objects.requireNonNull(store, "store is required");
      Objects.requireNonNull(link, "link is required");
      return new OutboxDispatcher(this);
    }
  }
}
