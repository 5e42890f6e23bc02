package dev.oprc.odgm.node;

import dev.oprc.odgm.cluster.Forwarder;
import dev.oprc.odgm.cluster.PartitionOwnership;
import dev.oprc.odgm.cluster.ShardType;
import dev.oprc.odgm.ops.OpsConfig;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.OprcFunctionGrpc;
import dev.oprc.odgm.security.TlsConfig;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The node's gRPC server. Calls run on the gRPC (Netty) transport threads: DataService handlers
 * never block there (a write's reply waits for its WAL sync without a thread, see
 * {@link DataServiceImpl}), so a call costs no thread hand-off. Calls that may block (an
 * embedder's own local functions, Raft collections, listings: {@link #mayBlock}) move to a bounded pool,
 * {@code odgm-grpc-blocking-N}, once their request names the collection. Requests for partitions
 * owned elsewhere are forwarded first ({@link Forwarder}).
 *
 * <p>Thread-safe. Owns the server, the forwarder's channels and the pool; {@link #close()}
 * releases them.
 */
final class GrpcServing implements AutoCloseable {
  /** Netty's leak detector, as gRPC's shaded copy reads it; unset, the node turns it off. */
  static final String LEAK_DETECTION = "io.grpc.netty.shaded.io.netty.leakDetection.level";

  private final Server server;
  private final Forwarder forwarder;
  private final ThreadPoolExecutor blocking;

  private GrpcServing(Server server, Forwarder forwarder, ThreadPoolExecutor blocking) {
    this.server = server;
    this.forwarder = forwarder;
    this.blocking = blocking;
  }

  /**
   * Binds {@code port} with {@code services}, each behind {@code interceptors} (outermost first)
   * and then the forwarder; TLS only when {@code tls} is enabled, and the forwarder calls the other
   * members over TLS then.
   */
  static GrpcServing start(int port, OpsConfig ops, TlsConfig tls, PartitionOwnership ownership,
      InlineFunctions inline, List<ServerServiceDefinition> services, List<ServerInterceptor> interceptors,
      BindableService health, boolean reflection) throws IOException {
    if (System.getProperty(LEAK_DETECTION) == null) {
      // it samples one buffer in 128 with a stack trace: about 1.5 % of a write's CPU in the profile, for a
      // diagnosis that gRPC's own tests already make
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }
    ThreadPoolExecutor pool = blockingPool(ops.grpcBlockingThreads(), ops.grpcBlockingQueue());
    Forwarder forwarder = new Forwarder(ownership, (method, cls, request) -> mayBlock(ownership, inline, method, cls,
        request), pool, tls.memberClient());
    NettyServerBuilder sb = NettyServerBuilder.forAddress(new InetSocketAddress(port), tls.serverCredentials())
        .directExecutor() // handlers that may block are moved to the pool above
        .maxInboundMessageSize(ops.grpcMaxMessageBytes())
        .maxConcurrentCallsPerConnection(ops.grpcMaxConcurrentCallsPerConnection())
        .addService(health);
    for (ServerServiceDefinition s : services) {
      // requests for partitions owned elsewhere are forwarded before any local interceptor runs
      sb.addService(forwarder.wrap(ServerInterceptors.intercept(s, interceptors.toArray(new ServerInterceptor[0]))));
    }
    if (reflection) {
      sb.addService(ProtoReflectionServiceV1.newInstance());
      sb.addService(legacyReflection());
    }
    try {
      return new GrpcServing(sb.build().start(), forwarder, pool);
    } catch (IOException e) {
      forwarder.close();
      pool.shutdownNow();
      throw new IOException("cannot listen for gRPC on port " + port + " (" + NodeConfig.HTTP_PORT + "): "
          + e.getMessage() + "; accepted: a free TCP port (0: any)", e);
    }
  }

  /** The functions whose calls never block the calling thread (remote routes, built-ins). Thread-safe. */
  @FunctionalInterface
  interface InlineFunctions {
    boolean inline(String cls, String fn);
  }

  /**
   * Whether a locally served call may block its thread: a call on a Raft collection (it waits
   * for a majority), a listing (it reads a page of entries), or a function call, unless the
   * function is one of {@code inline} (an embedder's own handler may take any time).
   */
  static boolean mayBlock(PartitionOwnership ownership, InlineFunctions inline, String fullMethodName, String cls,
      Object request) {
    if (cls != null && ownership.knows(cls, 0) && ownership.type(cls) == ShardType.RAFT) {
      return true;
    }
    if (fullMethodName.startsWith(DataServiceGrpc.SERVICE_NAME + "/List")) {
      return true;
    }
    if (!fullMethodName.startsWith(OprcFunctionGrpc.SERVICE_NAME + "/")) {
      return false;
    }
    String fn = request instanceof InvocationRequest r ? r.getFnId()
        : request instanceof ObjectInvocationRequest r ? r.getFnId() : null;
    return fn == null || cls == null || !inline.inline(cls, fn);
  }

  private static ThreadPoolExecutor blockingPool(int threads, int queue) {
    ThreadPoolExecutor pool = NodeExecutors.bounded("odgm-grpc-blocking-", threads, queue);
    pool.allowCoreThreadTimeOut(true); // an idle node keeps none of them
    return pool;
  }

  @SuppressWarnings("deprecation")
  private static BindableService legacyReflection() {
    // grpcurl and older tools still ask for v1alpha
    return io.grpc.protobuf.services.ProtoReflectionService.newInstance();
  }

  /** The bound port. */
  int port() {
    return server.getPort();
  }

  /** Blocks until the server terminates. */
  void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /**
   * No new calls, then up to 2 s for running ones, then cancel them and wait up to 5 s more;
   * then the pool (its calls were cancelled) and the forwarder's channels.
   */
  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    NodeExecutors.shutdown(blocking);
    forwarder.close();
  }
}
