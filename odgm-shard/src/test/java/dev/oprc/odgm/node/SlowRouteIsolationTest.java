package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.ops.OpsConfig;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.InvocationRoute;
import dev.oprc.odgm.proto.OprcFunctionGrpc;
import dev.oprc.odgm.proto.ResponseStatus;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Remote functions are called without holding the invocation threads, at most
 * ODGM_INVOKE_MAX_CONCURRENCY_PER_ROUTE at once per route: a slow route does not delay a fast one
 * (issue 9 §5). One invocation thread, so before this a single blocked call stalled everything.
 */
class SlowRouteIsolationTest {
  private final LoopbackTransport transport = new LoopbackTransport();
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger slowRunning = new AtomicInteger();
  private final AtomicInteger slowPeak = new AtomicInteger();
  private Server functions;
  private OdgmNode node;

  @BeforeEach
  void start() throws Exception {
    functions = NettyServerBuilder.forAddress(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0))
        .addService(new OprcFunctionGrpc.OprcFunctionImplBase() {
          @Override
          public void invokeFn(InvocationRequest req, StreamObserver<InvocationResponse> out) {
            if (req.getFnId().equals("slow")) {
              slowPeak.accumulateAndGet(slowRunning.incrementAndGet(), Math::max);
              try {
                release.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              slowRunning.decrementAndGet();
            }
            out.onNext(InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).build());
            out.onCompleted();
          }
        }).build().start();
    String url = "http://127.0.0.1:" + functions.getPort();
    CreateCollectionRequest c = CreateCollectionRequest.newBuilder().setName("jobs").setPartitionCount(1)
        .setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("slow", FuncInvokeRoute.newBuilder().setUrl(url).build())
            .putFnRoutes("fast", FuncInvokeRoute.newBuilder().setUrl(url).build())).build();
    NodeConfig cfg = NodeConfig.fromEnv(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory",
        "ODGM_INVOKE_THREADS", "1")).withCollections(List.of(c));
    node = OdgmNode.builder().config(cfg).transport(transport)
        .ops(OpsConfig.embedded().withInvokeMaxConcurrencyPerRoute(2)).start();
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    node.close();
    functions.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private long results(String fn) {
    return transport.puts.stream().filter(p -> p.key().startsWith("oprc/jobs/0/results/" + fn + "/async/")).count();
  }

  private static void await(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!c.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void aSlowRouteDoesNotDelayAFastOneAndRunsAtMostItsLimitAtOnce() throws Exception {
    byte[] req = InvocationRequest.getDefaultInstance().toByteArray();
    for (int i = 0; i < 4; i++) {
      transport.put("oprc/jobs/0/async/slow/s" + i, req);
    }
    await(() -> slowRunning.get() == 2, "two slow calls running");
    transport.put("oprc/jobs/0/async/fast/f1", req);
    await(() -> results("fast") == 1, "the fast result while every slow call still blocks");
    assertThat(results("slow")).isZero();
    assertThat(slowPeak).hasValue(2); // the other two wait in the route's queue, not on a thread
    release.countDown();
    await(() -> results("slow") == 4, "all slow results once released");
    assertThat(slowPeak).hasValue(2);
  }
}
