package dev.oprc.odgm.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.EmptyResponse;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectResponse;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.SingleObjectRequest;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a caller is told when a forwarded call fails without the owner's answer, and that a call
 * which waited past its deadline for the blocking pool is never applied: real gRPC servers on
 * loopback, node 1 forwarding to node 2.
 */
class ForwardedFailureTest {
  private static final long WAIT = 30;

  /** The owner's DataService: records the objects it was asked to write; each call may block first. */
  private static final class Owner extends DataServiceGrpc.DataServiceImplBase {
    final CountDownLatch received = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final Queue<String> applied = new ConcurrentLinkedQueue<>();
    volatile boolean block = true;
    volatile Status answer; // when set, every call fails with it at once

    @Override
    public void set(SetObjectRequest req, StreamObserver<EmptyResponse> out) {
      if (hold(out)) {
        applied.add(req.getObjectId());
        out.onNext(EmptyResponse.getDefaultInstance());
        out.onCompleted();
      }
    }

    @Override
    public void get(SingleObjectRequest req, StreamObserver<ObjectResponse> out) {
      if (hold(out)) {
        out.onNext(ObjectResponse.getDefaultInstance());
        out.onCompleted();
      }
    }

    private boolean hold(StreamObserver<?> out) {
      received.countDown();
      if (answer != null) {
        out.onError(answer.asRuntimeException());
        return false;
      }
      try {
        if (block && !release.await(WAIT, TimeUnit.SECONDS)) {
          throw new AssertionError("never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      return true;
    }
  }

  private static final Metadata.Key<String> NAME = Metadata.Key.of("test-call", Metadata.ASCII_STRING_MARSHALLER);

  /** The entry node's server-side context of each call, by its {@link #NAME} header. */
  private final Map<String, Context> contexts = new ConcurrentHashMap<>();

  private Server ownerServer;
  private Server entryServer;
  private ManagedChannel client;
  private Forwarder forwarder;
  private ThreadPoolExecutor pool;
  private final Owner owner = new Owner();

  @AfterEach
  void stop() throws InterruptedException {
    owner.release.countDown();
    for (Server s : new Server[] {entryServer, ownerServer}) {
      if (s != null) {
        s.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
    if (client != null) {
      client.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    if (forwarder != null) {
      forwarder.close();
    }
    if (pool != null) {
      pool.shutdownNow();
    }
  }

  private static PartitionOwnership ownership(int ownerPort) {
    CreateCollectionRequest c = CreateCollectionRequest.newBuilder().setName("orders").setShardType("basic")
        .setPartitionCount(16).setReplicaCount(2).build();
    return PartitionOwnership.of(List.of(c),
        Membership.parse("1=127.0.0.1:7101:1,2=127.0.0.1:7102:" + ownerPort, 1, null));
  }

  private static int partitionOwnedBy(PartitionOwnership o, long node) {
    for (int p = 0; p < 16; p++) {
      if (o.replicas("orders", p).get(0) == node) {
        return p;
      }
    }
    throw new AssertionError("no partition of node " + node);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The {@value AbsoluteDeadline#HEADER} header of the calls the owner received, in order ("none" when absent). */
  private final Queue<String> ownerDeadlines = new ConcurrentLinkedQueue<>();

  private void startOwner() throws IOException {
    ownerServer = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(ServerInterceptors.intercept(owner, new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
              ServerCallHandler<Q, R> next) {
            String d = headers.get(AbsoluteDeadline.KEY);
            ownerDeadlines.add(d == null ? "none" : d);
            return next.startCall(call, headers);
          }
        })).build().start();
  }

  private static DataServiceGrpc.DataServiceBlockingStub withAbsoluteDeadline(DataServiceGrpc.DataServiceBlockingStub s,
      String value) {
    Metadata h = new Metadata();
    h.put(AbsoluteDeadline.KEY, value);
    return s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
  }

  /** Node 1, forwarding to node 2 at {@code ownerPort}; {@code pool} (null: none) serves its local calls. */
  private DataServiceGrpc.DataServiceBlockingStub startEntry(int ownerPort, ThreadPoolExecutor localPool)
      throws IOException {
    PartitionOwnership o = ownership(ownerPort);
    forwarder = localPool == null ? new Forwarder(o) : new Forwarder(o, (m, cls, r) -> true, localPool);
    entryServer = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(ServerInterceptors.intercept(forwarder.wrap(owner.bindService()), new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
              ServerCallHandler<Q, R> next) {
            String name = headers.get(NAME);
            if (name != null) {
              contexts.put(name, Context.current());
            }
            return next.startCall(call, headers);
          }
        })).build().start();
    client = ManagedChannelBuilder.forAddress("127.0.0.1", entryServer.getPort()).usePlaintext().build();
    return DataServiceGrpc.newBlockingStub(client);
  }

  private static SetObjectRequest set(int partition, String objectId) {
    return SetObjectRequest.newBuilder().setClsId("orders").setPartitionId(partition).setObjectId(objectId)
        .setObject(ObjData.getDefaultInstance()).build();
  }

  private static SingleObjectRequest get(int partition) {
    return SingleObjectRequest.newBuilder().setClsId("orders").setPartitionId(partition).setObjectId("o").build();
  }

  /** Runs {@code call} on its own thread, kills the owner once it holds the request, returns the failure. */
  private <T> Status failureWhenTheOwnerDiesHoldingTheCall(Function<Integer, T> call) throws Exception {
    int p = partitionOwnedBy(ownership(ownerServer.getPort()), 2);
    CompletableFuture<T> f = CompletableFuture.supplyAsync(
        () -> call.apply(p));
    assertThat(owner.received.await(WAIT, TimeUnit.SECONDS)).isTrue();
    ownerServer.shutdownNow();
    assertThatThrownBy(() -> f.get(WAIT, TimeUnit.SECONDS)).hasCauseInstanceOf(StatusRuntimeException.class);
    return Status.fromThrowable(f.handle((r, e) -> e).get());
  }

  @Test
  void aForwardedWriteWhoseOwnerDiesHoldingItIsUnknownNamingTheOwner() throws Exception {
    startOwner();
    DataServiceGrpc.DataServiceBlockingStub stub = startEntry(ownerServer.getPort(), null);
    Status s = failureWhenTheOwnerDiesHoldingTheCall(p -> stub.withDeadlineAfter(WAIT, TimeUnit.SECONDS)
        .set(set(p, "o")));
    assertThat(s.getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(s.getDescription()).contains("node 2, the owner of this partition", "may or may not have been applied");
  }

  @Test
  void aForwardedReadWhoseOwnerDiesHoldingItIsUnavailableNamingTheOwner() throws Exception {
    startOwner();
    DataServiceGrpc.DataServiceBlockingStub stub = startEntry(ownerServer.getPort(), null);
    Status s = failureWhenTheOwnerDiesHoldingTheCall(p -> stub.withDeadlineAfter(WAIT, TimeUnit.SECONDS).get(get(p)));
    assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(s.getDescription()).contains("node 2, the owner of this partition", "only reads", "retry");
  }

  @Test
  void aForwardedWriteToAnOwnerNotListeningIsUnavailableNamingItAndNothingWasSent() throws Exception {
    int down = freePort();
    DataServiceGrpc.DataServiceBlockingStub stub = startEntry(down, null);
    int p = partitionOwnedBy(ownership(down), 2);
    assertThatThrownBy(() -> stub.withDeadlineAfter(WAIT, TimeUnit.SECONDS).set(set(p, "o")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("cannot reach node 2, the owner of this partition",
              "nothing was sent", "retry");
        });
  }

  @Test
  void theOwnersOwnUnavailableComesBackUnchanged() throws Exception {
    owner.answer = Status.UNAVAILABLE.withDescription("no leader here");
    startOwner();
    DataServiceGrpc.DataServiceBlockingStub stub = startEntry(ownerServer.getPort(), null);
    int p = partitionOwnedBy(ownership(ownerServer.getPort()), 2);
    assertThatThrownBy(() -> stub.withDeadlineAfter(WAIT, TimeUnit.SECONDS).set(set(p, "o")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).isEqualTo("no leader here");
        });
  }

  @Test
  void anOffloadedWriteWhoseDeadlinePassedInThePoolQueueIsNotApplied() throws Exception {
    pool = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(4));
    DataServiceGrpc.DataServiceBlockingStub stub = startEntry(freePort(), pool);
    int p = partitionOwnedBy(ownership(1), 1);
    CompletableFuture<EmptyResponse> blocker = CompletableFuture
        .supplyAsync(() -> stub.withDeadlineAfter(WAIT, TimeUnit.SECONDS).set(set(p, "blocker")));
    assertThat(owner.received.await(WAIT, TimeUnit.SECONDS)).isTrue(); // the pool's one thread is taken
    Metadata late = new Metadata();
    late.put(NAME, "late");
    assertThatThrownBy(() -> stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(late))
        .withDeadlineAfter(300, TimeUnit.MILLISECONDS).set(set(p, "late")))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    // the server's deadline for it is a little after the client's: wait until the node has seen it pass
    CountDownLatch ended = new CountDownLatch(1);
    contexts.get("late").addListener(c -> ended.countDown(), Runnable::run);
    assertThat(ended.await(WAIT, TimeUnit.SECONDS)).isTrue();
    owner.block = false;
    owner.release.countDown();
    blocker.get(WAIT, TimeUnit.SECONDS);
    // the pool runs its queue in order: once a later call is applied, the late one has had its turn
    stub.withDeadlineAfter(WAIT, TimeUnit.SECONDS).set(set(p, "marker"));
    assertThat(owner.applied).containsExactly("blocker", "marker");
  }

  @Test
  void aForwardedCallCarriesTheCallersDeadlineAsAnAbsoluteTime() throws Exception {
    owner.block = false;
    startOwner();
    DataServiceGrpc.DataServiceBlockingStub stub = startEntry(ownerServer.getPort(), null);
    int p = partitionOwnedBy(ownership(ownerServer.getPort()), 2);
    long before = System.currentTimeMillis();
    stub.withDeadlineAfter(WAIT, TimeUnit.SECONDS).set(set(p, "o"));
    long after = System.currentTimeMillis();
    assertThat(ownerDeadlines).hasSize(1);
    assertThat(Long.parseLong(ownerDeadlines.peek())).isBetween(before, after + TimeUnit.SECONDS.toMillis(WAIT));
  }

  @Test
  void aForwardedCallKeepsTheEarlierAbsoluteDeadlineItWasGiven() throws Exception {
    owner.block = false;
    startOwner();
    DataServiceGrpc.DataServiceBlockingStub stub = startEntry(ownerServer.getPort(), null);
    int p = partitionOwnedBy(ownership(ownerServer.getPort()), 2);
    String soon = Long.toString(System.currentTimeMillis() + 20_000);
    withAbsoluteDeadline(stub, soon).withDeadlineAfter(10 * WAIT, TimeUnit.SECONDS).set(set(p, "o"));
    assertThat(ownerDeadlines).containsExactly(soon);
  }

  @Test
  void aCallWhoseAbsoluteDeadlinePassedIsNotForwarded() throws Exception {
    owner.block = false;
    startOwner();
    DataServiceGrpc.DataServiceBlockingStub stub = startEntry(ownerServer.getPort(), null);
    int p = partitionOwnedBy(ownership(ownerServer.getPort()), 2);
    String past = Long.toString(System.currentTimeMillis() - 1);
    assertThatThrownBy(() -> withAbsoluteDeadline(stub, past).withDeadlineAfter(WAIT, TimeUnit.SECONDS)
        .set(set(p, "late"))).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
          assertThat(e.getStatus().getDescription()).contains("nothing was sent");
        });
    stub.withDeadlineAfter(WAIT, TimeUnit.SECONDS).set(set(p, "marker"));
    assertThat(owner.applied).containsExactly("marker");
  }

