package dev.oprc.odgm.ops;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps a gRPC service so a request that is not a valid protobuf message is answered
 * INVALID_ARGUMENT naming the method, instead of grpc-java's UNKNOWN "Application error
 * processing RPC" with a SEVERE stack trace per request. At most one WARN line per 10 s; each one
 * is counted ({@link #malformed()}).
 *
 * <p>How: the request marshaller returns null instead of throwing, and a listener closes the call
 * when it sees null (a protobuf parser never returns null for valid bytes). Thread-safe.
 */
public final class StrictRequests {
  private static final Logger log = LoggerFactory.getLogger(StrictRequests.class);
  private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final LongAdder malformed = new LongAdder();
  private final AtomicLong lastWarn = new AtomicLong(System.nanoTime() - TimeUnit.DAYS.toNanos(1));

  /** Requests refused because they did not parse. */
  public long malformed() {
    return malformed.sum();
  }

  /** {@code service} with every method's request parsing guarded. */
  public ServerServiceDefinition wrap(ServerServiceDefinition service) {
    ServiceDescriptor old = service.getServiceDescriptor();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      methods.add(guard(m));
    }
    ServiceDescriptor.Builder sd = ServiceDescriptor.newBuilder(old.getName())
        .setSchemaDescriptor(old.getSchemaDescriptor());
    methods.forEach(m -> sd.addMethod(m.getMethodDescriptor()));
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(sd.build());
    methods.forEach(b::addMethod);
    return b.build();
  }

  private <Q, R> ServerMethodDefinition<Q, R> guard(ServerMethodDefinition<Q, R> def) {
    MethodDescriptor<Q, R> m = def.getMethodDescriptor();
    MethodDescriptor<Q, R> lenient = m.toBuilder(new NullOnError<>(m.getRequestMarshaller()),
        m.getResponseMarshaller()).build();
    ServerCallHandler<Q, R> inner = def.getServerCallHandler();
    ServerCallHandler<Q, R> h = (call, headers) -> new Guard<>(call, inner.startCall(call, headers));
    return ServerMethodDefinition.create(lenient, h);
  }

  private static final class NullOnError<Q> implements MethodDescriptor.Marshaller<Q> {
    private final MethodDescriptor.Marshaller<Q> inner;

    NullOnError(MethodDescriptor.Marshaller<Q> inner) {
      this.inner = inner;
    }

    @Override
    public InputStream stream(Q value) {
      return inner.stream(value);
    }

    @Override
    public Q parse(InputStream stream) {
      try {
        return inner.parse(stream);
      } catch (RuntimeException e) {
        return null; // Guard answers INVALID_ARGUMENT
      }
    }
  }

  /** Closes the call on a request that did not parse and drops the events that follow. */
  private final class Guard<Q, R> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final ServerCall<Q, R> call;
    private boolean refused; // serialized: a call's listener events never run concurrently

    Guard(ServerCall<Q, R> call, ServerCall.Listener<Q> delegate) {
      super(delegate);
      this.call = call;
    }

    @Override
    public void onMessage(Q message) {
      if (refused) {
        return;
      }
      if (message == null) {
        refused = true;
        malformed.increment();
        String method = call.getMethodDescriptor().getFullMethodName();
        warnOnce(method);
        call.close(Status.INVALID_ARGUMENT.withDescription("the request to " + method
            + " is not a valid protobuf message of the method's request type"), new Metadata());
        return;
      }
      super.onMessage(message);
    }

    @Override
    public void onHalfClose() {
      if (!refused) {
        super.onHalfClose();
      }
    }

    @Override
    public void onReady() {
      if (!refused) {
        super.onReady();
      }
    }
  }

  private void warnOnce(String method) {
    long now = System.nanoTime();
    long prev = lastWarn.get();
    if (now - prev > WARN_INTERVAL_NANOS && lastWarn.compareAndSet(prev, now)) {
      log.warn("refused a malformed protobuf request to {} ({} so far; further ones within 10 s at DEBUG)", method,
          malformed.sum());
    } else {
      log.debug("refused a malformed protobuf request to {}", method);
    }
  }
}
