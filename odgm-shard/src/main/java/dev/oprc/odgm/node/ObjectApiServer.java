package dev.oprc.odgm.node;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.oprc.odgm.proto.BatchSetValuesRequest;
import dev.oprc.odgm.proto.EmptyResponse;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.ListObjectsRequest;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.ObjectMetaEnvelope;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.shard.NotFoundException;
import dev.oprc.odgm.shard.ObjectShard;
import dev.oprc.odgm.shard.VersionMismatchException;
import dev.oprc.odgm.shard.WriteContext;
import dev.oprc.odgm.tracing.TraceSpan;
import dev.oprc.odgm.tracing.Tracing;
import dev.oprc.zenoh.KeyExpr;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Serves one request of ODGM's Zenoh API against the node's shards, through {@link ObjectShard}'s
 * public methods only, so every write emits the same events as over gRPC. Replies use upstream's
 * payloads and error texts ("object not found", "entry not found", "version mismatch: expected X,
 * got Y", capabilities JSON). Runs on the API's pool, never on a Zenoh thread.
 *
 * <p>Stateless apart from its collaborators; thread-safe.
 */
final class ObjectApiServer {
  /** Thrown for a request that gets an ERR reply with exactly this text. */
  static final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ApiError(String message) {
      super(message, null, false, false);
    }
  }

  private static final byte[] EMPTY = EmptyResponse.getDefaultInstance().toByteArray();

  private final ShardRegistry shards;
  private final FunctionInvoker invoker;
  private final boolean eventsEnabled;
  private final String storageBackend;
  private final String version;
  private final Tracing tracing;

  ObjectApiServer(ShardRegistry shards, FunctionInvoker invoker, boolean eventsEnabled, String storageBackend,
      Tracing tracing) {
    this.tracing = tracing;
    this.shards = shards;
    this.invoker = invoker;
    this.eventsEnabled = eventsEnabled;
    this.storageBackend = storageBackend;
    String v = ObjectApiServer.class.getPackage().getImplementationVersion();
    this.version = v == null ? "dev" : v;
  }

  /** Serves a query; throws {@link ApiError} (or IllegalArgumentException) for an ERR reply. */
  void serve(ApiKey k, NodeTransport.IncomingQuery q) {
    switch (k.kind()) {
      case GET -> q.reply(q.key(), get(k).toByteArray());
      case SET -> {
        set(k, q.payload(), "zenoh set");
        q.reply(q.key(), EMPTY);
      }
      case BATCH_SET -> {
        batchSet(k, q.payload());
        q.reply(q.key(), EMPTY);
      }
      case ENTRY -> q.reply(q.key(), entry(k));
      case LIST_OBJECTS -> {
        for (ObjectMetaEnvelope e : list(k, q.payload())) {
          q.reply(q.key(), e.toByteArray());
        }
      }
      case OBJECT_INVOKE, FN_INVOKE -> invoke(k, q);
      case CAPABILITIES -> q.reply(q.key(), capabilities(k).getBytes(StandardCharsets.UTF_8));
      default -> throw new ApiError("unsupported operation " + k.kind());
    }
  }

  private ObjectShard shard(ApiKey k) {
    return shards.shard(k.cls(), k.partition()); // NotFoundException names the collection / partition
  }

  private ObjData get(ApiKey k) {
    ObjectShard s = shard(k);
    try {
      return s.get(k.objectId());
    } catch (NotFoundException e) {
      throw new ApiError("object not found");
    }
  }

  private byte[] entry(ApiKey k) {
    ObjectShard s = shard(k);
    try {
      return s.getVersionedValue(k.objectId(), k.name()).toByteArray();
    } catch (NotFoundException e) {
      throw new ApiError("entry not found");
    }
  }

  static ObjData decodeObj(byte[] payload) {
    if (payload == null) {
      throw new ApiError("payload is required");
    }
    try {
      return ObjData.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      throw new ApiError("failed to decode payload: " + e.getMessage());
    }
  }

  private void batchSet(ApiKey k, byte[] payload) {
    if (payload == null) {
      throw new ApiError("payload is required");
    }
    BatchSetValuesRequest req;
    try {
      req = BatchSetValuesRequest.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      throw new ApiError("failed to decode batch request: " + e.getMessage());
    }
    ObjectShard s = shard(k);
    TraceSpan span = tracing.startWrite("zenoh batch_set", k.cls(), k.partition(), null);
    try {
      s.batchSetValues(k.objectId(), req.getValuesMap(), req.getDeleteKeysList(),
          req.hasExpectedObjectVersion() ? req.getExpectedObjectVersion() : null, client(span));
      span.end(null);
    } catch (VersionMismatchException e) {
      span.end("version mismatch");
      throw new ApiError("version mismatch: expected " + e.expected() + ", got " + e.actual());
    } catch (RuntimeException e) {
      span.end(e.getClass().getSimpleName());
      throw e;
    }
  }

  /** An upsert as a write span ({@link TraceSpan#NONE}, allocating nothing, with traces off). */
  private void set(ApiKey k, byte[] payload, String spanName) {
    ObjectShard s = shard(k);
    ObjData obj = decodeObj(payload);
    TraceSpan span = tracing.startWrite(spanName, k.cls(), k.partition(), null);
    try {
      s.set(k.objectId(), obj, client(span));
      span.end(null);
    } catch (RuntimeException e) {
      span.end(e.getClass().getSimpleName());
      throw e;
    }
  }

  /** A client write (depth 0), carrying the write span's traceparent into its events when traced. */
  private static WriteContext client(TraceSpan span) {
    return span == TraceSpan.NONE ? WriteContext.CLIENT : new WriteContext(0, span.traceparent());
  }

  private List<ObjectMetaEnvelope> list(ApiKey k, byte[] payload) {
    ListObjectsRequest req;
    try {
      req = payload == null ? ListObjectsRequest.getDefaultInstance() : ListObjectsRequest.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      throw new ApiError("failed to decode list request: " + e.getMessage());
    }
    return shard(k).listObjects(req.hasObjectIdPrefix() ? req.getObjectIdPrefix() : null,
        req.hasCursor() ? req.getCursor().toString(StandardCharsets.UTF_8) : null, req.getLimit());
  }

  /** A sync invocation: always an InvocationResponse reply, once the partition is known to be served. */
  private void invoke(ApiKey k, NodeTransport.IncomingQuery q) {
    byte[] payload = q.payload();
    String oid = null;
    if (k.partition() != ApiKey.ANY_PARTITION) {
      ObjectShard s = shard(k);
      oid = k.objectId() == null ? null : s.ids().objectId(k.objectId()); // InvalidIdException: ERR reply
    }
    Invocation inv;
    try {
      inv = decodeInvocation(k, payload);
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      InvocationResponse bad = FunctionInvoker.failure(ResponseStatus.INVALID_REQUEST,
          "failed to decode invocation request: " + e.getMessage());
      q.reply(replyKey(k, q, k.partition() == ApiKey.ANY_PARTITION ? 0 : k.partition()), bad.toByteArray());
      return;
    }
    shards.shard(k.cls(), inv.partition());
    InvocationResponse resp = invoker.invoke(k.cls(), inv.partition(), k.name(), oid, inv.options(),
        inv.payload(), UUID.randomUUID().toString());
    q.reply(replyKey(k, q, inv.partition()), resp.toByteArray());
  }

  @SuppressWarnings("ArrayRecordComponent") // bytes are passed through, never compared or hashed
  private record Invocation(int partition, Map<String, String> options, byte[] payload) {}

  private static Invocation decodeInvocation(ApiKey k, byte[] payload) throws InvalidProtocolBufferException {
    if (payload == null || payload.length == 0) {
      throw new IllegalArgumentException("payload is required");
    }
    if (k.kind() == ApiKey.Kind.OBJECT_INVOKE) {
      ObjectInvocationRequest r = ObjectInvocationRequest.parseFrom(payload);
      return new Invocation(k.partition(), r.getOptionsMap(), r.getPayload().toByteArray());
    }
    InvocationRequest r = InvocationRequest.parseFrom(payload);
    int p = k.partition() == ApiKey.ANY_PARTITION ? r.getPartitionId() : k.partition();
    if (p < 0) {
      throw new IllegalArgumentException("partition_id " + Integer.toUnsignedString(p) + " out of range");
    }
    return new Invocation(p, r.getOptionsMap(), r.getPayload().toByteArray());
  }

  /** The query's key, or for a {@code *} partition the concrete key of the partition that ran it. */
  private static String replyKey(ApiKey k, NodeTransport.IncomingQuery q, int partition) {
    return k.partition() == ApiKey.ANY_PARTITION ? ApiKey.prefix(k.cls(), partition) + "/invokes/" + k.name()
        : q.key();
  }

  /** Upstream's capabilities JSON, or its {@code {"error":...}} shapes (as OK replies, like upstream). */
  String capabilities(ApiKey k) {
    long shardId;
    try {
      shardId = Long.parseUnsignedLong(k.name());
    } catch (NumberFormatException e) {
      return "{\"error\":\"bad_request\"}";
    }
    ObjectShard s;
    try {
      s = shards.shard(k.cls(), k.partition());
    } catch (NotFoundException e) {
      return "{\"error\":\"not_found\"}";
    }
    if (s.shardId() != shardId) {
      return "{\"error\":\"not_found\"}";
    }
    return capabilities(k.cls(), k.partition(), shardId);
  }

  /**
   * Replies the capabilities of each shard of {@code cls} this node serves (in {@code partition}
   * only, unless {@link ApiKey#ANY_PARTITION}) whose key intersects {@code query}, on that key.
   */
  void capabilitiesMatching(String cls, int partition, KeyExpr query, NodeTransport.IncomingQuery q) {
    for (ObjectShard s : shards.all()) {
      if (!s.collection().equals(cls) || (partition != ApiKey.ANY_PARTITION && s.partition() != partition)) {
        continue;
      }
      String key = ApiKey.prefix(cls, s.partition()) + "/shards/" + Long.toUnsignedString(s.shardId())
          + "/capabilities";
      if (query.intersects(KeyExpr.of(key))) {
        q.reply(key, capabilities(cls, s.partition(), s.shardId()).getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  private String capabilities(String cls, int partition, long shardId) {
    return "{\"class\":" + jsonString(cls) + ",\"partition\":" + partition + ",\"shard_id\":"
        + Long.toUnsignedString(shardId) + ",\"event_pipeline_v2\":" + eventsEnabled + ",\"storage_backend\":"
        + jsonString(storageBackend) + ",\"odgm_version\":" + jsonString(version)
        + ",\"features\":{\"granular_storage\":true,\"bridge_mode\":false,\"wasm_runtime\":false}}";
  }

  static String jsonString(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  /** Applies a PUT (upsert, like gRPC Set) or DELETE sample on {@code …/objects/{id}}. */
  void applySample(ApiKey k, byte[] payload, boolean delete) {
    if (k.kind() != ApiKey.Kind.GET) {
      throw new ApiError("samples are accepted on oprc/{c}/{p}/objects/{id} only, not " + k.kind());
    }
    if (!delete) {
      set(k, payload == null ? new byte[0] : payload, "zenoh put");
      return;
    }
    ObjectShard s = shard(k);
    TraceSpan span = tracing.startWrite("zenoh delete", k.cls(), k.partition(), null);
    try {
      s.delete(k.objectId(), client(span));
      span.end(null);
    } catch (RuntimeException e) {
      span.end(e.getClass().getSimpleName());
      throw e;
    }
  }
}
