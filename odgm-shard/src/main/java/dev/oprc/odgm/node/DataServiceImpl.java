package dev.oprc.odgm.node;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.cluster.NotOwnerException;
import dev.oprc.odgm.cluster.PartitionOwnership;
import dev.oprc.odgm.cluster.PartitionReport;
import dev.oprc.odgm.events.InvalidTriggerTargetException;
import dev.oprc.odgm.proto.BatchSetValuesRequest;
import dev.oprc.odgm.proto.CapabilitiesRequest;
import dev.oprc.odgm.proto.CapabilitiesResponse;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.EmptyResponse;
import dev.oprc.odgm.proto.ListObjectsRequest;
import dev.oprc.odgm.proto.ListValuesRequest;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectMetaEnvelope;
import dev.oprc.odgm.proto.ObjectResponse;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.ShardStats;
import dev.oprc.odgm.proto.SingleKeyRequest;
import dev.oprc.odgm.proto.SingleObjectRequest;
import dev.oprc.odgm.proto.StatsRequest;
import dev.oprc.odgm.proto.StatsResponse;
import dev.oprc.odgm.proto.ValueEnvelope;
import dev.oprc.odgm.proto.ValueResponse;
import dev.oprc.odgm.shard.NotFoundException;
import dev.oprc.odgm.shard.ObjectShard;
import dev.oprc.odgm.shard.VersionMismatchException;
import dev.oprc.odgm.events.OutboxFullException;
import dev.oprc.odgm.storage.Committed;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ODGM {@code oprc.DataService}, wire-compatible with upstream. Errors map to status codes:
 * bad ids, keys or trigger targets, a Set or Merge without {@code object} → INVALID_ARGUMENT; a
 * missing collection, partition or object → NOT_FOUND (GetValue of a missing key or object is OK
 * with no value, as upstream); a CAS mismatch → ABORTED; a partition not owned here (ownership
 * changing) → UNAVAILABLE; anything else → INTERNAL. Stats and Capabilities include the node's
 * partition view.
 */
