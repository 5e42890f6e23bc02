package dev.oprc.odgm.node;

import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.OprcFunctionGrpc;
import dev.oprc.odgm.storage.Committed;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * ODGM's own {@code oprc.OprcFunction}: a synchronous invocation of a function hosted by this
 * node. The function's outcome is returned and, for object invocations, fires the object's
 * function triggers (see {@link FunctionInvoker}). A call for a collection this node does not
 * serve is proxied over Zenoh to the node that does ({@link ZenohInvokeProxy}), within the call's
 * deadline (ODGM_TRIGGER_TIMEOUT_MS when it has none). No call holds a thread while a remote
 * function runs.
 *
 * <p>Thread-safe.
 */
final class FunctionServiceImpl extends OprcFunctionGrpc.OprcFunctionImplBase {
  private final FunctionInvoker invoker;
  private final ShardRegistry shards;
  private final ZenohInvokeProxy proxy;
  private final long defaultTimeoutMillis;

  FunctionServiceImpl(FunctionInvoker invoker, ShardRegistry shards, ZenohInvokeProxy proxy,
      long defaultTimeoutMillis) {
    this.invoker = invoker;
    this.shards = shards;
    this.proxy = proxy;
    this.defaultTimeoutMillis = defaultTimeoutMillis;
  }

  @Override
  public void invokeFn(InvocationRequest req, StreamObserver<InvocationResponse> out) {
    if (!shards.serves(req.getClsId())) {
      proxied(out, t -> proxy.invokeFn(req, t));
      return;
    }
    reply(out, () -> {
      requireRoute(req.getClsId(), req.getPartitionId(), req.getFnId());
      return invoker.invokeAsyncCommitted(req.getClsId(), req.getPartitionId(), req.getFnId(), null, req.getOptionsMap(),
          req.getPayload().toByteArray(), UUID.randomUUID().toString());
    });
  }

  @Override
  public void invokeObj(ObjectInvocationRequest req, StreamObserver<InvocationResponse> out) {
    if (!shards.serves(req.getClsId())) {
      proxied(out, t -> proxy.invokeObj(req, t));
      return;
    }
    reply(out, () -> {
      if (!req.hasObjectId() || req.getObjectId().isEmpty()) {
        throw new IllegalArgumentException("object_id is required for InvokeObj");
      }
      requireRoute(req.getClsId(), req.getPartitionId(), req.getFnId()).ids().objectId(req.getObjectId());
      return invoker.invokeAsyncCommitted(req.getClsId(), req.getPartitionId(), req.getFnId(), req.getObjectId(),
          req.getOptionsMap(), req.getPayload().toByteArray(), UUID.randomUUID().toString());
    });
  }

  /**
   * Starts the invocation and replies when it is done, holding no thread meanwhile: a remote
   * function is called asynchronously (at most ODGM_INVOKE_MAX_CONCURRENCY_PER_ROUTE per route),
   * and the reply, once the function's completion event (a write) is committed, waits for that
   * write's WAL sync without a thread ({@link Committed#whenDurable}).
   */
  private static void reply(StreamObserver<InvocationResponse> out,
      java.util.function.Supplier<CompletableFuture<Committed<InvocationResponse>>> start) {
    CompletableFuture<Committed<InvocationResponse>> done;
    try {
      done = start.get();
    } catch (RuntimeException e) {
      out.onError(DataServiceImpl.toStatus(e));
      return;
    }
    var unused = done.whenComplete((committed, err) -> {
      if (err != null) {
        out.onError(DataServiceImpl.toStatus(err instanceof RuntimeException r ? r : new IllegalStateException(err)));
        return;
      }
      DataServiceImpl.replyWhenDurable(out, committed);
    });
  }

  /**
   * NOT_FOUND (as upstream) for a partition outside the collection or a function without a route;
   * returns the partition's shard.
   */
  private dev.oprc.odgm.shard.ObjectShard requireRoute(String cls, int partition, String fn) {
    dev.oprc.odgm.shard.ObjectShard shard = shards.shard(cls, partition);
    if (shards.route(cls, fn) == null) {
      throw new dev.oprc.odgm.shard.NotFoundException("function '" + fn + "' has no route in collection '" + cls
          + "'");
    }
    return shard;
  }

  private void proxied(StreamObserver<InvocationResponse> out,
      java.util.function.Function<Duration, CompletableFuture<InvocationResponse>> call) {
    Deadline d = Context.current().getDeadline();
    long ms = d == null ? defaultTimeoutMillis : d.timeRemaining(TimeUnit.MILLISECONDS);
    if (ms <= 0) {
      out.onError(Status.DEADLINE_EXCEEDED.withDescription("deadline passed before proxying").asRuntimeException());
      return;
    }
    CompletableFuture<InvocationResponse> f;
    try {
      f = call.apply(Duration.ofMillis(ms));
    } catch (RuntimeException e) {
      out.onError(DataServiceImpl.toStatus(e));
      return;
    }
    var unused = f.whenComplete((resp, err) -> {
      if (err == null) {
        out.onNext(resp);
        out.onCompleted();
      } else {
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        // a Status from the proxy's verdict; anything else is the transport (closed session, oversize payload)
        out.onError(cause instanceof io.grpc.StatusRuntimeException sre ? sre
            : Status.UNAVAILABLE.withDescription("cannot query over Zenoh: " + cause.getMessage()).asRuntimeException());
      }
    });
  }
}
