package dev.oprc.odgm.events;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
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
 * <p>Fast path: the writer hands each committed record to {@link #committed} (a lock-free bounded
 * queue; never blocks). The dispatcher's thread waits for the write to be durable
 * ({@link DurabilityGate}), publishes, and keeps the record in flight until the link has stayed up
 * (same {@link DeliveryLink#epoch()}) for {@link DeliveryLink#settleMillis()}; then it retires it.
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
 * <p>Thread-safe. Owns one thread ({@code <name>}); {@link #close(Duration)} stops it. Records not
 * yet retired at close stay in the store.
 */
public final class OutboxDispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutboxDispatcher.class);
  private static final int BATCH = 256;
  private static final long BUSY_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long YIELD_BEFORE_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
  private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final int MAX_QUEUED_ACKS = 65_536;

  private final EventConfig events;
  private final OutboxConfig config;
  private final OutboxStore store;
  private final DeliveryLink link;
  private final DurabilityGate gate;
  private final AckRegistry acks;
  private final BoundedMpmcQueue queue;
  private final Thread thread;
  private volatile boolean parked;
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
  private long scanCursor = -1;
  private final long[] retireBuf = new long[BATCH];
  private final int[] retireSizes = new int[BATCH];
  private int retireCount;

  /** A record handed to the link; only what retiring it needs (the bytes stay in the store). */
  private record InFlight(long seq, int size, long epoch, long handedAtNanos) {}

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
    this.queue = new BoundedMpmcQueue(events.queueBound());
    this.recovered = store.pendingCount();
    this.lastEpoch = link.epoch();
    this.thread = new Thread(this::run, b.name);
    thread.setDaemon(true);
    thread.start();
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
  public boolean depthAllowed(int depth) {
    return depth < events.maxTriggerDepth();
  }

  /**
   * Accounts for one committed write and queues its records; called after the commit, while the
   * writer still holds the object's lock (so one object's records are queued in version order).
   * Never blocks. {@code durableTicket} is the storage's ticket for the write (0: durable now).
   */
  public void committed(List<OutboxRecord> records, long durableTicket, WriteTally tally) {
    matched.add(tally.matched);
    depthLimited.add(tally.depthLimited);
    dropped.add(tally.dropped);
    failed.add(tally.failed);
    if (tally.fanoutTruncatedKeys > 0) {
      fanoutTruncatedKeys.add(tally.fanoutTruncatedKeys);
      warnRateLimited("fan-out cap reached; {} changed keys not evaluated so far", fanoutTruncatedKeys.sum());
    }
    if (tally.dropped > 0) {
      warnRateLimited("outbox full; {} dispatches dropped so far", dropped.sum());
    }
    for (int i = 0; i < records.size(); i++) {
      if (backlog) {
        break; // the thread reads them back from the store
      }
      if (!queue.offer(null, records.get(i), durableTicket)) {
        backlog = true;
        warnRateLimited("event queue full (bound {}); reading back from the outbox", (long) events.queueBound());
      }
    }
    if (parked) {
      LockSupport.unpark(thread);
    }
  }

  /** Counts a write refused because its records did not fit (policy reject-writes). */
  public void recordRejectedWrite() {
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
    if (parked) {
      LockSupport.unpark(thread);
    }
  }

  public OutboxStats stats() {
    long oldest = store.oldestCreatedAtMillis();
    return new OutboxStats(matched.sum(), recovered, retired.sum(), redelivered.sum(), store.pendingCount(),
        store.pendingBytes(), oldest < 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest), dropped.sum(),
        rejectedWrites.sum(), depthLimited.sum(), expired.sum(), failed.sum(), deadLettered.sum(),
        acknowledged.sum(), fanoutTruncatedKeys.sum(), queue.size(), duplicatesSuppressed.sum());
  }

  // ------------------------------------------------------------------ dispatcher thread

  private void run() {
    int idle = 0;
    long idleSince = 0;
    while (true) {
      boolean progress;
      try {
        progress = step();
      } catch (Throwable e) { // a bad record or a failing store must not kill delivery
        progress = false;
        warnRateLimited("outbox dispatch error: {}", e.toString());
        log.debug("outbox dispatch error", e);
        forgetUnsent(); // whatever was in hand is still stored: read it back
        sleepQuietly();
      }
      if (stopping && (drained() || System.nanoTime() - drainDeadline > 0)) {
        flushRetired();
        return;
      }
      if (progress) {
        idle = 0;
        continue;
      }
      if (++idle == 1) {
        idleSince = System.nanoTime();
      }
      if (System.nanoTime() - idleSince < YIELD_BEFORE_PARK_NANOS) {
        Thread.yield(); // under load the queue refills within microseconds; spare writers an unpark
        continue;
      }
      idle = 0;
      park();
    }
  }

  private boolean drained() {
    return queue.size() == 0 && unsent.isEmpty() && !backlog;
  }

  private void park() {
    parked = true;
    if (queue.size() == 0 && ackQueue.isEmpty() && !stopping) {
      boolean busy = !inflight.isEmpty() || !unsent.isEmpty() || !ackWaits.isEmpty() || backlog;
      LockSupport.parkNanos(this, busy ? BUSY_PARK_NANOS : IDLE_PARK_NANOS);
    }
    parked = false;
  }

  private static void sleepQuietly() {
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
  }

  /** One round of every duty; true when anything moved. */
  private boolean step() {
    boolean progress = onLinkChange();
    progress |= drainAcks();
    progress |= retireSettled();
    progress |= flushUnsent();
    progress |= pollQueue();
    if (!progress && backlog && queue.size() == 0) {
      progress = scanStep();
    }
    progress |= ackTimeouts();
    flushRetired();
    return progress;
  }

  private boolean onLinkChange() {
    long e = link.epoch();
    if (e == lastEpoch) {
      return false;
    }
    lastEpoch = e;
    if (inflight.isEmpty() && unsent.isEmpty()) {
      return true;
    }
    // handed over on a link that broke before it settled: read everything not retired back from
    // the store and publish it again, in seq order, under the same ids
    redelivered.add(inflight.size());
    for (InFlight f : inflight) {
      held.remove(f.seq);
    }
    inflight.clear();
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
    scanCursor = -1;
  }

  private boolean drainAcks() {
    boolean any = false;
    String id;
    while ((id = ackQueue.poll()) != null) {
      ackQueueSize.decrementAndGet();
      AckWait w = ackWaits.remove(id);
      if (w != null) {
        acks.forget(id);
        acknowledged.increment();
        retire(w.record, retired);
        any = true;
      }
    }
    return any;
  }

  private boolean retireSettled() {
    if (inflight.isEmpty()) {
      return false;
    }
    long settleNanos = TimeUnit.MILLISECONDS.toNanos(link.settleMillis());
    long now = System.nanoTime();
    long epoch = link.epoch();
    boolean any = false;
    InFlight f;
    while ((f = inflight.peekFirst()) != null && f.epoch == epoch && now - f.handedAtNanos >= settleNanos) {
      inflight.pollFirst();
      retire(f.seq, f.size, retired);
      any = true;
    }
    return any;
  }

  private boolean flushUnsent() {
    if (unsent.isEmpty() || !link.up()) {
      return false;
    }
    boolean any = false;
    OutboxRecord r;
    while ((r = unsent.peekFirst()) != null) {
      if (expiredNow(r)) {
        unsent.pollFirst();
        unsentBytes -= r.sizeBytes();
        retire(r, expired);
        any = true;
        continue;
      }
      if (!link.tryPublish(r.key(), r.envelope())) {
        break;
      }
      unsent.pollFirst();
      unsentBytes -= r.sizeBytes();
      handed(r);
      any = true;
    }
    return any;
  }

  private boolean pollQueue() {
    boolean any = false;
    for (int i = 0; i < BATCH && queue.poll(this::fromQueue); i++) {
      any = true;
    }
    return any;
  }

  private void fromQueue(EventContext unused, Object rec, long ticket) {
    OutboxRecord r = (OutboxRecord) rec;
    if (held.contains(r.seq()) || scanned.contains(r.seq())) {
      return; // already read back by a backlog scan
    }
    gate.awaitDurable(ticket);
    deliver(r);
  }

  private void deliver(OutboxRecord r) {
    if (expiredNow(r)) {
      retire(r, expired);
      return;
    }
    held.add(r.seq());
    if (unsent.isEmpty() && link.tryPublish(r.key(), r.envelope())) {
      handed(r);
      return;
    }
    unsent.addLast(r);
    unsentBytes += r.sizeBytes();
    trimUnsent();
  }

  /** Over the memory bound: forget the unsent records (they are stored) and read them back later. */
  private void trimUnsent() {
    if (unsentBytes > config.memoryBytes()) {
      forgetUnsent();
    }
  }

  private void handed(OutboxRecord r) {
    long now = System.nanoTime();
    if (r.ack()) {
      AckWait prev = ackWaits.get(r.invocationId());
      if (prev == null) {
        ackWaits.put(r.invocationId(), new AckWait(r, now + TimeUnit.MILLISECONDS.toNanos(config.ackTimeoutMillis())));
        acks.expect(r.invocationId(), this);
      }
      return;
    }
    inflight.addLast(new InFlight(r.seq(), r.sizeBytes(), link.epoch(), now));
  }

  /** Reads the next batch of stored records not held in memory; true when it found any. */
  private boolean scanStep() {
    if (!link.up() || !unsent.isEmpty()) {
      return false;
    }
    store.makeDurable(); // a stored record may belong to a write whose sync is still pending
    int[] found = {0};
    int n = store.scan(scanCursor, BATCH, r -> {
      scanCursor = r.seq();
      if (!held.contains(r.seq())) {
        found[0]++;
        deliverScanned(r);
      }
    });
    if (n < BATCH && unsent.isEmpty()) {
      // caught up: writers queue again; a record committed while we flip is read by one more pass
      backlog = false;
      store.makeDurable();
      n = store.scan(scanCursor, Integer.MAX_VALUE, r -> {
        if (!held.contains(r.seq())) {
          found[0]++;
          deliverScanned(r);
        }
      });
      scanCursor = -1;
    }
    return found[0] > 0 || n > 0;
  }

  private void deliverScanned(OutboxRecord r) {
    scanned.add(r.seq());
    if (scanned.size() > MAX_SCANNED) {
      Iterator<Long> it = scanned.iterator();
      it.next();
      it.remove();
    }
    deliver(r);
  }

  private boolean ackTimeouts() {
    if (ackWaits.isEmpty()) {
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
        if (!link.up()) {
          continue; // keep it until the dead letter can be sent
        }
        deadLetter(w);
        it.remove();
        acks.forget(w.record.invocationId());
        retire(w.record, deadLettered);
      } else if (link.tryPublish(w.record.key(), w.record.envelope())) {
        w.attempts++;
        redelivered.increment();
        w.deadlineNanos = now + (TimeUnit.MILLISECONDS.toNanos(config.ackTimeoutMillis()) << (w.attempts - 1));
      }
      any = true;
    }
    return any;
  }

  private void deadLetter(AckWait w) {
    String why = "error=no result after " + w.attempts + " attempts (ODGM_EVENT_ACK_TIMEOUT_MS="
        + config.ackTimeoutMillis() + ")";
    String key = deadLetterKey(w.record.key());
    if (!link.tryPublish(key, w.record.envelope(), why.getBytes(StandardCharsets.UTF_8))) {
      log.debug("dead letter {} could not be published", key);
    }
    warnRateLimited("no result for acknowledged trigger; sent to the dead-letter key ({} so far)",
        deadLettered.sum() + 1);
  }

  /** {@code oprc/{c}/{p}/dlq/{fn}/{id}} for a trigger key of either shape. */
  public static String deadLetterKey(String triggerKey) {
    String[] s = triggerKey.split("/", -1);
    int n = s.length;
    return "oprc/" + s[1] + "/" + s[2] + "/dlq/" + s[n - 2] + "/" + s[n - 1];
  }

  private boolean expiredNow(OutboxRecord r) {
    return System.currentTimeMillis() - r.createdAtMillis() > config.ttlMillis();
  }

  private void retire(OutboxRecord r, LongAdder counter) {
    retire(r.seq(), r.sizeBytes(), counter);
  }

  private void retire(long seq, int size, LongAdder counter) {
    held.remove(seq);
    counter.increment();
    if (retireCount == retireBuf.length) {
      flushRetired();
    }
    retireSizes[retireCount] = size;
    retireBuf[retireCount++] = seq;
  }

  private void flushRetired() {
    if (retireCount > 0) {
      store.retire(retireBuf, retireSizes, retireCount);
      retireCount = 0;
    }
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
    LockSupport.unpark(thread);
    try {
      thread.join(drain.toMillis() + 2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (AckWait w : ackWaits.values()) {
      acks.forget(w.record.invocationId());
    }
  }

  /** What one write matched and what became of it, for {@link #committed}. Not thread-safe. */
  public static final class WriteTally {
    int matched;
    int depthLimited;
    int dropped;
    int failed;
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

    /** The thread's name. */
    public Builder name(String n) {
      this.name = Objects.requireNonNull(n, "name");
      return this;
    }

    public OutboxDispatcher start() {
      Objects.requireNonNull(store, "store is required");
      Objects.requireNonNull(link, "link is required");
      return new OutboxDispatcher(this);
    }
  }
}
