package dev.oprc.odgm.node;

import dev.oprc.odgm.cluster.Forwarder;
import dev.oprc.odgm.cluster.Membership;
import dev.oprc.odgm.cluster.PartitionOwnership;
import dev.oprc.odgm.cluster.RaftWiring;
import dev.oprc.odgm.cluster.ShardType;
import dev.oprc.odgm.events.AckRegistry;
import dev.oprc.odgm.events.DispatchPool;
import dev.oprc.odgm.shard.Ids;
import dev.oprc.odgm.storage.InMemoryShardStorage;
import dev.oprc.odgm.storage.RocksStorageEngine;
import dev.oprc.odgm.storage.StorageConfig;
import java.util.ArrayList;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * <p>Thread-safe. {@link #close()} shuts down in dependency order: gRPC (no new writes), the
 * Zenoh API, the event dispatchers (draining for {@code ODGM_SHUTDOWN_DRAIN_MS}, while the
 * invocation receiver still runs functions hosted here), the receiver, the function channels, the
 * transport, the Raft groups, then the storage engine.
 */
public final class OdgmNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OdgmNode.class);

  private final NodeConfig config;
  private final NodeTransport transport;
  private final ShardRegistry shards;
  private final FunctionInvoker invoker;
  private final AsyncInvocationReceiver receiver;
  private final ZenohObjectApi zenohApi;
  private List<String> zenohApiKeys = List.of();
  private final GrpcServing grpc;
  private final List<String> subscribedKeys;
  private final RocksStorageEngine engine; // null with ODGM_STORAGE=memory
  private final AckRegistry acks = new AckRegistry();
  private final DispatchPool dispatchPool;
  private List<AutoCloseable> resultSubscriptions;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final PartitionOwnership ownership;
  private final RaftWiring raft; // null without raft collections in a cluster
  private final dev.oprc.odgm.ops.OpsConfig ops;
  private final dev.oprc.odgm.ops.StrictRequests strict = new dev.oprc.odgm.ops.StrictRequests();
  private final dev.oprc.odgm.ops.NodeMetrics metrics; // null with ODGM_METRICS_PORT=0
  private final dev.oprc.odgm.ops.OpsServer opsServer;

  private OdgmNode(Builder b) throws IOException {
    this.config = b.config;
    this.transport = b.transport;
    this.ops = b.ops;
    // every shard's outbox runs on these few threads, each shard pinned to one (per-object order)
    this.dispatchPool = DispatchPool.start("odgm-dispatch", config.events().dispatchThreads());
    Ids ids = new Ids(config.maxStringIdLength());
    this.ownership = PartitionOwnership.of(config.collections(), config.members());
    logShardTypes(config);
    this.engine = config.storage().kind() == StorageConfig.Kind.ROCKSDB
        ? RocksStorageEngine.open(config.storage().dataDir(), config.storage().sync(),
        config.storage().rocksMemoryBytes()) : null;
    try {
      this.raft = ownership.raftReplicaSets().isEmpty() ? null : RaftWiring.start(config.replication(), ownership,
          ev -> dev.oprc.odgm.events.TriggerIndex.compile(ev, ids::entryKey), config.outbox().maxBytes());
    } catch (RuntimeException e) {
      dispatchPool.close();
      closeEngine();
      throw e;
    }
    try {
      this.shards = new ShardRegistry(config.collections(), new ShardRegistry.Wiring(config.events(), config.outbox(),
          ids, new TransportDeliveryLink(transport), acks, storageFactory(),
          b.clock, dispatchPool), ownership::owns);
    } catch (RuntimeException e) {
      dispatchPool.close();
      closeRaft();
      closeEngine();
      throw e;
    }
    Map<String, FunctionHandler> handlers = new HashMap<>(BuiltinFunctions.all());
    handlers.putAll(b.handlers);
    dev.oprc.odgm.ops.StartupChecks.routes(config.collections(), handlers.keySet());
    this.invoker = new FunctionInvoker(shards, handlers, config.events().triggerTimeoutMillis(), this,
        ops.invokeMaxConcurrencyPerRoute(), config.invokeQueueBound());
    this.receiver = new AsyncInvocationReceiver(transport, shards, ownership, invoker, config.invokeThreads(),
        config.invokeQueueBound(), ops.invokeQueueMaxBytes());
    this.zenohApi = new ZenohObjectApi(transport, shards, ownership, new ObjectApiServer(shards, invoker,
        config.events().enabled(), config.storage().kind() == StorageConfig.Kind.ROCKSDB ? "rocksdb" : "memory"),
        config.invokeThreads(), config.invokeQueueBound());
    try { // from here on, a failure releases everything started so far
      this.subscribedKeys = receiver.start();
      this.resultSubscriptions = subscribeResults();
      this.zenohApiKeys = zenohApi.start();
    } catch (Exception e) {
      shutdownPartial();
      throw new IOException("cannot declare the node's Zenoh subscriptions and queryables: " + e.getMessage(), e);
    }
    ownership.addListener(this::ownershipChanged);
    dev.oprc.odgm.ops.GrpcLogGuard.install();
    this.metrics = ops.metricsPort() == 0 ? null : new dev.oprc.odgm.ops.NodeMetrics();
    if (metrics != null) {
      NodeMeters.bind(metrics, shards, receiver, zenohApi, invoker, transport, strict);
    }
    this.opsServer = new dev.oprc.odgm.ops.OpsServer(shards.collections().stream()
        .map(dev.oprc.odgm.proto.CreateCollectionRequest::getName).toList(), this::notReadyReason);
    this.grpc = startGrpc(ids, builtinRoutes(b.handlers.keySet()));
    try {
      opsServer.start(ops.metricsPort(), metrics);
    } catch (IOException e) {
      grpc.close();
      shutdownPartial();
      throw e;
    }
    if (raft != null) {
      raft.listen(); // leaders open their shards and declare their keys from here on
    }
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

  /** The gRPC server with both services (shutting down what started so far when it cannot bind). */
  private GrpcServing startGrpc(Ids ids, GrpcServing.InlineFunctions inlineFunctions) throws IOException {
    List<io.grpc.ServerServiceDefinition> services = List.of(
        strict.wrap(new DataServiceImpl(shards, config.events().enabled(), ownership).bindService()),
        strict.wrap(new FunctionServiceImpl(invoker, shards, new ZenohInvokeProxy(transport, ids),
            config.events().triggerTimeoutMillis()).bindService()));
    // ServerInterceptors.intercept runs the last one first: metrics see every call, then the write context
    List<io.grpc.ServerInterceptor> interceptors = metrics == null ? List.of(new WriteContextInterceptor())
        : List.of(new WriteContextInterceptor(), new dev.oprc.odgm.ops.GrpcCallMetrics(metrics.registry(), services));
    try {
      return GrpcServing.start(config.port(), ops, ownership, inlineFunctions, services, interceptors,
          opsServer.healthService(), config.reflectionEnabled());
    } catch (IOException e) {
      shutdownPartial();
      throw e;
    }
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

  /** Logs once the cluster view and what each non-basic shard type runs as. */
  private void logShardTypes(NodeConfig config) {
    if (config.members().clustered()) {
      java.util.List<String> owned = new ArrayList<>();
      for (String c : ownership.collections()) {
        for (int p = 0; p < ownership.partitionCount(c); p++) {
          if (ownership.owns(c, p)) {
            owned.add(c + "/" + p);
          }
        }
      }
      log.info("node {} of cluster {}: owns {} (basic and mst); member of {} raft replica sets {}",
          Long.toUnsignedString(config.nodeId()), config.members().members(), owned, ownership.raftReplicaSets().size(),
          ownership.raftReplicaSets());
    }
    for (dev.oprc.odgm.proto.CreateCollectionRequest c : config.collections()) {
      ShardType t = ShardType.of(c.getName(), c.getShardType());
      if (t == ShardType.MST) {
        log.info("collection '{}': shard_type mst runs as basic (one owner per partition, no replication): upstream's "
            + "mst is eventually consistent and resurrects deleted keys, so it is not copied", c.getName());
      } else if (t == ShardType.RAFT && !config.members().clustered()) {
        log.info("collection '{}': shard_type raft on a standalone node (no {}) runs as basic: one copy, no "
            + "replication", c.getName(), Membership.MEMBERS);
      }
    }
  }

  /** Null when the node is ready to serve (gRPC up; Zenoh linked or local-only), else why not. */
  private String notReadyReason() {
    if (closed.get()) {
      return "shutting down";
    }
    if (!transport.linkUp()) {
      return "Zenoh: no router link (" + transport + "); connecting in the background";
    }
    return null;
  }

  /** Why the node is not ready, or null when it is ({@code /readyz}). */
  public String readiness() {
    return opsServer.reason();
  }

  /** The bound metrics and health HTTP port, or 0 when ODGM_METRICS_PORT=0. */
  public int metricsPort() {
    return opsServer.port();
  }

  private ShardRegistry.StorageFactory storageFactory() {
    long cache = config.storage().metaCacheSize();
    ShardRegistry.StorageFactory local = engine == null
        ? (c, p, compiler, outboxMax) -> new InMemoryShardStorage(outboxMax)
        : (c, p, compiler, outboxMax) -> engine.shard(c, p, compiler, cache, outboxMax);
    return (c, p, compiler, outboxMax) -> ownership.type(c) == ShardType.RAFT ? raft.storage(c, p)
        : local.open(c, p, compiler, outboxMax);
  }

  private void closeRaft() {
    if (raft != null) {
      raft.close();
    }
  }

  /** Results of acknowledged triggers retire their outbox records (both result key shapes). */
  private List<AutoCloseable> subscribeResults() throws Exception {
    List<AutoCloseable> subs = new ArrayList<>();
    for (String k : new String[] {"oprc/*/*/results/*/async/*", "oprc/*/*/objects/*/results/*/async/*"}) {
      subs.add(transport.subscribe(k, this::onResult));
    }
    return subs;
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

  private void closeEngine() {
    if (engine != null) {
      engine.close();
    }
  }

  private void shutdownPartial() {
    if (opsServer != null) {
      opsServer.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    zenohApi.close();
    closeAll(resultSubscriptions);
    receiver.close();
    shards.close(0);
    dispatchPool.close();
    invoker.close();
    closeRaft();
    closeEngine();
  }

  private static void closeAll(List<AutoCloseable> subs) {
    if (subs != null) {
      NodeExecutors.closeQuietly(subs);
    }
  }

  /** Starts building a node. */
  public static Builder builder() {
    return new Builder();
  }

  /** The gRPC port actually bound. */
  public int port() {
    return grpc.port();
  }

  public NodeConfig config() {
    return config;
  }

  /** The node's shards (for embedding and in-process functions). */
  public ShardRegistry shards() {
    return shards;
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

  /** Zenoh API counters: received, served, errors, refused, samples applied. */
  public String zenohApiStats() {
    return zenohApi.stats().toString();
  }

  /** Async receiver counters: received, completed, decode errors, refused. */
  public String receiverStats() {
    return receiver.stats().toString();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    opsServer.draining(); // NOT_SERVING first, so balancers stop sending
    grpc.close();
    zenohApi.close(); // no more Zenoh writes or sync invocations
    // drain events while the receiver still listens, so triggers on functions hosted here still run
    boolean stopped = shards.close(config.shutdownDrainMillis());
    if (stopped) {
      dispatchPool.close();
    }
    closeAll(resultSubscriptions);
    receiver.close();
    invoker.close();
    transport.close();
    opsServer.close();
    if (metrics != null) {
      metrics.close();
    }
    closeRaft(); // after the shards and their users: its groups own the replicated partitions
    if (stopped && zenohApi.terminated() && receiver.terminated()) {
      closeEngine(); // after the shards: their last outbox retirements write to it
    } else {
      log.warn("not closing the storage: a dispatcher or function thread is still running (the WAL keeps every write)");
    }
  }

  /** Blocks until the gRPC server terminates. */
  public void awaitTermination() throws InterruptedException {
    grpc.awaitTermination();
  }

  /** Configures a node. Not thread-safe; use from one thread. */
  public static final class Builder {
    private NodeConfig config;
    private NodeTransport transport;
    private LongSupplier clock = System::currentTimeMillis;
    private dev.oprc.odgm.ops.OpsConfig ops = dev.oprc.odgm.ops.OpsConfig.embedded();
    private final Map<String, FunctionHandler> handlers = new HashMap<>();

    private Builder() {}

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

    /** Starts the node; on failure the transport is closed. */
    public OdgmNode start() throws IOException {
      Objects.requireNonNull(config, "config is required");
      Objects.requireNonNull(transport, "transport is required");
      try {
        return new OdgmNode(this);
      } catch (IOException | RuntimeException e) {
        transport.close();
        throw e;
      }
    }
  }

  private static String describe(StorageConfig s) {
    return s.kind() == StorageConfig.Kind.MEMORY ? "memory (nothing survives a restart)"
        : "rocksdb " + s.dataDir().toAbsolutePath() + " (sync " + s.sync().name().toLowerCase(java.util.Locale.ROOT) + ")";
  }

  /** Runs a node configured from the environment until it is stopped (SIGTERM / Ctrl-C). */
  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    NodeSettings.CATALOGUE.unknownVariableWarnings(env).forEach(log::warn); // a typo is never silently ignored
    NodeConfig config;
    NodeTransport transport;
    OdgmNode node;
    try { // every failure: one line naming the variable or resource, exit 2 (StartupChecks)
      config = NodeConfig.fromEnv(env);
      dev.oprc.odgm.ops.OpsConfig ops = dev.oprc.odgm.ops.OpsConfig.fromEnv(env);
      transport = ZenohTransport.open(dev.oprc.odgm.ops.StartupChecks.zenoh(env, ops));
      node = builder().config(config).ops(ops).transport(transport).start();
    } catch (Exception e) {
      System.err.println(dev.oprc.odgm.ops.StartupChecks.oneLine(e));
      System.exit(2);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down (draining events for up to {} ms)", config.shutdownDrainMillis());
      node.close();
    }, "odgm-shutdown"));
    log.info("ODGM node {} serving gRPC on port {}; collections {}; events {}; storage {}; zenoh {} (Zenoh API: {} "
        + "subscriptions, queryables and liveliness tokens)", config.nodeId(), node.port(),
        config.collections().stream().map(c -> c.getName() + "[" + c.getPartitionCount() + "]").toList(),
        config.events().enabled() ? "on" : "off", describe(config.storage()), transport, node.zenohApiKeys().size());
    log.debug("Zenoh API keys: {}", node.zenohApiKeys());
    node.awaitTermination();
  }
}
