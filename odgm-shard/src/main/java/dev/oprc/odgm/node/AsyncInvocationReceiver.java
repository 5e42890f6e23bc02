package dev.oprc.odgm.node;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.oprc.odgm.cluster.PartitionOwnership;
import dev.oprc.odgm.events.TriggerHeaders;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.tracing.TraceSpan;
import dev.oprc.odgm.tracing.Tracing;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives asynchronous invocations (Zenoh PUTs) for the functions this node hosts and runs them.
 *
 * <p>For every non-standby, non-disabled function route it subscribes (standalone once for all
 * partitions; in a cluster only for the partitions this node owns, so an invocation runs on one
 * node) to the trigger keys {@code oprc/{c}/{p}/async/{fn}/*} and {@code oprc/{c}/{p}/objects/*}{@code /async/{fn}/*}
 * and to upstream's {@code …/invokes/{fn}/async/*} variants, so triggers from this or any other
 * node (and upstream clients) reach it. The transport thread only parses the key and hands the
 * work to a bounded pool ({@code odgm-invoke-N}, ODGM_INVOKE_THREADS, queue ODGM_INVOKE_QUEUE_BOUND);
 * when the queue is full the invocation is refused, counted and answered with SYSTEM_ERROR.
 *
 * <p>Every outcome is published as a protobuf {@code InvocationResponse} (with
 * {@code invocation_id}) on the results key: {@code oprc/{c}/{p}/results/{fn}/async/{id}} or
 * {@code oprc/{c}/{p}/objects/{oid}/results/{fn}/async/{id}}.
 *
 * <p>Thread-safe; owns its pool and subscriptions, released by {@link #close()}.
 */
final class AsyncInvocationReceiver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AsyncInvocationReceiver.class);

  private final NodeTransport transport;
  private final ShardRegistry shards;
  private final FunctionInvoker invoker;
  private final ThreadPoolExecutor pool;
  private final PartitionOwnership ownership;
  /** Subscriptions by "collection/partition" ("collection/*" standalone); guarded by this. */
  private final Map<String, List<AutoCloseable>> subscriptions = new java.util.HashMap<>();
  private boolean closed; // guarded by this
  private final LongAdder received = new LongAdder();
  private final LongAdder completed = new LongAdder();
  private final LongAdder decodeErrors = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder invalid = new LongAdder();
  private final LongAdder notLeader = new LongAdder();
  private final LeaseCheck leases;
  private final Tracing tracing;
  /** Payload bytes of invocations accepted and not finished (queued, waiting for a route, running). */
  private final java.util.concurrent.atomic.AtomicLong queuedBytes = new java.util.concurrent.atomic.AtomicLong();
  private final long maxQueuedBytes;
  /** Invocations accepted and not finished: a remote one outlives the pool thread that started it. */
  private final java.util.concurrent.atomic.AtomicInteger unfinished = new java.util.concurrent.atomic.AtomicInteger();
  /** Each collection's partition count, to tell an invalid partition from one another node serves. */
  private final Map<String, Integer> partitionCounts = new java.util.concurrent.ConcurrentHashMap<>();
  /**
   * Recently received invocations (by result key), so a trigger re-sent by an outbox (same id) runs
   * once: RUNNING while it runs, then its encoded result (re-published to a duplicate, so an
   * acknowledging sender still gets it), or DONE when the result is too large to keep. Bounded in
   * count and time.
   */
  private final Cache<String, byte[]> recent = Caffeine.newBuilder().maximumSize(RECENT_IDS)
      .expireAfterWrite(RECENT_TTL).build();
  private static final int RECENT_IDS = 100_000;
  private static final java.time.Duration RECENT_TTL = java.time.Duration.ofMinutes(10);
  private static final int MAX_KEPT_RESULT = 16 * 1024;
  private static final byte[] RUNNING = new byte[0];
  private static final byte[] DONE = new byte[0];
  private final RateLimitedWarn rateLimited = new RateLimitedWarn(log, 10_000);
  /** Its own limit: a lost leadership is worth seeing even while bad keys are being warned about. */
  private final RateLimitedWarn notLeaderWarn = new RateLimitedWarn(log, 10_000);

  /** Whether this node may run a partition's invocations now. Thread-safe; may block briefly. */
  @FunctionalInterface
  interface LeaseCheck {
    /** True when this node still owns {@code partition} of {@code cls} (a raft leader: holds its lease). */
    boolean holds(String cls, int partition);

    /** Every partition is held (standalone, static owners). */
    LeaseCheck ALWAYS = (cls, partition) -> true;
  }

  AsyncInvocationReceiver(NodeTransport transport, ShardRegistry shards, PartitionOwnership ownership,
      FunctionInvoker invoker, int threads, int queueBound, long maxQueuedBytes) {
    this(transport, shards, ownership, invoker, threads, queueBound, maxQueuedBytes, LeaseCheck.ALWAYS,
        Tracing.OFF);
  }

  AsyncInvocationReceiver(NodeTransport transport, ShardRegistry shards, PartitionOwnership ownership,
      FunctionInvoker invoker, int threads, int queueBound, long maxQueuedBytes, LeaseCheck leases, Tracing tracing) {
    this.tracing = java.util.Objects.requireNonNull(tracing, "tracing");
    this.leases = java.util.Objects.requireNonNull(leases, "leases");
    this.maxQueuedBytes = maxQueuedBytes;
    this.transport = transport;
    this.ownership = ownership;
    this.shards = shards;
    this.invoker = invoker;
    this.pool = NodeExecutors.bounded("odgm-invoke-", threads, queueBound);
  }

  /**
   * Subscribes for every hosted function: standalone once per key shape for all partitions, in a
   * cluster per partition this node owns now (see {@link #ownershipChanged}). Returns the key
   * expressions subscribed.
   */
  List<String> start() throws Exception {
    List<String> keys = new ArrayList<>();
    for (CreateCollectionRequest c : shards.collections()) {
      partitionCounts.put(c.getName(), c.getPartitionCount());
      if (!ownership.membership().clustered()) {
        keys.addAll(declare(c.getName(), "*")); // accepted() checks the partition exists
        continue;
      }
      for (int p = 0; p < c.getPartitionCount(); p++) {
        if (ownership.owns(c.getName(), p)) {
          keys.addAll(declare(c.getName(), Integer.toString(p)));
        }
      }
    }
    return keys;
  }

  /** This node gained or lost partition {@code p}: (un)subscribe its keys, so only the owner runs its invocations. */
  void ownershipChanged(String collection, int p, boolean owned) {
    try {
      if (owned) {
        declare(collection, Integer.toString(p));
      } else {
        NodeExecutors.closeQuietly(undeclare(collection + "/" + p));
      }
    } catch (Exception e) {
      log.warn("cannot {} async invocation keys of {}/{}: {}", owned ? "subscribe" : "unsubscribe", collection, p,
          e.toString());
    }
  }

  private synchronized List<AutoCloseable> undeclare(String partitionKey) {
    List<AutoCloseable> subs = subscriptions.remove(partitionKey);
    return subs == null ? new ArrayList<>() : subs; // the caller clears it
  }

  private synchronized List<String> declare(String collection, String partition) throws Exception {
    List<String> keys = new ArrayList<>();
    String slot = collection + "/" + partition;
    if (closed || subscriptions.containsKey(slot)) {
      return keys;
    }
    List<AutoCloseable> subs = new ArrayList<>();
    subscriptions.put(slot, subs);
    CreateCollectionRequest c = shards.collections().stream().filter(x -> x.getName().equals(collection))
        .findFirst().orElseThrow();
    String prefix = "oprc/" + collection + "/" + partition;
    for (String fn : ZenohObjectApi.hostedFunctions(c)) {
      for (String k : new String[] {
          prefix + "/async/" + fn + "/*",
          prefix + "/objects/*/async/" + fn + "/*",
          prefix + "/invokes/" + fn + "/async/*",
          prefix + "/objects/*/invokes/" + fn + "/async/*"}) {
        subs.add(transport.subscribe(k, this::onPut));
        keys.add(k);
      }
    }
    return keys;
  }

  /** A parsed async invocation key. */
  record AsyncKey(String cls, int partition, String objectId, String fn, String invocationId) {
    String resultKey() {
      String prefix = "oprc/" + cls + "/" + Integer.toUnsignedString(partition);
      return objectId == null
          ? prefix + "/results/" + fn + "/async/" + invocationId
          : prefix + "/objects/" + objectId + "/results/" + fn + "/async/" + invocationId;
    }
  }

  /** Parses one of the four key shapes; null when the key is none of them. */
  static AsyncKey parse(String key) {
    String[] s = key.split("/", -1);
    if (s.length < 6 || !"oprc".equals(s[0])) {
      return null;
    }
    int partition;
    try {
      partition = Integer.parseUnsignedInt(s[2]);
    } catch (NumberFormatException e) {
      return null;
    }
    if (s.length == 6 && "async".equals(s[3])) {
      return new AsyncKey(s[1], partition, null, s[4], s[5]);
    }
    if (s.length == 7 && "invokes".equals(s[3]) && "async".equals(s[5])) {
      return new AsyncKey(s[1], partition, null, s[4], s[6]);
    }
    if (s.length == 8 && "objects".equals(s[3]) && "async".equals(s[5])) {
      return new AsyncKey(s[1], partition, s[4], s[6], s[7]);
    }
    if (s.length == 9 && "objects".equals(s[3]) && "invokes".equals(s[5]) && "async".equals(s[7])) {
      return new AsyncKey(s[1], partition, s[4], s[6], s[8]);
    }
    return null;
  }

  // Runs on a transport thread: parse and hand off only.
  private void onPut(String key, byte[] payload) {
    received.increment();
    AsyncKey k = parse(key);
    if (k == null) {
      decodeErrors.increment();
      warn("ignoring async invocation on unexpected key '{}'", key);
      return;
    }
    if (!accepted(k, key)) {
      return;
    }
    String dedupKey = k.resultKey();
    byte[] seen = recent.asMap().putIfAbsent(dedupKey, RUNNING);
    if (seen != null) {
      duplicates.increment();
      shards.shard(k.cls(), k.partition()).recordDuplicateSuppressed();
      if (seen != RUNNING && seen != DONE) {
        republish(k, seen);
      }
      return;
    }
    int size = payload == null ? 0 : payload.length;
    if (queuedBytes.addAndGet(size) > maxQueuedBytes) {
      queuedBytes.addAndGet(-size);
      refuse(k, key, dedupKey);
      return;
    }
    unfinished.incrementAndGet();
    try {
      pool.execute(() -> run(k, payload));
    } catch (RejectedExecutionException e) {
      unfinished.decrementAndGet();
      queuedBytes.addAndGet(-size);
      refuse(k, key, dedupKey);
    }
  }

  /** Queue full (count or bytes): not run, answered SYSTEM_ERROR marked not-run, so a re-send may try again. */
  private void refuse(AsyncKey k, String key, String dedupKey) {
    recent.invalidate(dedupKey);
    rejected.increment();
    warn("invocation queue full (ODGM_INVOKE_QUEUE_BOUND / ODGM_INVOKE_QUEUE_MAX_BYTES); refused invocation on '{}'",
        key);
    publish(k, FunctionInvoker.notRun(FunctionInvoker.failure(ResponseStatus.SYSTEM_ERROR, "invocation queue full"))
        .toBuilder().setInvocationId(k.invocationId()).build());
  }

  /**
   * False when the invocation must not run: a partition outside the collection or an invalid
   * object id get an INVALID_REQUEST result (a re-send would fail the same way); a partition
   * another node serves is left to it.
   */
  private boolean accepted(AsyncKey k, String key) {
    Integer partitions = partitionCounts.get(k.cls());
    String problem = null;
    if (partitions == null || k.partition() >= partitions) {
      problem = "partition " + Integer.toUnsignedString(k.partition()) + " of collection '" + k.cls()
          + "' does not exist" + (partitions == null ? "" : " (partitions 0.." + (partitions - 1) + ")");
    }
    dev.oprc.odgm.shard.ObjectShard shard = null;
    if (problem == null) {
      try {
        shard = shards.shard(k.cls(), k.partition());
      } catch (RuntimeException e) {
        warn("ignoring async invocation for a partition this node does not serve: '{}'", key);
        return false;
      }
      try {
        if (k.objectId() != null) {
          shard.ids().objectId(k.objectId());
        }
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
      }
    }
    if (problem != null) {
      invalid.increment();
      warn("refusing async invocation on '{}': {}", key, problem);
      publish(k, FunctionInvoker.failure(ResponseStatus.INVALID_REQUEST, problem).toBuilder()
          .setInvocationId(k.invocationId()).build());
      return false;
    }
    return true;
  }

  private void run(AsyncKey k, byte[] payload) {
    int size = payload == null ? 0 : payload.length;
    if (!leaseHeld(k)) {
      // a leader paused past its lease still had the keys subscribed: the new leader runs it (or
      // the outbox re-sends it), so it is neither run nor answered here
      recent.invalidate(k.resultKey());
      notLeader.increment();
      notLeaderWarn.warn("not running async invocation '{}': this node no longer holds the leader lease of {}/{}",
          k.invocationId(), k.cls(), k.partition());
      queuedBytes.addAndGet(-size);
      unfinished.decrementAndGet();
      return;
    }
    CompletableFuture<InvocationResponse> resp;
    try {
      resp = execute(k, payload); // a remote route completes later, without holding this thread
    } catch (Throwable e) { // an Error from a handler: not run to completion, let a re-send try again
      resp = CompletableFuture.completedFuture(notRunError(k, e));
    }
    var unused = resp.whenComplete((r, e) -> {
      queuedBytes.addAndGet(-size);
      try {
        finished(k, e == null ? r : notRunError(k, e));
      } finally {
        unfinished.decrementAndGet();
      }
    });
  }

  /** Checked before each run, not only when subscribing: the subscription outlives a lost leadership. */
  private boolean leaseHeld(AsyncKey k) {
    try {
      return leases.holds(k.cls(), k.partition());
    } catch (RuntimeException e) {
      log.debug("lease check of {}/{} failed: {}", k.cls(), k.partition(), e.toString());
      return false;
    }
  }

  private static InvocationResponse notRunError(AsyncKey k, Throwable e) {
    return FunctionInvoker.notRun(FunctionInvoker.failure(ResponseStatus.SYSTEM_ERROR,
        "SYSTEM_ERROR: " + FunctionInvoker.describe(e))).toBuilder().setInvocationId(k.invocationId()).build();
  }

  private void finished(AsyncKey k, InvocationResponse resp) {
    completed.increment();
    byte[] bytes = resp.toByteArray();
    if (resp.containsHeaders(FunctionInvoker.NOT_RUN_HEADER)) {
      recent.invalidate(k.resultKey());
    } else {
      recent.put(k.resultKey(), bytes.length <= MAX_KEPT_RESULT ? bytes : DONE);
    }
    republish(k, bytes);
  }

  private CompletableFuture<InvocationResponse> execute(AsyncKey k, byte[] payload) {
    try {
      if (k.objectId() != null) {
        ObjectInvocationRequest req = ObjectInvocationRequest.parseFrom(payload);
        return invoke(k, req.getOptionsMap(), req.getPayload().toByteArray());
      }
      InvocationRequest req = InvocationRequest.parseFrom(payload);
      return invoke(k, req.getOptionsMap(), req.getPayload().toByteArray());
    } catch (InvalidProtocolBufferException e) {
      decodeErrors.increment();
      warn("malformed invocation envelope on '{}'", k.resultKey());
      return CompletableFuture.completedFuture(FunctionInvoker.notRun(FunctionInvoker.failure(
          ResponseStatus.INVALID_REQUEST, "malformed invocation envelope: " + e.getMessage()))
          .toBuilder().setInvocationId(k.invocationId()).build());
    }
  }

  private CompletableFuture<InvocationResponse> invoke(AsyncKey k, Map<String, String> options, byte[] payload) {
    if (!tracing.enabled()) {
      return invoker.invokeAsync(k.cls(), k.partition(), k.fn(), k.objectId(), options, payload, k.invocationId());
    }
    return tracedInvoke(k, options, payload);
  }

  /**
   * The invocation as a span, a child of the traceparent it carries (its dispatch); the function
   * gets this span's traceparent instead, so its own writes and calls continue the trace.
   */
  private CompletableFuture<InvocationResponse> tracedInvoke(AsyncKey k, Map<String, String> options,
      byte[] payload) {
    TraceSpan span = tracing.startInvocation(k.cls(), k.partition(), k.fn(), k.invocationId(),
        options.get(TriggerHeaders.TRACEPARENT));
    Map<String, String> traced = new java.util.HashMap<>(options);
    traced.put(TriggerHeaders.TRACEPARENT, span.traceparent());
    CompletableFuture<InvocationResponse> resp;
    try {
      resp = invoker.invokeAsync(k.cls(), k.partition(), k.fn(), k.objectId(), traced, payload, k.invocationId());
    } catch (RuntimeException | Error e) {
      span.end(FunctionInvoker.describe(e));
      throw e;
    }
    return resp.whenComplete((r, e) -> span.end(e != null ? FunctionInvoker.describe(e)
        : r.getStatus() == ResponseStatus.OKAY ? null : r.getStatus().name()));
  }

  private void publish(AsyncKey k, InvocationResponse resp) {
    republish(k, resp.toByteArray());
  }

  private void republish(AsyncKey k, byte[] result) {
    try {
      transport.put(k.resultKey(), result);
    } catch (Exception e) {
      log.debug("could not publish result on {}: {}", k.resultKey(), e.toString());
    }
  }

  private void warn(String fmt, Object... args) {
    rateLimited.warn(fmt, args);
  }

  /**
   * Counters: received, completed, decode errors, refused because the queue was full, duplicates
   * not run, refused as invalid (partition outside the collection, bad object id), not run because
   * this node no longer held the partition's leader lease when its turn came.
   */
  record Stats(long received, long completed, long decodeErrors, long rejected, long duplicates, long invalid,
      long notLeader) {}

  Stats stats() {
    return new Stats(received.sum(), completed.sum(), decodeErrors.sum(), rejected.sum(), duplicates.sum(),
        invalid.sum(), notLeader.sum());
  }

  @Override
  public void close() {
    List<AutoCloseable> all = new ArrayList<>();
    synchronized (this) {
      closed = true;
      subscriptions.values().forEach(all::addAll);
      subscriptions.clear();
    }
    NodeExecutors.closeQuietly(all);
    NodeExecutors.shutdown(pool);
  }

  /** True once no invocation runs any more (so the storage may be closed). */
  boolean terminated() {
    return pool.isTerminated() && unfinished.get() == 0;
  }
}
