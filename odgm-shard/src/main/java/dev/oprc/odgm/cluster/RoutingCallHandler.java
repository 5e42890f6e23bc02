package dev.oprc.odgm.cluster;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.util.Locale;

/**
 * Waits for a call's single request message, then serves it locally (the wrapped handler) or
 * forwards it to the owner ({@link Forwarder#route}). Not thread-safe by itself: gRPC calls a
 * call's listener serially, and the forwarded call's listener only touches the server call.
 */
final class RoutingCallHandler<Q, R> implements ServerCallHandler<Q, R> {
  private final Forwarder forwarder;
  private final MethodDescriptor<Q, R> method;
  private final ServerCallHandler<Q, R> local;

  RoutingCallHandler(Forwarder forwarder, MethodDescriptor<Q, R> method, ServerCallHandler<Q, R> local) {
    this.forwarder = forwarder;
    this.method = method;
    this.local = local;
  }

  @Override
  public ServerCall.Listener<Q> startCall(ServerCall<Q, R> call, Metadata headers) {
    call.request(1); // the one request message routes the call
    return new Listener(call, headers);
  }

  private final class Listener extends ServerCall.Listener<Q> {
    private final ServerCall<Q, R> call;
    private final Metadata headers;
    private ServerCall.Listener<Q> delegate; // serving locally
    private ClientCall<Q, R> remote; // forwarded
    private boolean refused;

    Listener(ServerCall<Q, R> call, Metadata headers) {
      this.call = call;
      this.headers = headers;
    }

    @Override
    public void onMessage(Q request) {
      if (delegate != null) {
        delegate.onMessage(request);
        return;
      }
      if (remote != null || refused) {
        return;
      }
      Forwarder.Route r = forwarder.route(request, headers);
      if (r instanceof Forwarder.Remote rem) {
        forward(rem.owner(), request);
      } else if (r instanceof Forwarder.Refused ref) {
        refused = true;
        call.close(ref.status(), new Metadata());
      } else {
        delegate = local.startCall(call, headers);
        delegate.onMessage(request);
      }
    }

    private void forward(long owner, Q request) {
      ManagedChannel ch = forwarder.channels().channel(owner);
      if (ch == null) {
        refused = true;
        call.close(Status.UNAVAILABLE.withDescription("node is shutting down; retry"), new Metadata());
        return;
      }
      CallOptions opts = CallOptions.DEFAULT;
      Deadline d = Context.current().getDeadline(); // the caller's deadline, kept end to end
      if (d != null) {
        opts = opts.withDeadline(d);
      }
      remote = ch.newCall(method, opts);
      Metadata out = copy(headers);
      out.put(Forwarder.FORWARDED_KEY, Long.toUnsignedString(forwarder.self()));
      remote.start(new Relay<>(call, remote, owner), out);
      remote.sendMessage(request);
      remote.request(1);
    }

    @Override
    public void onHalfClose() {
      if (remote != null) {
        remote.halfClose();
      } else if (!refused) {
        if (delegate == null) { // no request at all: the service's own handler reports it
          delegate = local.startCall(call, headers);
        }
        delegate.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      if (remote != null) {
        remote.cancel("the caller cancelled", null);
      } else if (delegate != null) {
        delegate.onCancel();
      }
    }

    @Override
    public void onComplete() {
      if (delegate != null) {
        delegate.onComplete();
      }
    }

    @Override
    public void onReady() {
      if (delegate != null) {
        delegate.onReady();
      }
    }
  }

  /**
   * Passes the owner's headers, messages and status back to the caller unchanged, except an
   * UNAVAILABLE raised by this node's channel (it carries a cause; a status the owner sent does
   * not), which is reworded to name the unreachable owner.
   */
  private static final class Relay<Q, R> extends ClientCall.Listener<R> {
    private final ServerCall<Q, R> call;
    private final ClientCall<Q, R> remote;
    private final long owner;
    private boolean headersSent;

    Relay(ServerCall<Q, R> call, ClientCall<Q, R> remote, long owner) {
      this.call = call;
      this.remote = remote;
      this.owner = owner;
    }

    @Override
    public void onHeaders(Metadata h) {
      call.sendHeaders(copy(h));
      headersSent = true;
    }

    @Override
    public void onMessage(R message) {
      if (!headersSent) {
        call.sendHeaders(new Metadata());
        headersSent = true;
      }
      call.sendMessage(message);
      remote.request(1);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      if (status.getCode() == Status.Code.UNAVAILABLE && status.getCause() != null) {
        // our channel failed (the owner never answered): say so, or the caller blames the node it called
        status = Status.UNAVAILABLE.withCause(status.getCause()).withDescription("cannot reach node "
            + Long.toUnsignedString(owner) + ", the owner of this partition (" + status.getDescription()
            + "); retry once it is back or a new leader is elected");
      }
      call.close(status, copy(trailers));
    }
  }

  /** The application headers of {@code src}: transport and gRPC-reserved ones are the channel's own. */
  static Metadata copy(Metadata src) {
    Metadata out = new Metadata();
    for (String k : src.keys()) {
      String lk = k.toLowerCase(Locale.ROOT);
      if (lk.startsWith(":") || lk.startsWith("grpc-") || lk.equals("content-type") || lk.equals("te")
          || lk.equals("user-agent") || lk.equals("host") || lk.equals(Forwarder.FORWARDED_BY)) {
        continue;
      }
      if (lk.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        Metadata.Key<byte[]> key = Metadata.Key.of(lk, Metadata.BINARY_BYTE_MARSHALLER);
        Iterable<byte[]> vs = src.getAll(key);
        if (vs != null) {
          vs.forEach(v -> out.put(key, v));
        }
      } else {
        Metadata.Key<String> key = Metadata.Key.of(lk, Metadata.ASCII_STRING_MARSHALLER);
        Iterable<String> vs = src.getAll(key);
        if (vs != null) {
          vs.forEach(v -> out.put(key, v));
        }
      }
    }
    return out;
  }
}
