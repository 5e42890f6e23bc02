package dev.oprc.odgm.node;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.oprc.odgm.cluster.Membership;
import dev.oprc.odgm.cluster.ReplicaSets;
import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.events.EventSettings;
import dev.oprc.odgm.replication.ReplicationConfig;
import dev.oprc.odgm.events.OutboxConfig;
import dev.oprc.odgm.settings.ConfigException;
import dev.oprc.odgm.settings.Settings;
import dev.oprc.odgm.storage.StorageConfig;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.InvocationRoute;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Node settings, read by {@link #fromEnv(Map)} from the variables declared in
 * {@link NodeSettings#NODE} (names, defaults, accepted values and docs live there; in a cluster
 * ODGM_HTTP_PORT defaults to this node's grpcPort). Collections are checked against the members
 * ({@link ReplicaSets}). In a cluster, {@link #replication()} holds the Raft settings
 * ({@link ReplicationConfig#fromEnv}: the members' raft addresses, {@code ${ODGM_DATA_DIR}/raft},
 * {@code ODGM_RAFT_*}); null standalone. Event settings are {@link EventConfig#fromEnv(Map)}, outbox
 * settings {@link OutboxConfig#fromEnv(Map)}, storage settings {@link StorageConfig#fromEnv(Map)}.
 *
 * <p>Immutable and thread-safe.
 */
public record NodeConfig(
    int port,
    long nodeId,
    List<CreateCollectionRequest> collections,
    boolean reflectionEnabled,
    int maxStringIdLength,
    int invokeThreads,
    int invokeQueueBound,
    long shutdownDrainMillis,
    EventConfig events,
    OutboxConfig outbox,
    StorageConfig storage,
    Membership members,
    ReplicationConfig replication,
    dev.oprc.odgm.events.ChangeConfig changes) {

  public static final String HTTP_PORT = NodeSettings.HTTP_PORT.name();
  public static final String NODE_ID = NodeSettings.NODE_ID.name();
  public static final String COLLECTION = NodeSettings.COLLECTION.name();
  public static final String REFLECTION_ENABLED = NodeSettings.REFLECTION_ENABLED.name();
  public static final String MAX_STRING_ID_LEN = NodeSettings.MAX_STRING_ID_LEN.name();
  public static final String INVOKE_THREADS = NodeSettings.INVOKE_THREADS.name();
  public static final String INVOKE_QUEUE_BOUND = NodeSettings.INVOKE_QUEUE_BOUND.name();
  public static final String SHUTDOWN_DRAIN_MS = NodeSettings.SHUTDOWN_DRAIN_MS.name();

  /**
   * Checks every value against its declaration and the collections against the members.
   *
   * @throws ConfigException naming the variable and what it accepts
   */
  public NodeConfig {
    Objects.requireNonNull(changes, "changes");
    Objects.requireNonNull(events, "events");
    Objects.requireNonNull(outbox, "outbox");
    Objects.requireNonNull(storage, "storage");
    Objects.requireNonNull(members, "members");
    if (members.clustered() != (replication != null)) {
      throw new IllegalArgumentException("replication settings are required exactly when ODGM_MEMBERS is set");
    }
    if (members.clustered() && members.self() != nodeId) {
      throw new IllegalArgumentException(Membership.MEMBERS + " was read for node " + members.self() + ", not "
          + nodeId);
    }
    collections = List.copyOf(collections);
    NodeSettings.HTTP_PORT.check(port);
    NodeSettings.MAX_STRING_ID_LEN.check(maxStringIdLength);
    NodeSettings.INVOKE_THREADS.check(invokeThreads);
    NodeSettings.INVOKE_QUEUE_BOUND.check(invokeQueueBound);
    NodeSettings.SHUTDOWN_DRAIN_MS.check(shutdownDrainMillis);
    java.util.Set<String> names = new java.util.HashSet<>();
    for (CreateCollectionRequest c : collections) {
      if (!names.add(c.getName())) {
        throw new ConfigException(COLLECTION + ": collection '" + c.getName() + "' is defined twice");
      }
      if (dev.oprc.odgm.events.TriggerKeys.segmentProblem(c.getName()) != null) {
        throw new ConfigException(COLLECTION + ": collection name '" + c.getName() + "' "
            + dev.oprc.odgm.events.TriggerKeys.segmentProblem(c.getName()) + "; it must be a valid Zenoh key chunk");
      }
      if (c.getName().isEmpty()) {
        throw new ConfigException(COLLECTION + ": a collection has no name");
      }
      // each partition has its own dispatcher thread and queue
      if (c.getPartitionCount() < 1 || c.getPartitionCount() > 1024) {
        throw new ConfigException(COLLECTION + ": collection '" + c.getName() + "' has partition_count "
            + c.getPartitionCount() + "; accepted: 1..1024");
      }
      ReplicaSets.of(c, members); // shard_type, replica_count and shard_assignments against ODGM_MEMBERS
    }
  }

  /** The settings without change streams ({@link dev.oprc.odgm.events.ChangeConfig#OFF}). */
  public NodeConfig(int port, long nodeId, List<CreateCollectionRequest> collections, boolean reflectionEnabled,
      int maxStringIdLength, int invokeThreads, int invokeQueueBound, long shutdownDrainMillis, EventConfig events,
      OutboxConfig outbox, StorageConfig storage, Membership members, ReplicationConfig replication) {
    this(port, nodeId, collections, reflectionEnabled, maxStringIdLength, invokeThreads, invokeQueueBound,
        shutdownDrainMillis, events, outbox, storage, members, replication, dev.oprc.odgm.events.ChangeConfig.OFF);
  }

  /** A copy with other change-stream settings. */
  public NodeConfig withChanges(dev.oprc.odgm.events.ChangeConfig c) {
    return new NodeConfig(port, nodeId, collections, reflectionEnabled, maxStringIdLength, invokeThreads,
        invokeQueueBound, shutdownDrainMillis, events, outbox, storage, members, replication, c);
  }

  /** The collection a node serves when {@code ODGM_COLLECTION} is unset: one partition, builtin functions. */
  public static CreateCollectionRequest exampleCollection() {
    return CreateCollectionRequest.newBuilder()
        .setName("example")
        .setPartitionCount(1)
        .setReplicaCount(1)
        .setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("echo", FuncInvokeRoute.newBuilder().setUrl("local:echo").build())
            .putFnRoutes("log", FuncInvokeRoute.newBuilder().setUrl("local:log").build())
            .putFnRoutes("fail", FuncInvokeRoute.newBuilder().setUrl("local:fail").build()))
        .build();
  }

  /** Defaults: port 8080, the example collection, events from defaults. */
  public static NodeConfig defaults() {
    return fromEnv(Map.of());
  }

  public static NodeConfig fromEnv() {
    return fromEnv(System.getenv());
  }

  /**
   * Reads {@code env}.
   *
   * @throws ConfigException naming the first invalid variable and what it accepts
   */
  public static NodeConfig fromEnv(Map<String, String> env) {
    Settings s = Settings.of(env);
    Long id = s.get(NodeSettings.NODE_ID);
    long nodeId = id != null ? id : new SecureRandom().nextLong() >>> 1;
    Integer httpPort = s.isSet(NodeSettings.HTTP_PORT) ? s.get(NodeSettings.HTTP_PORT) : null;
    Membership members = Membership.parse(s.get(NodeSettings.MEMBERS), nodeId, httpPort);
    int port = httpPort != null ? httpPort
        : members.member(nodeId).map(dev.oprc.odgm.cluster.Member::grpcPort).orElse(NodeSettings.HTTP_PORT.defaultValue());
    StorageConfig storage = StorageConfig.fromEnv(env);
    List<CreateCollectionRequest> collections = collections(s.get(NodeSettings.COLLECTION));
    return new NodeConfig(
        port,
        nodeId,
        collections,
        s.get(NodeSettings.REFLECTION_ENABLED),
        s.get(NodeSettings.MAX_STRING_ID_LEN),
        s.get(NodeSettings.INVOKE_THREADS),
        s.get(NodeSettings.INVOKE_QUEUE_BOUND),
        s.get(NodeSettings.SHUTDOWN_DRAIN_MS),
        EventConfig.fromEnv(env),
        outbox(env, storage, collections, Runtime.getRuntime().maxMemory()),
        storage,
        members,
        members.clustered() ? ReplicationConfig.fromEnv(nodeId, raftAddresses(members), storage.dataDir(),
            storage.metaCacheSize(), env) : null,
        dev.oprc.odgm.events.ChangeConfig.fromEnv(env));
  }

  /**
   * The outbox settings. In the memory store the outbox lives in the heap, one per partition: unless
   * {@code ODGM_OUTBOX_MAX_BYTES} is set, each partition's bound is then cut so that all of them fill
   * at most a quarter of the heap (at least 1 MiB each), instead of 256 MiB each, which let a burst of
   * undeliverable triggers exhaust a 256 MiB heap (measured: OutOfMemoryError at 128 writers with ten
   * triggers each, benchmarks/results/load/defaults-2026-12-01.md).
   */
  static OutboxConfig outbox(Map<String, String> env, StorageConfig storage, List<CreateCollectionRequest> collections,
      long maxHeapBytes) {
    OutboxConfig o = OutboxConfig.fromEnv(env);
    if (storage.kind() != StorageConfig.Kind.MEMORY || Settings.of(env).isSet(EventSettings.OUTBOX_MAX_BYTES)) {
      return o;
    }
    long partitions = Math.max(1, collections.stream().mapToLong(CreateCollectionRequest::getPartitionCount).sum());
    long share = Math.max(1L << 20, maxHeapBytes / 4 / partitions);
    return share < o.maxBytes() ? o.withMaxBytes(share) : o;
  }

  private static Map<Long, java.net.InetSocketAddress> raftAddresses(Membership m) {
    Map<Long, java.net.InetSocketAddress> out = new java.util.TreeMap<>();
    m.members().forEach(x -> out.put(x.id(), x.raftAddress()));
    return out;
  }

  /** Parses {@code ODGM_COLLECTION}: a JSON array of CreateCollectionRequest (proto JSON names). */
  static List<CreateCollectionRequest> collections(String json) {
    if (json == null || json.isBlank()) {
      return List.of(exampleCollection());
    }
    String trimmed = json.trim();
    if (!trimmed.startsWith("[")) {
      throw new ConfigException(COLLECTION + " must be a JSON array of CreateCollectionRequest, got: "
          + abbreviate(trimmed));
    }
    List<CreateCollectionRequest> out = new ArrayList<>();
    try {
      com.google.gson.JsonArray arr = com.google.gson.JsonParser.parseString(trimmed).getAsJsonArray();
      for (int i = 0; i < arr.size(); i++) {
        out.add(collection(i, arr.get(i).toString()));
      }
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new ConfigException(COLLECTION + " is not a valid JSON array of CreateCollectionRequest: "
          + e.getMessage());
    }
    if (out.isEmpty()) {
      throw new ConfigException(COLLECTION + "='" + abbreviate(trimmed) + "' serves no collection; accepted: a "
          + "JSON array of at least one CreateCollectionRequest (unset: the example collection)");
    }
    return out;
  }

  /** One element; an unknown field is ignored with a warning, as upstream ignores it. */
  private static CreateCollectionRequest collection(int index, String json) throws InvalidProtocolBufferException {
    CreateCollectionRequest.Builder b = CreateCollectionRequest.newBuilder();
    try {
      JsonFormat.parser().merge(json, b);
    } catch (InvalidProtocolBufferException e) {
      b.clear();
      JsonFormat.parser().ignoringUnknownFields().merge(json, b); // still fails on bad values
      org.slf4j.LoggerFactory.getLogger(NodeConfig.class).warn("{}[{}]: ignoring what the node does not know ({})",
          COLLECTION, index, e.getMessage());
    }
    return b.build();
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }

  /** A copy with another port. */
  public NodeConfig withPort(int p) {
    return new NodeConfig(p, nodeId, collections, reflectionEnabled, maxStringIdLength, invokeThreads,
        invokeQueueBound, shutdownDrainMillis, events, outbox, storage, members, replication, changes);
  }

  /** A copy with other collections. */
  public NodeConfig withCollections(List<CreateCollectionRequest> c) {
    return new NodeConfig(port, nodeId, c, reflectionEnabled, maxStringIdLength, invokeThreads, invokeQueueBound,
        shutdownDrainMillis, events, outbox, storage, members, replication, changes);
  }

  /** A copy with other outbox settings. */
  public NodeConfig withOutbox(OutboxConfig o) {
    return new NodeConfig(port, nodeId, collections, reflectionEnabled, maxStringIdLength, invokeThreads,
        invokeQueueBound, shutdownDrainMillis, events, o, storage, members, replication, changes);
  }

  /** A copy with other storage settings. */
  public NodeConfig withStorage(StorageConfig st) {
    return new NodeConfig(port, nodeId, collections, reflectionEnabled, maxStringIdLength, invokeThreads,
        invokeQueueBound, shutdownDrainMillis, events, outbox, st, members, replication, changes);
  }

  /** A copy with another member list (checked against the collections). */
  public NodeConfig withMembers(Membership m) {
    return new NodeConfig(port, nodeId, collections, reflectionEnabled, maxStringIdLength, invokeThreads,
        invokeQueueBound, shutdownDrainMillis, events, outbox, storage, m, !m.clustered() ? null
            : ReplicationConfig.of(nodeId, raftAddresses(m), storage.dataDir()).withMetaCacheSize(storage.metaCacheSize()),
        changes);
  }

  /** A copy with other event settings. */
  public NodeConfig withEvents(EventConfig e) {
    return new NodeConfig(port, nodeId, collections, reflectionEnabled, maxStringIdLength, invokeThreads,
        invokeQueueBound, shutdownDrainMillis, e, outbox, storage, members, replication, changes);
  }
}
