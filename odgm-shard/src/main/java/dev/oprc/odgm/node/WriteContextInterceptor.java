package dev.oprc.odgm.node;

import dev.oprc.odgm.events.TriggerHeaders;
import dev.oprc.odgm.shard.WriteContext;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.HashMap;
import java.util.Map;

/**
 * Carries trigger depth and trace context from gRPC metadata into the write: a function invoked
 * by a trigger forwards the {@code odgm-trigger-depth} (and {@code traceparent}) it received in
 * its invocation options as metadata on its DataService calls, and the events of those writes get
 * that depth + 1. A call without the header is a client write (depth 0).
 */
final class WriteContextInterceptor implements ServerInterceptor {
  static final Context.Key<WriteContext> WRITE_CONTEXT = Context.key("odgm-write-context");
  static final Metadata.Key<String> DEPTH = Metadata.Key.of(TriggerHeaders.DEPTH, Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of(TriggerHeaders.TRACEPARENT, Metadata.ASCII_STRING_MARSHALLER);

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String depth = headers.get(DEPTH);
    String trace = headers.get(TRACEPARENT);
    if (depth == null && trace == null) {
      return next.startCall(call, headers);
    }
    Map<String, String> options = new HashMap<>();
    if (depth != null) {
      options.put(TriggerHeaders.DEPTH, depth);
    }
    WriteContext wc = new WriteContext(TriggerHeaders.causedEventDepth(options), trace);
    return Contexts.interceptCall(Context.current().withValue(WRITE_CONTEXT, wc), call, headers, next);
  }

  static WriteContext current() {
    WriteContext wc = WRITE_CONTEXT.get();
    return wc == null ? WriteContext.CLIENT : wc;
  }
}
