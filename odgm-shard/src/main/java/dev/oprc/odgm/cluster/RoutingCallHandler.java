package dev.oprc.odgm.cluster;

import dev.oprc.odgm.storage.WriteDeadline;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientStreamTracer;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Waits for a call's single request message, then serves it locally (the wrapped handler, on
 * the calling thread or, for a call that may block, on the node's blocking pool) or forwards it to
 * the owner ({@link Forwarder#route}). Not thread-safe by itself: gRPC calls a
 * call's listener serially, and the forwarded call's listener only touches the server call.
 */
final class RoutingCallHandler<Q, R> implements ServerCallHandler<Q, R> {
  /**
   * The methods without side effects: a forward of one that fails after its request was sent is
   * still UNAVAILABLE (retrying it is harmless). Every other method (any we do not know included)
   * may write, so such a failure is UNKNOWN.
   */
  private static final Set<String> READ_ONLY = Set.of("Get", "GetValue", "ListObjects", "ListValues", "Stats",
      "Capabilities");

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
    private Progress progress; // of the forwarded call
    private Offloaded<Q> offloaded; // served locally on the blocking pool
    private boolean refused;

    Listener(ServerCall<Q, R> call, Metadata headers) {
      this.call = call;
      this.headers = headers;
    }

    @Override
    public void onMessage(Q request) {
      if (offloaded != null) {
        return; // a unary or server-streaming call has one request
      }
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
      } else if (r instanceof Forwarder.Local loc) {
        Executor pool = forwarder.localExecutor(method.getFullMethodName(), loc.cls(), request);
        if (pool == null) {
          delegate = local.startCall(call, headers);
          delegate.onMessage(request);
        } else {
          offloaded = new Offloaded<>(pool, Context.current(), request);
        }
      }
    }

    private void forward(long owner, Q request) {
      ManagedChannel ch = forwarder.channels().channel(owner);
      if (ch == null) {
        refused = true;
        call.close(Status.UNAVAILABLE.withDescription("node is shutting down; retry"), new Metadata());
        return;
      }
      long abs = absoluteDeadline();
      Status late = abs < 0 ? null : lateStatus(Context.current(), abs, System.currentTimeMillis(), "before it was"
          + " forwarded to node " + Long.toUnsignedString(owner) + "; nothing was sent");
      if (abs < 0 || late != null) {
        refused = true;
        if (late != null) {
          call.close(late, new Metadata());
        }
        return;
      }
      progress = new Progress();
      CallOptions opts = CallOptions.DEFAULT.withStreamTracerFactory(progress);
      Deadline d = Context.current().getDeadline(); // the caller's deadline, kept end to end
      if (d != null) {
        opts = opts.withDeadline(d);
      }
      remote = ch.newCall(method, opts);
      Metadata out = copy(headers);
      out.put(Forwarder.FORWARDED_KEY, Long.toUnsignedString(forwarder.self()));
      out.removeAll(AbsoluteDeadline.KEY);
      if (abs != AbsoluteDeadline.NONE) {
        out.put(AbsoluteDeadline.KEY, Long.toString(abs)); // absolute: a paused owner cannot restart it
      }
      boolean readOnly = READ_ONLY.contains(method.getBareMethodName());
      remote.start(new Relay<>(call, remote, owner, progress, readOnly), out);
      remote.sendMessage(request);
      remote.request(1);
    }

    @Override
    public void onHalfClose() {
      if (offloaded != null) {
        if (!offloaded.start(this::serveOffloaded)) {
          refused = true;
          call.close(Status.RESOURCE_EXHAUSTED.withDescription("node busy: its pool for blocking calls ("
              + method.getFullMethodName() + ") is full; retry later"), new Metadata());
        }
      } else if (remote != null) {
        remote.halfClose();
      } else if (!refused) {
        if (delegate == null) { // no request at all: the service's own handler reports it
          delegate = local.startCall(call, headers);
        }
        delegate.onHalfClose();
      }
    }

    /**
     * The call's {@link AbsoluteDeadline}; -1 after closing the call INVALID_ARGUMENT for a
     * malformed header.
     */
    private long absoluteDeadline() {
      try {
        return AbsoluteDeadline.of(Context.current(), headers, System.currentTimeMillis());
      } catch (IllegalArgumentException e) {
        call.close(Status.INVALID_ARGUMENT.withDescription(e.getMessage()), new Metadata());
        return -1;
      }
    }

    /**
     * Runs on the blocking pool: the call as the service sees it, from its start; not started at
     * all (nothing applied) when the call was cancelled or its deadline (gRPC's or the absolute
     * one) passed while it waited. Its writes carry the deadline to the committer
     * ({@link WriteDeadline}), which drops one that becomes late before it is proposed.
     */
    private void serveOffloaded(Q request) {
      Context ctx = Context.current();
      long abs = absoluteDeadline();
      if (abs < 0) {
        return;
      }
      Status late = lateStatus(ctx, abs, System.currentTimeMillis(), "while it waited for the node's pool for"
          + " blocking calls; it was not started, nothing was applied");
      if (late != null) {
        call.close(late, new Metadata()); // gRPC has already told the caller; this ends our side
        return;
      }
      WriteDeadline.call(new WriteDeadline(abs, ctx::isCancelled), () -> {
        delegate = local.startCall(call, headers);
        delegate.onMessage(request);
        delegate.onHalfClose();
        return null;
      });
    }

    @Override
    public void onCancel() {
      if (remote != null) {
        progress.callerCancelled = true;
        remote.cancel("the caller cancelled", null);
      } else {
        toDelegate(ServerCall.Listener::onCancel);
      }
    }

    @Override
    public void onComplete() {
      toDelegate(ServerCall.Listener::onComplete);
    }

    @Override
    public void onReady() {
      toDelegate(ServerCall.Listener::onReady);
    }

    /** Passes a callback to the locally served call, on the pool after what is queued there when it was moved. */
    private void toDelegate(Consumer<ServerCall.Listener<Q>> callback) {
      if (offloaded != null) {
        offloaded.then(() -> {
          if (delegate != null) {
            callback.accept(delegate);
          }
        });
      } else if (delegate != null) {
        callback.accept(delegate);
      }
    }
  }

  /**
   * DEADLINE_EXCEEDED or CANCELLED when the call of {@code ctx} has ended without us (its
   * deadline passed, the caller cancelled, the server is stopping), as gRPC itself answers it;
   * null while it is live.
   */
  static Status lateStatus(Context ctx, long absoluteDeadline, long nowMillis, String when) {
    Deadline d = ctx.getDeadline();
    if ((d != null && d.isExpired()) || nowMillis >= absoluteDeadline) {
      return Status.DEADLINE_EXCEEDED.withDescription("the call's deadline passed " + when);
    }
    if (ctx.isCancelled()) {
      return Status.CANCELLED.withCause(ctx.cancellationCause()).withDescription("the call was cancelled " + when);
    }
    return null;
  }

  /**
   * What a forwarded call got to (set by gRPC on its transport threads, read when it closes):
   * whether its request was handed to the transport (from then on the owner may have received
   * and applied it) and whether the owner's own status arrived (trailers). Thread-safe.
   */
  static final class Progress extends ClientStreamTracer.Factory {
    volatile boolean requestSent;
    volatile boolean ownerAnswered;
    volatile boolean callerCancelled;

    @Override
    public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
      return new ClientStreamTracer() { // one per attempt: a transparent retry's earlier attempts count too
        @Override
        public void outboundMessage(int seqNo) {
          requestSent = true;
        }

        @Override
        public void inboundTrailers(Metadata trailers) {
          ownerAnswered = true;
        }
      };
    }
  }

  /**
   * A locally served call moved to the blocking pool: its start (the handler's work, which for a
   * unary or server-streaming call runs at half-close) and every later listener callback run
   * there one at a time, in order, in the call's gRPC context. Thread-safe.
   */
  private static final class Offloaded<Q> implements Runnable {
    private final Executor pool;
    private final Context context;
    private final Q request;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean started;
    private boolean running;

    Offloaded(Executor pool, Context context, Q request) {
      this.pool = pool;
      this.context = context;
      this.request = request;
    }

    /** Queues the call's start; false when the pool refused it (nothing ran). */
    synchronized boolean start(Consumer<Q> serve) {
      tasks.add(() -> serve.accept(request));
      started = true;
      running = true;
      try {
        pool.execute(this);
        return true;
      } catch (RejectedExecutionException e) {
        tasks.clear();
        running = false;
        return false;
      }
    }

    /** Runs {@code r} after what is queued; dropped when the call never started. */
    void then(Runnable r) {
      synchronized (this) {
        if (!started) {
          return;
        }
        tasks.add(r);
        if (running) {
          return;
        }
        running = true;
      }
      try {
        pool.execute(this);
      } catch (RejectedExecutionException e) {
        run(); // a cancel or completion notice is short: run it here rather than never
      }
    }

    @Override
    public void run() {
      while (true) {
        Runnable r;
        synchronized (this) {
          r = tasks.poll();
          if (r == null) {
            running = false;
            return;
          }
        }
        Context previous = context.attach();
        try {
          r.run();
        } finally {
          context.detach(previous);
        }
      }
    }
  }

  /**
   * Passes the owner's headers, messages and status back to the caller unchanged. A status the
   * owner did not send (this node's channel failed, the connection dropped or was reset) is
   * restated so it neither blames the node called nor invites a blind retry of a write: UNKNOWN
   * once the request was handed to the transport of a method that may write (the owner may have
   * applied it), UNAVAILABLE naming the owner when nothing was sent or the method only reads.
   * The caller's own deadline and cancellation pass as they are.
   */
  private static final class Relay<Q, R> extends ClientCall.Listener<R> {
    private final ServerCall<Q, R> call;
    private final ClientCall<Q, R> remote;
    private final long owner;
    private final Progress progress;
    private final boolean readOnly;
    private boolean headersSent;

    Relay(ServerCall<Q, R> call, ClientCall<Q, R> remote, long owner, Progress progress, boolean readOnly) {
      this.call = call;
      this.remote = remote;
      this.owner = owner;
      this.progress = progress;
      this.readOnly = readOnly;
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
      call.close(restate(status, owner, progress, readOnly), copy(trailers));
    }
  }

  /** What the caller is told when the forward to {@code owner} ends with {@code status}. */
  static Status restate(Status status, long owner, Progress progress, boolean readOnly) {
    Status.Code code = status.getCode();
    if (progress.ownerAnswered || progress.callerCancelled || code == Status.Code.OK
        || code == Status.Code.DEADLINE_EXCEEDED) {
      return status; // the owner's own answer, or the caller's deadline (it already means "maybe applied")
    }
    String node = "node " + Long.toUnsignedString(owner) + ", the owner of this partition";
    if (progress.requestSent && !readOnly) {
      return Status.UNKNOWN.withCause(status.getCause()).withDescription("the call was sent to " + node
          + ", but its answer never came back (" + code + ": " + status.getDescription() + "); it may or may not"
          + " have been applied: read the object back, or write with expected_object_version, before retrying");
    }
    if (code != Status.Code.UNAVAILABLE && code != Status.Code.CANCELLED) {
      return status;
    }
    String what = progress.requestSent ? "lost the connection to " + node + ", before it answered (" : "cannot reach " + node + " (";
    String tail = progress.requestSent ? "); the call only reads: retry once it is back or a new leader is elected"
        : "); nothing was sent: retry once it is back or a new leader is elected";
    return Status.UNAVAILABLE.withCause(status.getCause()).withDescription(what + status.getDescription() + tail);
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
