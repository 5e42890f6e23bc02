package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import dev.oprc.odgm.ops.OpsConfig;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.InvocationRoute;
import dev.oprc.odgm.proto.OprcFunctionGrpc;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.ValData;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * gRPC calls run on the transport threads, except those that may block: function calls run on
 * the bounded {@code odgm-grpc-blocking} pool (ODGM_GRPC_BLOCKING_THREADS, _QUEUE), and a call the
 * full pool cannot take is answered RESOURCE_EXHAUSTED while the others go on.
 */
class BlockingCallsTest {
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger started = new AtomicInteger();
  private final AtomicReference<String> ranOn = new AtomicReference<>();
  private OdgmNode node;
  private ManagedChannel channel;
  private io.grpc.Server remoteFunctions;

  @BeforeEach
  void start() throws Exception {
    remoteFunctions = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forPort(0)
        .addService(new OprcFunctionGrpc.OprcFunctionImplBase() {
          @Override
          public void invokeFn(InvocationRequest req, io.grpc.stub.StreamObserver<InvocationResponse> out) {
            out.onNext(InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY)
                .setPayload(ByteString.copyFromUtf8("remote")).build());
            out.onCompleted();
          }
        }).build().start();
    CreateCollectionRequest c = CreateCollectionRequest.newBuilder().setName("orders").setPartitionCount(1)
        .setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("slow", FuncInvokeRoute.newBuilder().setUrl("local:slow").build())
            .putFnRoutes("echo", FuncInvokeRoute.newBuilder().setUrl("local:echo").build())
            .putFnRoutes("remote", FuncInvokeRoute.newBuilder().setUrl("http://127.0.0.1:" + remoteFunctions.getPort())
                .build()))
        .build();
    NodeConfig cfg = NodeConfig.fromEnv(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory"))
        .withCollections(List.of(c));
    node = OdgmNode.builder().config(cfg).transport(new LoopbackTransport())
        .ops(OpsConfig.embedded().withGrpcBlocking(1, 1))
        .handler("slow", call -> {
          ranOn.set(Thread.currentThread().getName());
          started.incrementAndGet();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).build();
        })
        .start();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    node.close();
    remoteFunctions.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
  }

  private ListenableFuture<InvocationResponse> invokeSlow() {
    return OprcFunctionGrpc.newFutureStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
        .invokeFn(InvocationRequest.newBuilder().setClsId("orders").setPartitionId(0).setFnId("slow").build());
  }

  private void awaitStarted(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (started.get() < n && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(started.get()).isEqualTo(n);
  }

  @Test
  void aFunctionCallRunsOnTheBlockingPool() throws Exception {
    ListenableFuture<InvocationResponse> call = invokeSlow();
    awaitStarted(1);
    release.countDown();
    assertThat(call.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(ResponseStatus.OKAY);
    assertThat(ranOn.get()).startsWith("odgm-grpc-blocking-");
  }

  @Test
  void aCallTheFullPoolCannotTakeIsRefusedAndTheOthersComplete() throws Exception {
    ListenableFuture<InvocationResponse> running = invokeSlow();
    awaitStarted(1); // holds the one thread
    ListenableFuture<InvocationResponse> queued = invokeSlow();
    ListenableFuture<InvocationResponse> refused = invokeSlow();
    // one of the two later calls took the one queue slot; the other was refused
    StatusRuntimeException e = firstFailure(queued, refused);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(e.getStatus().getDescription()).contains("node busy", "oprc.OprcFunction/InvokeFn");
    release.countDown();
    assertThat(running.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(ResponseStatus.OKAY);
  }

  @Test
  void dataCallsAreServedWhileThePoolIsFull() throws Exception {
    ListenableFuture<InvocationResponse> running = invokeSlow();
    awaitStarted(1);
    ListenableFuture<InvocationResponse> queued = invokeSlow();
    DataServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).setValue(SetKeyRequest.newBuilder()
        .setClsId("orders").setPartitionId(0).setObjectId("o").setKey("k")
        .setValue(ValData.newBuilder().setData(ByteString.copyFromUtf8("v"))).build());
    assertThat(running.isDone()).isFalse(); // the write did not need the pool's thread
    release.countDown();
    assertThat(running.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(ResponseStatus.OKAY);
    assertThat(queued.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(ResponseStatus.OKAY);
  }

  @Test
  void aBuiltInFunctionNeverBlocksSoItIsServedWhileThePoolIsFull() throws Exception {
    assertThat(invokeWhilePoolIsFull("echo", "hi").getPayload().toStringUtf8()).isEqualTo("hi");
  }

  @Test
  void aRemoteFunctionIsCalledWithoutAPoolThreadSoItIsServedWhileThePoolIsFull() throws Exception {
    assertThat(invokeWhilePoolIsFull("remote", "").getPayload().toStringUtf8()).isEqualTo("remote");
  }

  /**
   * Fills the pool (one slow call running, one queued), invokes {@code fn} meanwhile, then checks
   * the slow ones were still held and complete once released.
   */
  private InvocationResponse invokeWhilePoolIsFull(String fn, String payload) throws Exception {
    ListenableFuture<InvocationResponse> running = invokeSlow();
    awaitStarted(1);
    ListenableFuture<InvocationResponse> queued = invokeSlow(); // the one queue slot: the pool is full
    InvocationResponse r = OprcFunctionGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .invokeFn(InvocationRequest.newBuilder().setClsId("orders").setPartitionId(0).setFnId(fn)
            .setPayload(ByteString.copyFromUtf8(payload)).build());
    assertThat(running.isDone()).isFalse();
    release.countDown();
    assertThat(queued.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(ResponseStatus.OKAY);
    return r;
  }

  private static StatusRuntimeException firstFailure(ListenableFuture<?> a, ListenableFuture<?> b) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      for (ListenableFuture<?> f : List.of(a, b)) {
        if (f.isDone()) {
          try {
            f.get();
          } catch (ExecutionException e) {
            return (StatusRuntimeException) e.getCause();
          }
        }
      }
      Thread.sleep(5);
    }
    throw new AssertionError("neither call was refused");
  }
}
