package dev.oprc.odgm.node;

import dev.oprc.odgm.cluster.PartitionOwnership;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.shard.ObjectShard;
import dev.oprc.zenoh.KeyExpr;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ODGM's Zenoh API (upstream's keys, see {@link ApiKey}), for every collection the node serves
 * (standalone: for all partitions with {@code *}; in a cluster: per partition this node owns, with
 * the partition number in place of {@code *}):
 *
 * <ul>
 *   <li>a subscriber on {@code oprc/{c}/*}{@code /objects/*}: PUT (ObjData) = upsert, DELETE = delete;
 *   <li>a queryable on {@code oprc/{c}/*}{@code /objects/**}: get, set, batch-set, entries, list-objects;
 *   <li>per hosted function, queryables on {@code oprc/{c}/*}{@code /invokes/{fn}} and
 *       {@code oprc/{c}/*}{@code /objects/*}{@code /invokes/{fn}} (sync invocations);
 *   <li>a queryable on {@code oprc/{c}/*}{@code /shards/*}{@code /capabilities};
 *   <li>a liveliness token {@code oprc/{c}/{p}/liveliness/{shard_id}} per partition.
 * </ul>
 *
 * <p>Zenoh threads only parse the key and hand off: samples and queries to one of a fixed set of
 * single-threaded lanes ({@code odgm-zapi-N}) chosen by the object (collection, partition, object
 * id; the partition alone for list-objects and capabilities), sync invocations to their own pool
 * ({@code odgm-zapi-invoke-N}). The transport delivers samples and queries in arrival order (see
 * {@link NodeTransport#subscribeSamples}), so one object's PUTs, DELETEs and queries take effect in
 * the order they arrived (a GET right after a DELETE from one session sees the delete), without a
 * lock and while other objects run on the other lanes. A full lane answers the query with an ERR
 * reply ("queryable overloaded") or drops the sample, and counts it. Bad input
 * (an unsupported key, an invalid id or partition, a malformed payload) gets an ERR reply and a
 * rate-limited warning, never more.
 *
 * <p>Thread-safe; owns its pools, declarations and tokens, released by {@link #close()}.
 */
final class ZenohObjectApi implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ZenohObjectApi.class);

  private final NodeTransport transport;
  private final ShardRegistry shards;
  private final ObjectApiServer server;
  private final ThreadPoolExecutor[] lanes; // one thread each: an object's samples and queries in order
  private final ThreadPoolExecutor invocations; // sync invokes may block up to the call timeout
  private final PartitionOwnership ownership;
  /** Declarations by "collection/partition" ("collection/*" standalone); guarded by this. */
  private final Map<String, List<AutoCloseable>> declarations = new java.util.HashMap<>();
  private boolean closed; // guarded by this
  private final RateLimitedWarn warn = new RateLimitedWarn(log, 10_000);
  private final LongAdder received = new LongAdder();
  private final LongAdder served = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder samplesApplied = new LongAdder();

  ZenohObjectApi(NodeTransport transport, ShardRegistry shards, PartitionOwnership ownership, ObjectApiServer server,
      int threads, int queueBound) {
    this.transport = transport;
    this.ownership = ownership;
    this.shards = shards;
    this.server = server;
    this.lanes = new ThreadPoolExecutor[threads];
    for (int i = 0; i < threads; i++) {
      lanes[i] = NodeExecutors.bounded("odgm-zapi-" + (i + 1), 1, queueBound);
    }
    this.invocations = NodeExecutors.bounded("odgm-zapi-invoke-", threads, queueBound);
  }

  /**
   * Declares everything (standalone: one declaration per key shape for all partitions; in a
   * cluster: per partition this node owns now, see {@link #ownershipChanged}); returns the key
   * expressions declared (tokens included).
   */
  List<String> start() throws Exception {
    List<String> keys = new ArrayList<>();
    for (CreateCollectionRequest c : shards.collections()) {
      if (!ownership.membership().clustered()) {
        keys.addAll(declare(c, "*"));
        continue;
      }
      for (int p = 0; p < c.getPartitionCount(); p++) {
        if (ownership.owns(c.getName(), p)) {
          keys.addAll(declare(c, Integer.toString(p)));
        }
      }
    }
    return keys;
  }

  /** This node gained or lost a partition: (un)declare its keys, so only the owner answers them. */
  void ownershipChanged(String collection, int p, boolean owned) {
    try {
      if (owned) {
        declare(shards.collections().stream().filter(x -> x.getName().equals(collection)).findFirst().orElseThrow(),
            Integer.toString(p));
      } else {
        List<AutoCloseable> gone;
        synchronized (this) {
          gone = declarations.remove(collection + "/" + p);
        }
        if (gone != null) {
          NodeExecutors.closeQuietly(gone);
        }
      }
    } catch (Exception e) {
      log.warn("cannot {} the Zenoh API keys of {}/{}: {}", owned ? "declare" : "undeclare", collection, p,
          e.toString());
    }
  }

  /** Declares the keys of {@code c}'s partition {@code partition} ("*" = all, with a token per shard). */
  private synchronized List<String> declare(CreateCollectionRequest c, String partition) throws Exception {
    List<String> keys = new ArrayList<>();
    String slot = c.getName() + "/" + partition;
    if (closed || declarations.containsKey(slot)) {
      return keys;
    }
    List<AutoCloseable> decl = new ArrayList<>();
    declarations.put(slot, decl);
    String any = "oprc/" + c.getName() + "/" + partition;
    decl.add(transport.subscribeSamples(any + "/objects/*", this::onSample));
    keys.add(any + "/objects/*");
    keys.add(queryable(decl, any + "/objects/**", false));
    String caps = any + "/shards/*/capabilities";
    decl.add(transport.declareQueryable(caps, q -> onCapabilities(q, c.getName(), partition)));
    keys.add(caps);
    for (String fn : hostedFunctions(c)) {
      keys.add(queryable(decl, any + "/invokes/" + fn, true));
      keys.add(queryable(decl, any + "/objects/*/invokes/" + fn, true));
    }
    for (ObjectShard s : shards.all()) {
      if (s.collection().equals(c.getName()) && ("*".equals(partition) || partition.equals(Integer.toString(s.partition())))) {
        String token = ApiKey.prefix(s.collection(), s.partition()) + "/liveliness/" + Long.toUnsignedString(s.shardId());
        decl.add(transport.declareToken(token));
        keys.add(token);
      }
    }
    return keys;
  }

  private String queryable(List<AutoCloseable> decl, String keyExpr, boolean invokes) throws Exception {
    decl.add(transport.declareQueryable(keyExpr, q -> onQuery(q, invokes)));
    return keyExpr;
  }

  /** Non-standby, enabled routes: the functions this node runs (as the async receiver). */
  static List<String> hostedFunctions(CreateCollectionRequest c) {
    List<String> out = new ArrayList<>();
    if (!c.hasInvocations()) {
      return out;
    }
    for (Map.Entry<String, FuncInvokeRoute> e : c.getInvocations().getFnRoutesMap().entrySet()) {
      if (!e.getValue().getStandby() && !c.getInvocations().getDisabledFnList().contains(e.getKey())) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  // Runs on a Zenoh thread: parse and hand off only.
  private void onQuery(NodeTransport.IncomingQuery q, boolean invokes) {
    ApiKey k;
    try {
      k = ApiKey.parse(q.key());
    } catch (IllegalArgumentException e) {
      received.increment();
      fail(q, e.getMessage());
      return;
    }
    boolean invokeKey = k.kind() == ApiKey.Kind.OBJECT_INVOKE || k.kind() == ApiKey.Kind.FN_INVOKE;
    if (invokeKey != invokes) {
      q.close(); // objects/** also matches objects/{id}/invokes/{fn}: that function's own queryable answers
      return;
    }
    received.increment();
    // a slow function must not starve gets and sets (nor a function calling back into this node)
    ThreadPoolExecutor pool = invokeKey ? invocations : lane(k);
    try {
      pool.execute(new QueryTask(k, q));
    } catch (RejectedExecutionException e) {
      rejected.increment();
      warn.warn("Zenoh API pool full ({} queued); refused query on '{}'", pool.getQueue().size(), q.key());
      replyErr(q, "queryable overloaded: the node's Zenoh API queue is full");
    }
  }

  /**
   * A capabilities query: a concrete key as any query; one with wildcards (upstream's CLI asks
   * {@code oprc/{c}/*}{@code /shards/*}{@code /capabilities}) gets one reply per matching shard of
   * this declaration's {@code partition} ("*": all), each on its shard's concrete key.
   */
  private void onCapabilities(NodeTransport.IncomingQuery q, String cls, String partition) {
    KeyExpr key = KeyExpr.tryFrom(q.key());
    if (key == null || !key.isWild()) {
      onQuery(q, false);
      return;
    }
    received.increment();
    int p = "*".equals(partition) ? ApiKey.ANY_PARTITION : Integer.parseInt(partition);
    ThreadPoolExecutor lane = lanes[Math.floorMod(cls.hashCode(), lanes.length)];
    try {
      lane.execute(new QueryTask(q, () -> server.capabilitiesMatching(cls, p, key, q)));
    } catch (RejectedExecutionException e) {
      rejected.increment();
      warn.warn("Zenoh API lane full ({} queued); refused query on '{}'", lane.getQueue().size(), q.key());
      replyErr(q, "queryable overloaded: the node's Zenoh API queue is full");
    }
  }

  /** A query waiting for or running on the pool; closed with an ERR if the pool is shut down first. */
  private final class QueryTask implements Runnable {
    final NodeTransport.IncomingQuery query;
    final Runnable serve;

    QueryTask(ApiKey key, NodeTransport.IncomingQuery query) {
      this(query, () -> server.serve(key, query));
    }

    QueryTask(NodeTransport.IncomingQuery query, Runnable serve) {
      this.query = query;
      this.serve = serve;
    }

    @Override
    public void run() {
      try {
        Backpressure.blocking(() -> {
          serve.run();
          return null;
        });
        served.increment();
      } catch (RuntimeException e) {
        fail(query, message(e));
        return;
      }
      query.close();
    }
  }

  private static String message(RuntimeException e) {
    if (e instanceof dev.oprc.odgm.events.OutboxFullException || e instanceof dev.oprc.odgm.storage.StorageFullException) {
      return "RESOURCE_EXHAUSTED: " + e.getMessage(); // gRPC's code for the same refusal
    }
    if (e instanceof ObjectApiServer.ApiError || e instanceof IllegalArgumentException
        || e instanceof dev.oprc.odgm.shard.NotFoundException || e instanceof dev.oprc.odgm.cluster.NotOwnerException) {
      return e.getMessage();
    }
    log.debug("Zenoh API request failed", e);
    return "internal error" + (e.getMessage() == null ? "" : ": " + e.getMessage()); // no class name
  }

  private void fail(NodeTransport.IncomingQuery q, String message) {
    errors.increment();
    warn.warn("Zenoh API: error reply on '{}': {}", q.key(), message);
    replyErr(q, message);
  }

  private static void replyErr(NodeTransport.IncomingQuery q, String message) {
    try {
      q.replyErr(message);
    } catch (RuntimeException e) {
      log.debug("could not reply an error on '{}': {}", q.key(), e.toString());
    } finally {
      q.close();
    }
  }

  // Runs on a Zenoh thread: parse and hand off only.
  private void onSample(String key, byte[] payload, boolean delete) {
    received.increment();
    ApiKey k;
    try {
      k = ApiKey.parse(key);
    } catch (IllegalArgumentException e) {
      errors.increment();
      warn.warn("Zenoh API: ignoring sample: {}", e.getMessage());
      return;
    }
    try {
      lane(k).execute(() -> apply(k, key, payload, delete));
    } catch (RejectedExecutionException e) {
      rejected.increment();
      warn.warn("Zenoh API lane full; dropped {} on '{}'", delete ? "DELETE" : "PUT", key);
    }
  }

  /** The lane of {@code k}'s object (of its partition for keys without one). */
  private ThreadPoolExecutor lane(ApiKey k) {
    int h = k.cls().hashCode() * 31 + k.partition();
    if (k.objectId() != null) {
      h = h * 31 + k.objectId().hashCode();
    }
    h ^= h >>> 16;
    return lanes[Math.floorMod(h, lanes.length)];
  }

  private void apply(ApiKey k, String key, byte[] payload, boolean delete) {
    try {
      Backpressure.blocking(() -> {
        server.applySample(k, payload, delete);
        return null;
      });
      samplesApplied.increment();
    } catch (RuntimeException e) {
      errors.increment();
      warn.warn("Zenoh API: {} on '{}' not applied: {}", delete ? "DELETE" : "PUT", key, message(e));
    }
  }

  /**
   * Counters: requests received (queries and samples), queries served, error replies and samples
   * not applied, requests refused because a queue was full, samples applied.
   */
  record Stats(long received, long served, long errors, long rejected, long samplesApplied) {}

  Stats stats() {
    return new Stats(received.sum(), served.sum(), errors.sum(), rejected.sum(), samplesApplied.sum());
  }

  /** Undeclares everything, lets queued work finish (5 s), then answers what is left with an ERR. */
  @Override
  public void close() {
    List<AutoCloseable> all = new ArrayList<>();
    synchronized (this) {
      closed = true;
      declarations.values().forEach(all::addAll);
      declarations.clear();
    }
    NodeExecutors.closeQuietly(all);
    for (ThreadPoolExecutor p : lanes) {
      p.shutdown(); // all lanes drain side by side
    }
    for (ThreadPoolExecutor p : lanes) {
      drop(NodeExecutors.shutdown(p));
    }
    drop(NodeExecutors.shutdown(invocations));
  }

  /** True once no API thread runs any more (so the storage may be closed). */
  boolean terminated() {
    for (ThreadPoolExecutor p : lanes) {
      if (!p.isTerminated()) {
        return false;
      }
    }
    return invocations.isTerminated();
  }

  private static void drop(List<Runnable> left) {
    for (Runnable r : left) {
      if (r instanceof QueryTask t) {
        replyErr(t.query, "node shutting down");
      }
    }
  }
}