final class DataServiceImpl extends DataServiceGrpc.DataServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(DataServiceImpl.class);
  private static final RateLimitedWarn INTERNAL_WARN = new RateLimitedWarn(log, 10_000);
  private static final StatsFields STATS_FIELDS = StatsFields.of(dev.oprc.odgm.shard.ShardMeters.ALL);

  private static final EmptyResponse EMPTY = EmptyResponse.getDefaultInstance();

  private final ShardRegistry shards;
  private final boolean eventsEnabled;
  private final PartitionOwnership ownership;

  DataServiceImpl(ShardRegistry shards, boolean eventsEnabled, PartitionOwnership ownership) {
    this.shards = shards;
    this.eventsEnabled = eventsEnabled;
    this.ownership = ownership;
  }

  @Override
  public void get(SingleObjectRequest req, StreamObserver<ObjectResponse> out) {
    unary(out, () -> ObjectResponse.newBuilder()
        .setObj(shard(req.getClsId(), req.getPartitionId()).get(req.getObjectId())).build());
  }

  @Override
  public void delete(SingleObjectRequest req, StreamObserver<EmptyResponse> out) {
    writtenEmpty(out, () -> shard(req.getClsId(), req.getPartitionId())
        .commitDelete(req.getObjectId(), WriteContextInterceptor.current()));
  }

  @Override
  public void set(SetObjectRequest req, StreamObserver<EmptyResponse> out) {
    writtenEmpty(out, () -> {
      requireObject(req);
      return shard(req.getClsId(), req.getPartitionId())
          .commitSet(objectId(req), req.getObject(), WriteContextInterceptor.current());
    });
  }

  @Override
  public void merge(SetObjectRequest req, StreamObserver<ObjectResponse> out) {
    written(out, () -> {
      Committed<ObjData> merged = shard(req.getClsId(), requireObject(req).getPartitionId())
          .commitMerge(objectId(req), req.getObject(), WriteContextInterceptor.current());
      return merged.withResult(ObjectResponse.newBuilder().setObj(merged.result()).build());
    });
  }

  /** Upstream rejects a Set or Merge without {@code object} (it would otherwise create an empty object). */
  private static SetObjectRequest requireObject(SetObjectRequest req) {
    if (!req.hasObject()) {
      throw new IllegalArgumentException("object is required");
    }
    return req;
  }

  /** The request's object_id, falling back to object.metadata.object_id as upstream clients send it. */
  private static String objectId(SetObjectRequest req) {
    if (req.hasObjectId()) {
      return req.getObjectId();
    }
    if (req.getObject().hasMetadata() && req.getObject().getMetadata().hasObjectId()) {
      return req.getObject().getMetadata().getObjectId();
    }
    return null;
  }

  @Override
  public void listObjects(ListObjectsRequest req, StreamObserver<ObjectMetaEnvelope> out) {
    stream(out, () -> shard(req.getClsId(), req.getPartitionId()).listObjects(
        req.hasObjectIdPrefix() ? req.getObjectIdPrefix() : null, cursor(req.hasCursor(), req.getCursor()),
        req.getLimit()));
  }

  @Override
  public void getValue(SingleKeyRequest req, StreamObserver<ValueResponse> out) {
    // upstream: a missing key or object is OK with no value
    unary(out, () -> shard(req.getClsId(), req.getPartitionId()).findValue(req.getObjectId(), req.getKey()));
  }

  @Override
  public void setValue(SetKeyRequest req, StreamObserver<EmptyResponse> out) {
    writtenEmpty(out, () -> {
      if (!req.hasValue()) {
        throw new IllegalArgumentException("value is required");
      }
      return shard(req.getClsId(), req.getPartitionId())
          .commitSetValue(req.getObjectId(), req.getKey(), req.getValue(), WriteContextInterceptor.current());
    });
  }

  @Override
  public void deleteValue(SingleKeyRequest req, StreamObserver<EmptyResponse> out) {
    writtenEmpty(out, () -> shard(req.getClsId(), req.getPartitionId())
        .commitDeleteValue(req.getObjectId(), req.getKey(), WriteContextInterceptor.current()));
  }

  @Override
  public void batchSetValues(BatchSetValuesRequest req, StreamObserver<EmptyResponse> out) {
    writtenEmpty(out, () -> shard(req.getClsId(), req.getPartitionId()).commitBatchSetValues(req.getObjectId(),
        req.getValuesMap(), req.getDeleteKeysList(),
        req.hasExpectedObjectVersion() ? req.getExpectedObjectVersion() : null, WriteContextInterceptor.current()));
  }

  @Override
  public void listValues(ListValuesRequest req, StreamObserver<ValueEnvelope> out) {
    stream(out, () -> shard(req.getClsId(), req.getPartitionId()).listValues(req.getObjectId(),
        req.hasKeyPrefix() ? req.getKeyPrefix() : null, cursor(req.hasCursor(), req.getCursor()), req.getLimit()));
  }

  @Override
  public void stats(StatsRequest req, StreamObserver<StatsResponse> out) {
    unary(out, () -> {
      StatsResponse.Builder b = StatsResponse.newBuilder().setNodeId(ownership.self());
      for (ObjectShard s : shards.all()) {
        ShardStats.Builder sb = ShardStats.newBuilder().setCollection(s.collection()).setPartitionId(s.partition())
            .setShardId(s.shardId()).setRole(PartitionReport.role(ownership, s.collection(), s.partition()));
        STATS_FIELDS.fill(sb, shards.meters(), s.collection(), s.partition());
        ownership.owner(s.collection(), s.partition()).ifPresent(sb::setLeaderNodeId);
        b.addShards(sb);
      }
      addFollowerShards(b);
      return b.addAllPartitions(PartitionReport.of(ownership)).build();
    });
  }

  /**
   * The raft partitions this node holds a replica of but does not lead (no shard open here): their
   * role and leader; their counters are the leader's to report, so none are filled in.
   */
  private void addFollowerShards(StatsResponse.Builder b) {
    for (String c : ownership.collections()) {
      if (ownership.type(c) != dev.oprc.odgm.cluster.ShardType.RAFT || !shards.serves(c)) {
        continue;
      }
      for (int p = 0; p < ownership.partitionCount(c); p++) {
        if (ownership.holds(c, p) && !shards.isOpen(c, p)) {
          ShardStats.Builder sb = ShardStats.newBuilder().setCollection(c).setPartitionId(p)
              .setShardId(shards.shardId(c, p)).setRole(PartitionReport.role(ownership, c, p));
          ownership.owner(c, p).ifPresent(sb::setLeaderNodeId);
          b.addShards(sb);
        }
      }
    }
  }

  @Override
  public void capabilities(CapabilitiesRequest req, StreamObserver<CapabilitiesResponse> out) {
    unary(out, () -> CapabilitiesResponse.newBuilder().setStringIds(true).setStringEntryKeys(true)
        .setGranularEntryStorage(true).setEventPipelineV2(eventsEnabled).setNodeId(ownership.self())
        .addAllPartitions(PartitionReport.of(ownership)).build());
  }

  private ObjectShard shard(String cls, int partition) {
    if (cls == null || cls.isEmpty()) {
      throw new IllegalArgumentException("cls_id is required");
    }
    return shards.shard(cls, partition);
  }

  private static String cursor(boolean present, ByteString cursor) {
    return present ? cursor.toString(StandardCharsets.UTF_8) : null;
  }

  /** Sends one page of a listing; the page is computed before anything is sent. */
  private static <T> void stream(StreamObserver<T> out, Supplier<java.util.List<T>> page) {
    java.util.List<T> items;
    try {
      items = page.get();
    } catch (RuntimeException e) {
      out.onError(toStatus(e));
      return;
    }
    items.forEach(out::onNext);
    out.onCompleted();
  }

  /** Runs {@code body}, which writes nothing, and replies with its result or its failure. */
  static <T> void unary(StreamObserver<T> out, Supplier<T> body) {
    T result;
    try {
      result = body.get();
    } catch (RuntimeException e) {
      out.onError(toStatus(e));
      return;
    }
    out.onNext(result);
    out.onCompleted();
  }

  /**
   * Runs {@code body}, a write returning at commit, and replies once the write is durable. The
   * handler runs on a gRPC transport thread, so it never waits for a WAL sync itself: the reply is
   * sent from the sync that covers the write ({@link Committed#whenDurable}), and the thread goes
   * on to the next call.
   */
  static <T> void written(StreamObserver<T> out, Supplier<Committed<T>> body) {
    Committed<T> written;
    try {
      written = body.get();
    } catch (OutboxFullException e) { // backpressure: tried again later, off this thread
      Backpressure.later(e, body, w -> replyWhenDurable(out, w, w.result()), f -> out.onError(toStatus(f)));
      return;
    } catch (RuntimeException e) {
      out.onError(toStatus(e));
      return;
    }
    replyWhenDurable(out, written, written.result());
  }

  /** {@link #written} for writes answered with an empty response (no second {@link Committed} per call). */
  static void writtenEmpty(StreamObserver<EmptyResponse> out, Supplier<Committed<?>> body) {
    Committed<?> written;
    try {
      written = body.get();
    } catch (OutboxFullException e) { // backpressure: tried again later, off this thread
      Backpressure.later(e, body, w -> replyWhenDurable(out, w, EMPTY), f -> out.onError(toStatus(f)));
      return;
    } catch (RuntimeException e) {
      out.onError(toStatus(e));
      return;
    }
    replyWhenDurable(out, written, EMPTY);
  }

  /** Sends the write's result once it is durable (at once when it is already), else the failure. */
  static <T> void replyWhenDurable(StreamObserver<T> out, Committed<T> written) {
    replyWhenDurable(out, written, written.result());
  }

  /** Sends {@code reply} once {@code written} is durable (at once when it is already), else the failure. */
  private static <T> void replyWhenDurable(StreamObserver<T> out, Committed<?> written, T reply) {
    if (!written.pending()) { // the common case, without a completion to allocate
      out.onNext(reply);
      out.onCompleted();
      return;
    }
    written.whenDurable(failure -> {
      if (failure == null) {
        out.onNext(reply);
        out.onCompleted();
      } else {
        out.onError(toStatus(failure));
      }
    });
  }

  static StatusRuntimeException toStatus(RuntimeException e) {
    if (e instanceof StatusRuntimeException s) {
      return s;
    }
    if (e instanceof dev.oprc.odgm.storage.StorageFullException || e instanceof dev.oprc.odgm.events.OutboxFullException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException();
    }
    if (e instanceof dev.oprc.odgm.replication.WriteOutcomeUnknownException) {
      // committed or not, nobody knows yet: not UNAVAILABLE, which invites a blind retry
      return Status.UNKNOWN.withDescription("write outcome unknown (it may have been applied): " + e.getMessage())
          .asRuntimeException();
    }
    if (e instanceof dev.oprc.odgm.replication.WriteNotProposedException n) {
      // certainly not applied; the caller has given up already
      return (n.cancelled() ? Status.CANCELLED : Status.DEADLINE_EXCEEDED).withDescription(e.getMessage())
          .asRuntimeException();
    }
    if (e instanceof dev.oprc.odgm.storage.StorageFailedException) {
      return Status.DATA_LOSS.withDescription(e.getMessage()).asRuntimeException(); // applied maybe: no retry
    }
    if (e instanceof dev.oprc.odgm.storage.StorageException) {
      return Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
    }
    if (e instanceof NotOwnerException) {
      return Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
    }
    if (e instanceof NotFoundException) {
      return Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException();
    }
    if (e instanceof VersionMismatchException) {
      return Status.ABORTED.withDescription(e.getMessage()).asRuntimeException();
    }
    if (e instanceof InvalidTriggerTargetException) {
      return Status.INVALID_ARGUMENT.withDescription("invalid trigger target: " + e.getMessage()).asRuntimeException();
    }
    if (e instanceof IllegalArgumentException) {
      return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
    }
    INTERNAL_WARN.warn("internal error serving a request", e);
    // the description goes to the client: no exception class, no stack
    return Status.INTERNAL.withDescription("internal error" + (e.getMessage() == null ? "" : ": " + e.getMessage()))
        .asRuntimeException();
  }
}
