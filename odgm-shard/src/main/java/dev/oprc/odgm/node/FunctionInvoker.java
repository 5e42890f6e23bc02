package dev.oprc.odgm.node;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.EventType;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.OprcFunctionGrpc;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.shard.NotFoundException;
import dev.oprc.odgm.shard.ObjectShard;
import dev.oprc.odgm.storage.Committed;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a function for an invocation and fires the object's function triggers with the outcome.
 *
 * <p>Routes come from the collection's {@code fn_routes}: {@code local:NAME} runs an in-process
 * {@link FunctionHandler}; {@code http://host:port}, {@code grpc://host:port} or {@code host:port}
 * calls a remote {@code OprcFunction} over plaintext gRPC ({@code https://host:port} over TLS) with a deadline of ODGM_TRIGGER_TIMEOUT_MS.
 * For a stateful invocation the outcome fires triggers: OKAY fires {@code on_complete} with the
 * response payload; APP_ERROR, SYSTEM_ERROR, INVALID_REQUEST, a missing route, a handler
 * exception or a transport error fire {@code on_error} with the error text in
 * {@code EventInfo.context["error"]}. The events' depth is the invocation's depth + 1.
 *
 * <p>Thread-safe. Owns the gRPC channels it opens; {@link #close()} shuts them down.
 */
final class FunctionInvoker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FunctionInvoker.class);
  private static final int MAX_ERROR_TEXT = 1024;

  private final ShardRegistry shards;
  private final Map<String, FunctionHandler> handlers;
  private final long timeoutMillis;
  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final OdgmNode node;
  private final ConcurrentHashMap<String, RouteGate> gates = new ConcurrentHashMap<>();
  private final int maxPerRoute;
  private final int routeQueueBound;

  FunctionInvoker(ShardRegistry shards, Map<String, FunctionHandler> handlers, long timeoutMillis, OdgmNode node) {
    this(shards, handlers, timeoutMillis, node, 16, 1024);
  }

  FunctionInvoker(ShardRegistry shards, Map<String, FunctionHandler> handlers, long timeoutMillis, OdgmNode node,
      int maxPerRoute, int routeQueueBound) {
    this.maxPerRoute = maxPerRoute;
    this.routeQueueBound = routeQueueBound;
    this.shards = shards;
    this.handlers = Map.copyOf(handlers);
    this.timeoutMillis = timeoutMillis;
    this.node = node;
  }

  /** Observes every function run (for metrics); called on the invoking thread, must not block. */
  interface DurationObserver {
    void observe(String collection, String fn, long nanos, boolean ok);
  }

  private volatile DurationObserver observer;

  void observe(DurationObserver o) {
    this.observer = o;
  }

  /**
   * Invokes and fires function events; never throws for a function failure (it is in the
   * response). Returns once the function event is durable.
   */
  InvocationResponse invoke(String cls, int partition, String fn, String objectId, Map<String, String> options,
      byte[] payload, String invocationId) {
    return durable(invokeCommitted(cls, partition, fn, objectId, options, payload, invocationId));
  }

  /** {@link #invoke} that returns once the function event is committed, with its durability to wait for. */
  private Committed<InvocationResponse> invokeCommitted(String cls, int partition, String fn, String objectId,
      Map<String, String> options, byte[] payload, String invocationId) {
    FunctionCall call = new FunctionCall(cls, partition, fn, objectId, options, payload, invocationId, node);
    long started = System.nanoTime();
    try {
      return finish(call, run(call), null, started);
    } catch (Exception e) {
      return finish(call, null, e, started);
    }
  }

  /**
   * Like {@link #invoke}, but a remote route is called without blocking the calling thread, at
   * most ODGM_INVOKE_MAX_CONCURRENCY_PER_ROUTE calls per route at once (others wait in the
   * route's queue), so one slow function cannot hold the threads other functions need. Local
   * routes run on the calling thread. The future never fails: failures are in the response.
   */
  CompletableFuture<InvocationResponse> invokeAsync(String cls, int partition, String fn, String objectId,
      Map<String, String> options, byte[] payload, String invocationId) {
    return invokeAsyncCommitted(cls, partition, fn, objectId, options, payload, invocationId)
        .thenApply(FunctionInvoker::durable);
  }

  /**
   * {@link #invokeAsync} that completes once the function event is committed, with its
   * durability for the caller to wait for (a reply path that must not block).
   */
  CompletableFuture<Committed<InvocationResponse>> invokeAsyncCommitted(String cls, int partition, String fn,
      String objectId, Map<String, String> options, byte[] payload, String invocationId) {
    FuncInvokeRoute route = shards.route(cls, fn);
    if (route == null || route.getUrl().startsWith("local:")) {
      return CompletableFuture.completedFuture(
          invokeCommitted(cls, partition, fn, objectId, options, payload, invocationId));
    }
    FunctionCall call = new FunctionCall(cls, partition, fn, objectId, options, payload, invocationId, node);
    long started = System.nanoTime();
    RouteGate gate = gates.computeIfAbsent(cls + "/" + fn, k -> new RouteGate(maxPerRoute, routeQueueBound));
    return gate.submit(() -> remote(call, route.getUrl()))
        .handle((resp, err) -> finish(call, resp, err instanceof CompletionException && err.getCause() != null
            ? err.getCause() : err, started));
  }

  /** The response once its function event is durable; a function event that never will be is only logged. */
  private static InvocationResponse durable(Committed<InvocationResponse> c) {
    try {
      return c.awaitDurable();
    } catch (RuntimeException e) {
      log.debug("function event not durable: {}", e.toString());
      return c.result();
    }
  }

  /** The outcome of a run: error text, not-run mark, duration, invocation id and function events. */
  private Committed<InvocationResponse> finish(FunctionCall call, InvocationResponse ran, Throwable failure,
      long started) {
    InvocationResponse resp = ran;
    String error = null;
    if (failure instanceof StatusRuntimeException e) {
      error = "transport: " + e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
          : ": " + e.getStatus().getDescription());
      resp = notRun(failure(ResponseStatus.SYSTEM_ERROR, error));
    } else if (failure != null) {
      error = "SYSTEM_ERROR: " + describe(failure);
      resp = notRun(failure(ResponseStatus.SYSTEM_ERROR, error));
    } else if (resp.getStatus() != ResponseStatus.OKAY) {
      error = resp.getStatus().name()
          + (resp.hasPayload() && !resp.getPayload().isEmpty() ? ": " + text(resp.getPayload()) : "");
    }
    DurationObserver o = observer;
    if (o != null) {
      o.observe(call.clsId(), call.fnId(), System.nanoTime() - started, error == null);
    }
    if (call.invocationId() != null) {
      resp = resp.toBuilder().setInvocationId(call.invocationId()).build();
    }
    Committed<Integer> event = call.objectId() != null ? fireFunctionEvent(call, resp, error) : null;
    return event == null ? Committed.durable(resp) : event.withResult(resp);
  }

  /** One asynchronous gRPC call of a remote route, with the trigger timeout as deadline. */
  private CompletableFuture<InvocationResponse> remote(FunctionCall call, String url) {
    CompletableFuture<InvocationResponse> f = new CompletableFuture<>();
    io.grpc.stub.StreamObserver<InvocationResponse> done = new io.grpc.stub.StreamObserver<>() {
      @Override
      public void onNext(InvocationResponse r) {
        f.complete(r);
      }

      @Override
      public void onError(Throwable t) {
        f.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        f.complete(InvocationResponse.getDefaultInstance()); // no-op when onNext came first
      }
    };
    OprcFunctionGrpc.OprcFunctionStub stub = OprcFunctionGrpc.newStub(channel(url))
        .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
    if (call.stateful()) {
      stub.invokeObj(ObjectInvocationRequest.newBuilder().setClsId(call.clsId()).setPartitionId(call.partitionId())
          .setFnId(call.fnId()).setObjectId(call.objectId()).putAllOptions(call.options())
          .setPayload(ByteString.copyFrom(call.payload())).build(), done);
    } else {
      stub.invokeFn(InvocationRequest.newBuilder().setClsId(call.clsId()).setPartitionId(call.partitionId())
          .setFnId(call.fnId()).putAllOptions(call.options()).setPayload(ByteString.copyFrom(call.payload())).build(),
          done);
    }
    return f;
  }

  private ManagedChannel channel(String url) {
    boolean tls = url.startsWith("https://");
    return channels.computeIfAbsent((tls ? "tls:" : "") + target(url), k -> {
      ManagedChannelBuilder<?> b = ManagedChannelBuilder.forTarget(target(url));
      return (tls ? b.useTransportSecurity() : b.usePlaintext()).build();
    });
  }

  private InvocationResponse run(FunctionCall call) throws Exception {
    FuncInvokeRoute route = shards.route(call.clsId(), call.fnId());
    if (route == null) {
      throw new NotFoundException("function '" + call.fnId() + "' has no route in collection '" + call.clsId() + "'");
    }
    String url = route.getUrl();
    if (url.startsWith("local:")) {
      String name = url.substring("local:".length());
      FunctionHandler h = handlers.get(name);
      if (h == null) {
        throw new NotFoundException("no local function handler '" + name + "' (route of " + call.fnId() + ")");
      }
      InvocationResponse r = h.invoke(call);
      return r == null ? InvocationResponse.getDefaultInstance() : r;
    }
    OprcFunctionGrpc.OprcFunctionBlockingStub stub =
        OprcFunctionGrpc.newBlockingStub(channel(url)).withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
    if (call.stateful()) {
      return stub.invokeObj(ObjectInvocationRequest.newBuilder().setClsId(call.clsId())
          .setPartitionId(call.partitionId()).setFnId(call.fnId()).setObjectId(call.objectId())
          .putAllOptions(call.options()).setPayload(ByteString.copyFrom(call.payload())).build());
    }
    return stub.invokeFn(InvocationRequest.newBuilder().setClsId(call.clsId()).setPartitionId(call.partitionId())
        .setFnId(call.fnId()).putAllOptions(call.options()).setPayload(ByteString.copyFrom(call.payload())).build());
  }

  /** Commits the call's function event; null when there is nothing to fire. */
  private Committed<Integer> fireFunctionEvent(FunctionCall call, InvocationResponse resp, String error) {
    try {
      ObjectShard shard = shards.shard(call.clsId(), call.partitionId());
      if (error == null) {
        return shard.commitFunctionEvent(call.objectId(), EventType.FUNC_COMPLETE, call.fnId(),
            resp.hasPayload() ? resp.getPayload().toByteArray() : null, null, resp.getStatus().name(),
            call.invocationId(), call.writeContext());
      } else {
        return shard.commitFunctionEvent(call.objectId(), EventType.FUNC_ERROR, call.fnId(), null,
            error.length() > MAX_ERROR_TEXT ? error.substring(0, MAX_ERROR_TEXT) : error, resp.getStatus().name(),
            call.invocationId(), call.writeContext());
      }
    } catch (RuntimeException e) {
      // the object or shard is not here, or the id is invalid: nothing to fire
      log.debug("no function event for {}/{}/{}: {}", call.clsId(), call.partitionId(), call.objectId(), e.toString());
      return null;
    }
  }

  /** An exception as error text for a client: its message, never its class name. */
  static String describe(Throwable e) {
    return e.getMessage() != null ? e.getMessage() : "the function failed without a message";
  }

  static String target(String url) {
    String t = url;
    for (String scheme : new String[] {"http://", "https://", "grpc://"}) {
      if (t.startsWith(scheme)) {
        t = t.substring(scheme.length());
      }
    }
    int slash = t.indexOf('/');
    return slash >= 0 ? t.substring(0, slash) : t;
  }

  /**
   * Result header saying the function did not run (refused, no route, unreachable), so an
   * acknowledging sender does not take the result as delivery and sends again.
   */
  static final String NOT_RUN_HEADER = "odgm-not-run";

  /** {@code resp} marked with {@link #NOT_RUN_HEADER}. */
  static InvocationResponse notRun(InvocationResponse resp) {
    return resp.toBuilder().putHeaders(NOT_RUN_HEADER, "true").build();
  }

  static InvocationResponse failure(ResponseStatus status, String message) {
    return InvocationResponse.newBuilder().setStatus(status).setPayload(ByteString.copyFromUtf8(message)).build();
  }

  private static String text(ByteString b) {
    String s = b.toString(StandardCharsets.UTF_8);
    return s.length() > MAX_ERROR_TEXT ? s.substring(0, MAX_ERROR_TEXT) : s;
  }

  @Override
  public void close() {
    for (ManagedChannel ch : channels.values()) {
      ch.shutdown();
    }
    for (ManagedChannel ch : channels.values()) {
      try {
        if (!ch.awaitTermination(2, TimeUnit.SECONDS)) {
          ch.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ch.shutdownNow();
      }
    }
  }
}
