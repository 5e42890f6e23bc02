package dev.oprc.odgm.node;

import dev.oprc.odgm.events.TriggerHeaders;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.shard.WriteContext;
import dev.oprc.odgm.tracing.TraceSpan;
import dev.oprc.odgm.tracing.Tracing;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Carries trigger depth and trace context from gRPC metadata into the write: a function invoked
 * by a trigger forwards the {@code odgm-trigger-depth} (and {@code traceparent}) it received in
 * its invocation options as metadata on its DataService calls, and the events of those writes get
 * that depth + 1. A call without the header is a client write (depth 0).
 *
 * <p>With traces on, each DataService write is a server span, a child of the call's
 * {@code traceparent} when it has one, ended when the call closes; the write's events carry the
 * span's traceparent instead. With traces off nothing of that runs.
 */
final class WriteContextInterceptor implements ServerInterceptor {
  static final Context.Key<WriteContext> WRITE_CONTEXT = Context.key("odgm-write-context");
  static final Metadata.Key<String> DEPTH = Metadata.Key.of(TriggerHeaders.DEPTH, Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of(TriggerHeaders.TRACEPARENT, Metadata.ASCII_STRING_MARSHALLER);
  /** The DataService methods that write. */
  static final Set<String> WRITES = Set.of(DataServiceGrpc.getSetMethod().getFullMethodName(),
      DataServiceGrpc.getMergeMethod().getFullMethodName(), DataServiceGrpc.getDeleteMethod().getFullMethodName(),
      DataServiceGrpc.getSetValueMethod().getFullMethodName(),
      DataServiceGrpc.getDeleteValueMethod().getFullMethodName(),
      DataServiceGrpc.getBatchSetValuesMethod().getFullMethodName());

  private final Tracing tracing;

  WriteContextInterceptor(Tracing tracing) {
    this.tracing = tracing;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String depth = headers.get(DEPTH);
    String trace = headers.get(TRACEPARENT);
    if (tracing.enabled() && WRITES.contains(call.getMethodDescriptor().getFullMethodName())) {
      return traced(call, headers, next, depth, trace);
    }
    if (depth == null && trace == null) {
      return next.startCall(call, headers);
    }
    WriteContext wc = new WriteContext(depthOf(depth), trace);
    return Contexts.interceptCall(Context.current().withValue(WRITE_CONTEXT, wc), call, headers, next);
  }

  /** The write as a span from here until the call closes (its reply is sent once the write is durable). */
  private <Q, R> ServerCall.Listener<Q> traced(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next,
      String depth, String trace) {
    TraceSpan span = tracing.startWrite(call.getMethodDescriptor().getFullMethodName(), null, -1, trace);
    ServerCall<Q, R> ending = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        span.end(status.isOk() ? null : status.getCode().name());
        super.close(status, trailers);
      }
    };
    WriteContext wc = new WriteContext(depthOf(depth), span.traceparent());
    ServerCall.Listener<Q> l = Contexts.interceptCall(Context.current().withValue(WRITE_CONTEXT, wc), ending,
        headers, next);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(l) {
      @Override
      public void onCancel() {
        span.end(Status.Code.CANCELLED.name());
        super.onCancel();
      }
    };
  }

  private static int depthOf(String depth) {
    if (depth == null) {
      return 0;
    }
    Map<String, String> options = new HashMap<>();
    options.put(TriggerHeaders.DEPTH, depth);
    return TriggerHeaders.causedEventDepth(options);
  }

  static WriteContext current() {
    WriteContext wc = WRITE_CONTEXT.get();
    return wc == null ? WriteContext.CLIENT : wc;
  }
}
