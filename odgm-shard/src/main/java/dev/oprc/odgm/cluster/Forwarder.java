package dev.oprc.odgm.cluster;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.Metadata;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.util.OptionalLong;
import java.util.concurrent.Executor;

/**
 * Makes a gRPC service cluster-aware in one place instead of in every method: each method whose
 * request carries {@code cls_id} and {@code partition_id} (every DataService call but Stats and
 * Capabilities, and both OprcFunction calls) is routed on them. A partition this node owns (or an
 * unknown collection or partition, which the service itself answers) is served locally; any other
 * is forwarded, not redirected, to its owner's gRPC port with the caller's deadline and headers,
 * and the owner's messages and status are passed back unchanged. A forwarded call carries
 * {@value #FORWARDED_BY}; one that lands on a non-owner is answered UNAVAILABLE, never forwarded
 * again, so ownership disagreements during a failover cannot loop. A partition without a known
 * owner (an election in progress) is answered UNAVAILABLE naming it, with a retry hint. A forward
 * that fails without the owner's answer is UNKNOWN ("may or may not have been applied") once its
 * request was handed to the transport, unless the method only reads; UNAVAILABLE naming the owner
 * when nothing was sent or the method only reads ({@link RoutingCallHandler#restate}).
 *
 * <p>The node's gRPC server runs calls on its transport threads. A locally served call that may
 * block (a {@link BlockingCalls} rule: remote function calls, Raft writes, long listings) is moved
 * to the node's blocking pool once its request has named the collection; a refusal by that full
 * pool is answered RESOURCE_EXHAUSTED. A call whose deadline passed or that was cancelled while
 * it waited there is not started at all (DEADLINE_EXCEEDED or CANCELLED, as gRPC answers it), so a
 * late Raft write is never proposed. The caller's deadline also travels as an absolute time
 * ({@link AbsoluteDeadline}, header {@value AbsoluteDeadline#HEADER}): a call already past it is not
 * forwarded, and an offloaded call carries it to the Raft committer, which drops a write that
 * became late before its entry was proposed.
 *
 * <p>Thread-safe; owns its member channels, released by {@link #close()}.
 */
public final class Forwarder implements AutoCloseable {
  /** Header set on a forwarded call: the forwarding node's id. */
  public static final String FORWARDED_BY = "odgm-forwarded-by";

  static final Metadata.Key<String> FORWARDED_KEY = Metadata.Key.of(FORWARDED_BY, Metadata.ASCII_STRING_MARSHALLER);

  private final PartitionOwnership ownership;
  private final MemberChannels channels;
  private final BlockingCalls blocking;
  private final Executor blockingPool;

  /** A forwarder serving every local call on the thread gRPC calls it on. */
  public Forwarder(PartitionOwnership ownership) {
    this(ownership, (method, cls, request) -> false, Runnable::run);
  }

  /** A forwarder moving the local calls {@code blocking} names to {@code blockingPool}, over plaintext. */
  public Forwarder(PartitionOwnership ownership, BlockingCalls blocking, Executor blockingPool) {
    this(ownership, blocking, blockingPool, dev.oprc.odgm.security.ClientTls.PLAINTEXT);
  }

  /** Like {@link #Forwarder(PartitionOwnership, BlockingCalls, Executor)}, calling the owners as {@code tls} says. */
  public Forwarder(PartitionOwnership ownership, BlockingCalls blocking, Executor blockingPool,
      dev.oprc.odgm.security.ClientTls tls) {
    this.ownership = ownership;
    this.channels = new MemberChannels(ownership.membership(), tls);
    this.blocking = java.util.Objects.requireNonNull(blocking, "blocking");
    this.blockingPool = java.util.Objects.requireNonNull(blockingPool, "blockingPool");
  }

  /** Which locally served calls may block the thread they run on. Thread-safe. */
  @FunctionalInterface
  public interface BlockingCalls {
    /**
     * True when a call of {@code fullMethodName} with first message {@code request}, on
     * collection {@code cls} (null: none), may block.
     */
    boolean mayBlock(String fullMethodName, String cls, Object request);
  }

  /**
   * The pool a locally served first request runs on, or null to run it on the calling thread;
   * {@code cls} is what {@link #route} read from it.
   */
  Executor localExecutor(String fullMethodName, String cls, Object request) {
    return blocking.mayBlock(fullMethodName, cls, request) ? blockingPool : null;
  }

  /** {@code service} with every partition-addressed method routed; the others untouched. */
  public ServerServiceDefinition wrap(ServerServiceDefinition service) {
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(service.getServiceDescriptor());
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      b.addMethod(route(m));
    }
    return b.build();
  }

  private <Q, R> ServerMethodDefinition<Q, R> route(ServerMethodDefinition<Q, R> m) {
    if (!m.getMethodDescriptor().getType().clientSendsOneMessage()) {
      return m; // no such method today; a client stream has no single partition to route on
    }
    return ServerMethodDefinition.create(m.getMethodDescriptor(),
        new RoutingCallHandler<>(this, m.getMethodDescriptor(), m.getServerCallHandler()));
  }

  /** Where a call goes. */
  sealed interface Route permits Local, Remote, Refused {}

  /** Served here; {@code cls} is the request's collection (null: none). */
  record Local(String cls) implements Route {}

  record Remote(long owner) implements Route {}

  record Refused(Status status) implements Route {}

  /** Decides the route of a first request message. */
  Route route(Object request, Metadata headers) {
    if (!(request instanceof Message msg)) {
      return new Local(null);
    }
    String cls = stringField(msg, "cls_id");
    Integer partition = intField(msg, "partition_id");
    if (cls == null || partition == null || !ownership.knows(cls, partition) || ownership.owns(cls, partition)) {
      return new Local(cls);
    }
    String where = "partition " + Integer.toUnsignedString(partition) + " of collection '" + cls + "'";
    String by = headers.get(FORWARDED_KEY);
    if (by != null) {
      return new Refused(Status.UNAVAILABLE.withDescription("node " + Long.toUnsignedString(ownership.self())
          + " got " + where + " forwarded by node " + by + " but does not own it (ownership is changing); retry"));
    }
    OptionalLong owner = ownership.owner(cls, partition);
    if (owner.isEmpty() || owner.getAsLong() == ownership.self()) {
      return new Refused(Status.UNAVAILABLE.withDescription("no ready owner for " + where
          + " (leader election in progress); retry in a moment"));
    }
    return new Remote(owner.getAsLong());
  }

  MemberChannels channels() {
    return channels;
  }

  long self() {
    return ownership.self();
  }

  private static String stringField(Message m, String name) {
    FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
    return f != null && f.getJavaType() == FieldDescriptor.JavaType.STRING ? (String) m.getField(f) : null;
  }

  private static Integer intField(Message m, String name) {
    FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
    return f != null && f.getJavaType() == FieldDescriptor.JavaType.INT ? (Integer) m.getField(f) : null;
  }

  @Override
  public void close() {
    channels.close();
  }
}