  @Test
  void anOffloadedCallWhoseAbsoluteDeadlinePassedIsNotStarted() throws Exception {
    owner.block = false;
    pool = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(4));
    DataServiceGrpc.DataServiceBlockingStub stub = startEntry(freePort(), pool);
    int p = partitionOwnedBy(ownership(1), 1);
    String past = Long.toString(System.currentTimeMillis() - 1);
    assertThatThrownBy(() -> withAbsoluteDeadline(stub, past).withDeadlineAfter(WAIT, TimeUnit.SECONDS)
        .set(set(p, "late"))).isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    stub.withDeadlineAfter(WAIT, TimeUnit.SECONDS).set(set(p, "marker"));
    assertThat(owner.applied).containsExactly("marker");
  }

  @Test
  void aMalformedAbsoluteDeadlineIsInvalidArgumentNamingTheHeader() throws Exception {
    startOwner();
    DataServiceGrpc.DataServiceBlockingStub stub = startEntry(ownerServer.getPort(), null);
    int p = partitionOwnedBy(ownership(ownerServer.getPort()), 2);
    assertThatThrownBy(() -> withAbsoluteDeadline(stub, "soon").withDeadlineAfter(WAIT, TimeUnit.SECONDS)
        .set(set(p, "o"))).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains(AbsoluteDeadline.HEADER, "'soon'");
        });
    assertThat(ownerDeadlines).isEmpty();
  }
}
