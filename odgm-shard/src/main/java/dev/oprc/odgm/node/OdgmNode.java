package dev.oprc.odgm.node;

import dev.oprc.odgm.cluster.Forwarder;
import dev.oprc.odgm.cluster.PartitionOwnership;
import dev.oprc.odgm.cluster.RaftWiring;
import dev.oprc.odgm.cluster.ShardType;
import dev.oprc.odgm.events.AckRegistry;
import dev.oprc.odgm.events.ChangeMeters;
import dev.oprc.odgm.events.ChangePublisher;
import dev.oprc.odgm.events.DispatchPool;
import dev.oprc.odgm.lifecycle.Closer;
import dev.oprc.odgm.lifecycle.Threads;
import dev.oprc.odgm.shard.Ids;
import dev.oprc.odgm.storage.InMemoryShardStorage;
import dev.oprc.odgm.storage.RocksStorageEngine;
import dev.oprc.odgm.storage.StorageConfig;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ODGM shard node: the shards of its collections with events on every mutation path, the gRPC
 * {@code DataService} and {@code OprcFunction} services, the asynchronous invocation receiver and
 * the Zenoh object and invocation API ({@link ZenohObjectApi}), all over one {@link NodeTransport}
 * (Zenoh).
 *
 * <p>Run it with {@link #main} (configured by {@code ODGM_*} and {@code OPRC_ZENOH_*}
 * variables) or embed it with {@link #builder()}. With no Zenoh peers configured the node uses a
 * local-only Zenoh session: triggers on functions it hosts still run, in-process.
 *
 * <p>In a cluster ({@code ODGM_MEMBERS}) it opens only the partitions it owns (basic, mst) or
 * leads (raft, as leadership moves), forwards gRPC requests for the others to their owner
 * ({@link Forwarder}), and declares async-invocation and Zenoh API keys per owned partition.
 *
 * <p>Lifecycle, as grpc-java's {@code Server}: {@link Builder#build()} starts nothing;
 * {@link #start()} brings the components up in dependency order, pushing each onto one
 * {@link Closer} stack, and a failure unwinds exactly what started, in reverse (no thread, socket
 * or lock is left behind); {@link #shutdown()} begins the reverse order (gRPC first, so no new
 * writes; the Zenoh API; the event dispatchers, draining for {@code ODGM_SHUTDOWN_DRAIN_MS} while
 * the invocation receiver still runs functions hosted here; the receiver; the function channels;
 * the Raft groups; the storage engine; the transport), {@link #awaitTermination(long, TimeUnit)}
 * waits for it, {@link #close()} does both. SIGTERM takes the same path.
 *
 * <p>Thread-safe.
 */
public final class OdgmNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OdgmNode.class);
  private static final int NEW = 0;
  private static final int STARTING = 1;
  private static final int STARTED = 2;
  private static final int STOPPING = 3;

  private final NodeConfig config;
  private final NodeTransport transport;
  private final LongSupplier clock;
  private final Map<String, FunctionHandler> embedded; // the embedder's own handlers
  private final Map<String, FunctionHandler> handlers; // built-ins and the embedder's
  private final dev.oprc.odgm.ops.OpsConfig ops;
  private final ThreadFactory threads;
  private final dev.oprc.odgm.tracing.TracingConfig tracingConfig;
  private final dev.oprc.odgm.security.TlsConfig tls;
  private final TracingStarter tracingStarter;
  private final AckRegistry acks = new AckRegistry();
  private final dev.oprc.odgm.ops.StrictRequests strict = new dev.oprc.odgm.ops.StrictRequests();
  // every counter and gauge, read by /metrics and Stats; it exists without the metrics port too
  private final dev.oprc.odgm.metrics.NodeMeterRegistry meters = new dev.oprc.odgm.metrics.NodeMeterRegistry();
  private final Closer closer = new Closer(); // what start() brought up, closed in reverse
  private final AtomicInteger state = new AtomicInteger(NEW);
  private final CountDownLatch terminated = new CountDownLatch(1);
  // set by start(), read after it returned
  private volatile PartitionOwnership ownership;
  private volatile ShardRegistry shards;
  private volatile FunctionInvoker invoker;
  private volatile AsyncInvocationReceiver receiver;
  private volatile ZenohObjectApi zenohApi;
  private volatile GrpcServing grpc;
  private volatile dev.oprc.odgm.ops.OpsServer opsServer;
  private volatile dev.oprc.odgm.ops.NodeMetrics metrics; // null with ODGM_METRICS_PORT=0
  private volatile RocksStorageEngine engine; // null with ODGM_STORAGE=memory
  private volatile RaftWiring raft; // null without raft collections in a cluster
  private volatile List<String> subscribedKeys = List.of();
  private volatile List<String> zenohApiKeys = List.of();
  private volatile List<String> changeResumeKeys = List.of();
  private volatile boolean drained = true; // false when a dispatcher thread outlived the drain
  private volatile dev.oprc.odgm.tracing.Tracing tracing = dev.oprc.odgm.tracing.Tracing.OFF; // started by start()

  private OdgmNode(Builder b) {
    this.config = b.config;
    this.transport = b.transport;
    this.ops = b.ops;
    this.clock = b.clock;
    this.threads = b.threads;
    this.tracingConfig = b.tracing;
    this.tls = b.tls;
    this.tracingStarter = b.tracingStarter;
    this.embedded = Map.copyOf(b.handlers);
    Map<String, FunctionHandler> all = new HashMap<>(BuiltinFunctions.all());
    all.putAll(b.handlers);
    this.handlers = Map.copyOf(all);
  }

  /**
   * Starts the node: checks the configuration, then opens storage, Raft, the shards and their
   * dispatchers, the invocation receiver, the Zenoh API, metrics and gRPC, in that order. On
   * failure everything started so far (the transport included) is closed in reverse and the node
   * is terminated.
   *
   * @throws IOException when a port, the data directory or a Zenoh declaration is refused
   * @throws IllegalStateException when called twice
   */
  public OdgmNode start() throws IOException {
    if (!state.compareAndSet(NEW, STARTING)) {
      throw new IllegalStateException("the node was already started");
    }
    closer.push("transport", transport); // the node owns it from here on, started or not
    try {
      startComponents();
    } catch (IOException | RuntimeException | Error e) {
      closer.close();
      state.set(STOPPING);
      terminated.countDown();
      throw e;
    }
    if (!state.compareAndSet(STARTING, STARTED)) { // shutdown() was called while starting: it is ours to run
      threads.newThread(this::runShutdown).start();
    }
    return this;
  }

  private void startComponents() throws IOException {
    Ids ids = new Ids(config.maxStringIdLength());
    ownership = PartitionOwnership.of(config.collections(), config.members());
    dev.oprc.odgm.ops.StartupChecks.routes(config.collections(), handlers.keySet()); // before anything opens
    NodeMain.logShardTypes(config, ownership);
    // closed after everything else that may still end a span (the drain, the receiver), before the transport
    tracing = closer.push("tracing", tracingStarter.start(tracingConfig, config.nodeId()));
    openStorage(ids);
    startEvents(ids);
    startInvocations();
    startChangeResume();
    startOps(ids);
    if (raft != null) {
      RaftWiring r = raft;
      // closed first: the groups this node leads get a new leader while the node still serves and forwards
      closer.push("raft leadership hand-off", r::handOffLeadership);
      r.listen(); // leaders open their shards and declare their keys from here on
    }
  }

  /** The storage engine and the Raft groups (closed last: the shards' last retirements write to them). */
  private void openStorage(Ids ids) {
    if (config.storage().kind() == StorageConfig.Kind.ROCKSDB) {
      RocksStorageEngine e = RocksStorageEngine.open(config.storage().dataDir(), config.storage().sync(),
          config.storage().rocksMemoryBytes());
      engine = e;
      closer.push("storage engine", () -> closeEngine(e));
    }
    if (!ownership.raftReplicaSets().isEmpty()) {
      raft = closer.push("raft", RaftWiring.start(config.replication().withTls(tls.raft()), ownership,
          ev -> dev.oprc.odgm.events.TriggerIndex.compile(ev, ids::entryKey), config.outbox().maxBytes()));
      raft.registerMeters(meters);
    }
  }

  /** The storage engine closes only once nothing that may still write to it runs. */
  private void closeEngine(RocksStorageEngine e) {
    if (drained && (zenohApi == null || zenohApi.terminated()) && (receiver == null || receiver.terminated())) {
      e.close();
    } else {
      log.warn("not closing the storage: a dispatcher or function thread is still running (the WAL keeps every write)");
    }
  }

  /** The dispatch threads and the shards; every shard's outbox runs on the few pool threads. */
  private void startEvents(Ids ids) {
    DispatchPool pool = new DispatchPool("odgm-dispatch", config.events().dispatchThreads(), threads);
    closer.push("dispatch pool", () -> {
      if (drained) {
        pool.close(); // else a dispatcher still runs on it: leave its threads (daemons) alone
      }
    });
    pool.start();
    closer.push("meters", meters); // after the shards, which close their partitions' meters
    ChangePublisher changes = startChanges();
    shards = new ShardRegistry(config.collections(), new ShardRegistry.Wiring(config.events(), config.outbox(),
        ids, new TransportDeliveryLink(transport, tracing), acks, storageFactory(), clock, pool, meters, changes),
        ownership::owns);
    closer.push("shards", () -> drained = shards.close(0)); // after the drain below: what it returned
  }

  /** With change streams on: the change-log trimmer and the resume queryables (closed before the shards). */
  private void startChangeResume() throws IOException {
    if (!config.changes().publish()) {
      return;
    }
    io.micrometer.core.instrument.Tags none = io.micrometer.core.instrument.Tags.empty();
    dev.oprc.odgm.events.ChangeConfig c = config.changes();
    ChangeLogTrimmer trimmer = closer.push("change log trimmer", new ChangeLogTrimmer(shards,
        new dev.oprc.odgm.storage.ChangeRetention(c.logMaxCount(), c.logMaxBytes(), c.logMaxAgeMillis()),
        System::currentTimeMillis));
    trimmer.start();
    meters.register(ChangeMeters.TRIMMED, none, trimmer::trimmed);
    ChangeResumeServer resume = closer.push("change resume", new ChangeResumeServer(transport, shards));
    try {
      changeResumeKeys = resume.start();
    } catch (Exception e) {
      throw new IOException("cannot declare the change resume queryables: " + e.getMessage(), e);
    }
    meters.register(ChangeMeters.RESUME_QUERIES, none, resume::queries);
    meters.register(ChangeMeters.RESUME_REPLIES, none, resume::replies);
    meters.register(ChangeMeters.RESUME_GAPS, none, resume::gaps);
    meters.register(ChangeMeters.RESUME_REJECTED, none, resume::rejected);
  }

  /** The change-event publisher (null when ODGM_ZENOH_EVENT_PUBLISH is off); closed after the shards. */
  private ChangePublisher startChanges() {
    if (!config.changes().publish()) {
      return null;
    }
    ChangePublisher p = closer.push("change publisher", new ChangePublisher(config.changes(), transport::put));
    p.start();
    io.micrometer.core.instrument.Tags none = io.micrometer.core.instrument.Tags.empty();
    meters.register(ChangeMeters.OFFERED, none, p::offered);
    meters.register(ChangeMeters.PUBLISHED, none, p::published);
    meters.register(ChangeMeters.DROPPED, none, p::dropped);
    meters.register(ChangeMeters.FAILED, none, p::failed);
    meters.register(ChangeMeters.VALUES_TRUNCATED, none, p::valuesTruncated);
    meters.register(ChangeMeters.QUEUE_LEN, none, p::queued);
    return p;
  }

  /**
   * Functions, the async receiver and the result subscriptions, then the drain step (closed
   * before them, so triggers on functions hosted here still run while events drain), then the
   * Zenoh API (closed before the drain: no more Zenoh writes).
   */
  private void startInvocations() throws IOException {
    invoker = closer.push("function invoker", new FunctionInvoker(shards, handlers,
        config.events().triggerTimeoutMillis(), this, ops.invokeMaxConcurrencyPerRoute(), config.invokeQueueBound()));
    receiver = new AsyncInvocationReceiver(transport, shards, ownership, invoker, config.invokeThreads(),
        config.invokeQueueBound(), ops.invokeQueueMaxBytes(), this::holdsLease, tracing);
    closer.push("async invocation receiver", receiver);
    try {
      subscribedKeys = receiver.start();
      for (String k : new String[] {"oprc/*/*/results/*/async/*", "oprc/*/*/objects/*/results/*/async/*"}) {
        closer.push("result subscription " + k, transport.subscribe(k, this::onResult));
      }
      // /metrics and /readyz stay up through the drain: they close after it (started later, in startOps)
      closer.push("ops server and metrics", this::closeOps);
      closer.push("event drain", () -> drained = shards.close(config.shutdownDrainMillis()));
      ZenohObjectApi api = new ZenohObjectApi(transport, shards, ownership, new ObjectApiServer(shards, invoker,
          config.events().enabled(), config.storage().kind() == StorageConfig.Kind.ROCKSDB ? "rocksdb" : "memory",
          tracing),
          config.invokeThreads(), config.invokeQueueBound());
      zenohApi = closer.push("Zenoh API", api); // its pools exist from here: pushed at once
      zenohApiKeys = api.start();
    } catch (Exception e) {
      throw new IOException("cannot declare the node's Zenoh subscriptions and queryables: " + e.getMessage(), e);
    }
    ownership.addListener(this::ownershipChanged);
  }

  /** Whether an async invocation of the partition may run here now: a raft leader confirms its lease first. */
  private boolean holdsLease(String collection, int partition) {
    RaftWiring r = raft;
    return r == null || ownership.type(collection) != ShardType.RAFT || r.confirmLeader(collection, partition);
  }

  /** The ops HTTP server, then metrics (what {@link #startOps} started, if it got that far). */
  private void closeOps() {
    dev.oprc.odgm.ops.OpsServer o = opsServer;
    if (o != null) {
      o.close();
    }
    dev.oprc.odgm.ops.NodeMetrics m = metrics;
    if (m != null) {
      m.close();
    }
  }

  /**
   * Metrics, the ops HTTP server and gRPC; gRPC is the first to stop, health turns NOT_SERVING
   * before it; the ops server and metrics close after the event drain ({@link #closeOps}).
   */
  private void startOps(Ids ids) throws IOException {
    dev.oprc.odgm.ops.GrpcLogGuard.install();
    if (ops.metricsPort() != 0) {
      metrics = new dev.oprc.odgm.ops.NodeMetrics(meters); // closed by closeOps, after the event drain
      NodeMeters.bind(metrics, shards, receiver, zenohApi, invoker, transport, strict);
      RocksStorageEngine e = engine;
      if (e != null) {
        metrics.bindStorage(e::stats);
        metrics.bindWalSync(e);
      }
      BuildInfo build = BuildInfo.current();
      metrics.bindBuildInfo(build.version(), build.commit());
      dev.oprc.odgm.tracing.Tracing t = tracing;
      if (t.enabled()) {
        metrics.bindTraces(t::counts);
      }
    }
    opsServer = new dev.oprc.odgm.ops.OpsServer(shards.collections().stream()
        .map(dev.oprc.odgm.proto.CreateCollectionRequest::getName).toList(), this::notReadyReason);
    opsServer.start(ops.metricsBind(), ops.metricsPort(), metrics);
    grpc = closer.push("gRPC server", startGrpc(ids, builtinRoutes(embedded.keySet())));
    closer.push("health: draining", opsServer::draining); // NOT_SERVING first, so balancers stop sending
  }

  /**
   * Functions whose calls never block the thread that starts them: remote routes (called
   * asynchronously), built-ins ({@code local:echo}, ...) and calls without a route (answered at
   * once); only an embedder's own {@code local:} handler may take any time.
   */
  private GrpcServing.InlineFunctions builtinRoutes(java.util.Set<String> embedded) {
    java.util.Set<String> builtins = new java.util.HashSet<>(BuiltinFunctions.all().keySet());
    builtins.removeAll(embedded); // an embedder's handler of the same name may block
    return (cls, fn) -> {
      dev.oprc.odgm.proto.FuncInvokeRoute r = shards.route(cls, fn);
      return r == null || !r.getUrl().startsWith("local:")
          || builtins.contains(r.getUrl().substring("local:".length()));
    };
  }

  /** The gRPC server with both services. */
  private GrpcServing startGrpc(Ids ids, GrpcServing.InlineFunctions inlineFunctions) throws IOException {
    List<io.grpc.ServerServiceDefinition> services = List.of(
        strict.wrap(new DataServiceImpl(shards, config.events().enabled(), ownership).bindService()),
        strict.wrap(new FunctionServiceImpl(invoker, shards, new ZenohInvokeProxy(transport, ids),
            config.events().triggerTimeoutMillis()).bindService()));
    // ServerInterceptors.intercept runs the last one first: metrics see every call, then the write context
    WriteContextInterceptor writes = new WriteContextInterceptor(tracing);
    List<io.grpc.ServerInterceptor> interceptors = metrics == null ? List.of(writes)
        : List.of(writes, new dev.oprc.odgm.ops.GrpcCallMetrics(metrics.registry(), services));
    return GrpcServing.start(config.port(), ops, tls, ownership, inlineFunctions, services, interceptors,
        opsServer.healthService(), config.reflectionEnabled());
  }

  /**
   * This node became or stopped being a partition's owner (a raft leader change, on the group's
   * listener thread): the shard (with its dispatcher, which recovers the replicated outbox) opens
   * before the partition's keys are declared, and closes after they are undeclared.
   */
  private void ownershipChanged(String collection, int partition, boolean owned) {
    log.debug("node {} {} partition {}/{}", Long.toUnsignedString(config.nodeId()), owned ? "now leads" : "no longer leads",
        collection, partition);
    if (owned) {
      shards.open(collection, partition);
      receiver.ownershipChanged(collection, partition, true);
      zenohApi.ownershipChanged(collection, partition, true);
    } else {
      zenohApi.ownershipChanged(collection, partition, false);
      receiver.ownershipChanged(collection, partition, false);
      shards.release(collection, partition);
    }
  }

  /** Null when the node is ready to serve (gRPC up; Zenoh linked or local-only), else why not. */
  private String notReadyReason() {
    if (state.get() >= STOPPING) {
      return "shutting down";
    }
    if (!transport.linkUp()) {
      return "Zenoh: no router link (" + transport + "); connecting in the background";
    }
    String failed = raftFailures();
    return failed != null ? failed : leaderless();
  }

  /** Why raft groups stopped working on this node while it runs (Ratis closed them, or an apply failed), else null. */
  private String raftFailures() {
    RaftWiring r = raft;
    java.util.List<String> failed = r == null ? java.util.List.of() : r.failures();
    return failed.isEmpty() ? null : "raft: this node's member of " + failed.size() + " group(s) stopped working; "
        + "restart the node: " + String.join("; ", failed);
  }

  /** Why not ready while a raft partition held here has no leader (election, or no quorum), else null. */
  private String leaderless() {
    PartitionOwnership o = ownership;
    if (o == null || raft == null) {
      return null;
    }
    int n = 0;
    StringBuilder which = new StringBuilder();
    for (String c : o.collections()) {
      if (o.type(c) != ShardType.RAFT) {
        continue;
      }
      for (int p = 0; p < o.partitionCount(c); p++) {
        if (o.holds(c, p) && o.owner(c, p).isEmpty() && n++ < 8) {
          which.append(n == 1 ? "" : ", ").append(c).append('/').append(p);
        }
      }
    }
    return n == 0 ? null : "raft: " + n + " held partition(s) without a leader (" + which + (n > 8 ? ", ..." : "")
        + "): election in progress or no quorum of their replica set";
  }

  /** Why the node is not ready, or null when it is ({@code /readyz}). */
  public String readiness() {
    return started(opsServer).reason();
  }

  /** The bound metrics and health HTTP port, or 0 when ODGM_METRICS_PORT=0. */
  public int metricsPort() {
    return started(opsServer).port();
  }

  private ShardRegistry.StorageFactory storageFactory() {
    long cache = config.storage().metaCacheSize();
    ShardRegistry.StorageFactory local = engine == null
        ? (c, p, compiler, outboxMax) -> new InMemoryShardStorage(outboxMax)
        : (c, p, compiler, outboxMax) -> engine.shard(c, p, compiler, cache, outboxMax);
    return (c, p, compiler, outboxMax) -> ownership.type(c) == ShardType.RAFT ? raft.storage(c, p)
        : local.open(c, p, compiler, outboxMax);
  }

  /** A result arrived (transport thread): it acknowledges its trigger unless the function did not run. */
  private void onResult(String key, byte[] payload) {
    if (acks.waiting() == 0) {
      return;
    }
    try {
      if (dev.oprc.odgm.proto.InvocationResponse.parseFrom(payload).containsHeaders(FunctionInvoker.NOT_RUN_HEADER)) {
        return; // refused, no route, unreachable: the outbox sends it again
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return;
    }
    acks.resultArrived(key.substring(key.lastIndexOf('/') + 1));
  }

  /** Starts building a node. */
  public static Builder builder() {
    return new Builder();
  }

  /** The gRPC port actually bound. */
  public int port() {
    return started(grpc).port();
  }

  private static <T> T started(T component) {
    if (component == null) {
      throw new IllegalStateException("the node is not started (OdgmNode.start())");
    }
    return component;
  }

  public NodeConfig config() {
    return config;
  }

  /** The node's shards (for embedding and in-process functions). */
  public ShardRegistry shards() {
    return started(shards);
  }

  public NodeTransport transport() {
    return transport;
  }

  /** The async invocation key expressions this node subscribed to. */
  public List<String> subscribedKeys() {
    return subscribedKeys;
  }

  /** The Zenoh API's key expressions: subscriber, queryables and liveliness tokens. */
  public List<String> zenohApiKeys() {
    return zenohApiKeys;
  }

  /** The change resume queryables' key expressions (empty with change streams off). */
  public List<String> changeResumeKeys() {
    return changeResumeKeys;
  }

  /** Zenoh API counters: received, served, errors, refused, samples applied. */
  public String zenohApiStats() {
    return started(zenohApi).stats().toString();
  }

  /** The node's traces: {@code Tracing.OFF} unless started with an OTLP endpoint. */
  dev.oprc.odgm.tracing.Tracing tracing() {
    return tracing;
  }

  /** Async receiver counters: received, completed, decode errors, refused. */
  public String receiverStats() {
    return started(receiver).stats().toString();
  }

  /**
   * Begins an orderly shutdown on a thread of its own ({@code odgm-shutdown}) and returns at once;
   * idempotent. A node never started terminates at once (closing its transport).
   */
  public OdgmNode shutdown() {
    if (state.compareAndSet(NEW, STOPPING)) {
      closer.close(); // the transport it was given
      terminated.countDown();
    } else if (state.compareAndSet(STARTED, STOPPING)) {
      threads.newThread(this::runShutdown).start();
    } else {
      state.compareAndSet(STARTING, STOPPING); // start() shuts down once it is done
    }
    return this;
  }

  private void runShutdown() {
    Thread.currentThread().setName("odgm-shutdown");
    try {
      closer.close();
    } finally {
      terminated.countDown();
    }
  }

  /** Waits up to {@code timeout} for the node to terminate; true when it has. */
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return terminated.await(timeout, unit);
  }

  /** Waits until the node has terminated (after {@link #shutdown()}, or a SIGTERM). */
  public void awaitTermination() throws InterruptedException {
    terminated.await();
  }

  /** True once a shutdown (or a failed start) has closed everything. */
  public boolean isTerminated() {
    return terminated.getCount() == 0;
  }

  /** {@link #shutdown()} and waits until the node has terminated. */
  @Override
  public void close() {
    shutdown();
    boolean interrupted = false;
    while (true) {
      try {
        terminated.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** How {@link #start()} starts the node's traces ({@code Tracing::start}; tests record spans instead). */
  @FunctionalInterface
  interface TracingStarter {
    dev.oprc.odgm.tracing.Tracing start(dev.oprc.odgm.tracing.TracingConfig config, long nodeId);
  }

  /** Configures a node. Not thread-safe; use from one thread. */
  public static final class Builder {
    private NodeConfig config;
    private NodeTransport transport;
    private LongSupplier clock = System::currentTimeMillis;
    private dev.oprc.odgm.ops.OpsConfig ops = dev.oprc.odgm.ops.OpsConfig.embedded();
    private final Map<String, FunctionHandler> handlers = new HashMap<>();
    private ThreadFactory threads = Threads.daemon("odgm-node-");
    private dev.oprc.odgm.tracing.TracingConfig tracing = dev.oprc.odgm.tracing.TracingConfig.OFF;
    private dev.oprc.odgm.security.TlsConfig tls = dev.oprc.odgm.security.TlsConfig.OFF;
    private TracingStarter tracingStarter = dev.oprc.odgm.tracing.Tracing::start;

    private Builder() {}

    /**
     * Where the node's own threads come from (the dispatch workers, the shutdown thread); daemon
     * threads by default. The node names each thread it takes.
     */
    public Builder threads(ThreadFactory f) {
      this.threads = Objects.requireNonNull(f, "threads");
      return this;
    }

    /**
     * Traces ({@code OTEL_EXPORTER_OTLP_ENDPOINT}); {@link dev.oprc.odgm.tracing.TracingConfig#OFF} when
     * unset. The exporter is created and started by {@link OdgmNode#start()}, flushed and stopped by its close.
     */
    public Builder tracing(dev.oprc.odgm.tracing.TracingConfig t) {
      this.tracing = Objects.requireNonNull(t, "tracing");
      return this;
    }

    /**
     * TLS on the gRPC port, the calls to the other members and Raft ({@code ODGM_TLS_*});
     * {@link dev.oprc.odgm.security.TlsConfig#OFF} (plaintext) when unset.
     */
    public Builder tls(dev.oprc.odgm.security.TlsConfig t) {
      this.tls = Objects.requireNonNull(t, "tls");
      return this;
    }

    /** What starts the traces in {@link OdgmNode#start()} (tests: a recording {@code Tracing}). */
    Builder tracingStarter(TracingStarter s) {
      this.tracingStarter = Objects.requireNonNull(s, "tracingStarter");
      return this;
    }

    public Builder config(NodeConfig c) {
      this.config = Objects.requireNonNull(c, "config");
      return this;
    }

    /** Operational settings (metrics, limits); {@link dev.oprc.odgm.ops.OpsConfig#embedded()} when unset. */
    public Builder ops(dev.oprc.odgm.ops.OpsConfig o) {
      this.ops = Objects.requireNonNull(o, "ops");
      return this;
    }

    /** The transport; the node closes it on {@link OdgmNode#close()}. */
    public Builder transport(NodeTransport t) {
      this.transport = Objects.requireNonNull(t, "transport");
      return this;
    }

    /** An in-process function for routes {@code local:NAME}. */
    public Builder handler(String name, FunctionHandler h) {
      handlers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(h, "handler"));
      return this;
    }

    /** The clock stamping events (ms since the epoch). */
    public Builder clock(LongSupplier c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /** The node, not started: nothing runs and nothing is opened until {@link OdgmNode#start()}. */
    public OdgmNode build() {
      Objects.requireNonNull(config, "config is required");
      Objects.requireNonNull(transport, "transport is required");
      return new OdgmNode(this);
    }

    /** {@link #build()} and {@link OdgmNode#start()}; on failure everything, the transport included, is closed. */
    public OdgmNode start() throws IOException {
      return build().start();
    }
  }

  /** Runs a node configured from the environment until it is stopped (SIGTERM / Ctrl-C); see {@link NodeMain}. */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      NodeMain.run(System.getenv());
      return;
    }
    // --help (every variable), --version; anything else is refused with the usage line (exit 2)
    String[] node = new String[args.length + 1];
    node[0] = "node";
    System.arraycopy(args, 0, node, 1, args.length);
    System.exit(OdgmCli.execute(System.out, System.err, node));
  }
}
