package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.ops.OpsConfig;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.InvocationRoute;
import dev.oprc.odgm.proto.ResponseStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's lifecycle: building starts nothing, a refused start releases every thread, socket
 * and lock it took (the same node then starts in the same JVM), shutdown terminates.
 */
class NodeLifecycleTest {
  @TempDir
  Path dataDir;

  private static CreateCollectionRequest collectionCalling(String handler) {
    return CreateCollectionRequest.newBuilder().setName("orders").setPartitionCount(2)
        .setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("record", FuncInvokeRoute.newBuilder().setUrl("local:" + handler).build()))
        .build();
  }

  private NodeConfig config(int grpcPort) {
    return NodeConfig.fromEnv(Map.of("ODGM_HTTP_PORT", String.valueOf(grpcPort), "ODGM_STORAGE", "rocksdb",
        "ODGM_DATA_DIR", dataDir.toString())).withCollections(List.of(collectionCalling("record")));
  }

  private static OdgmNode.Builder node(NodeConfig cfg, OpsConfig ops, LoopbackTransport transport) {
    return OdgmNode.builder().config(cfg).ops(ops).transport(transport)
        .handler("record", call -> InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY).build());
  }

  /** The live threads of nodes (all named odgm-*). */
  private static Set<Thread> nodeThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .filter(t -> t.getName().startsWith("odgm-")).collect(Collectors.toSet());
  }

  /** The node threads alive now that were not alive in {@code before}. */
  private static Set<String> startedSince(Set<Thread> before) {
    return nodeThreads().stream().filter(t -> !before.contains(t)).map(Thread::getName).collect(Collectors.toSet());
  }

  /** Waits until no node thread started since {@code before} is alive (a pool thread exits just after its pool closed). */
  private static void awaitOnly(Set<Thread> before) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!startedSince(before).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20); // polling for a condition, not a settle time
    }
    assertThat(startedSince(before)).isEmpty();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static boolean canBind(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void buildingANodeStartsNoThreadAndOpensNothing() throws Exception {
    Set<Thread> before = nodeThreads();
    LoopbackTransport transport = new LoopbackTransport();
    OdgmNode node = node(config(0), OpsConfig.embedded(), transport).build();

    assertThat(startedSince(before)).isEmpty(); // at once: nothing was started
    assertThat(node.isTerminated()).isFalse();
    try (OdgmNode again = node(config(0), OpsConfig.embedded(), new LoopbackTransport()).start()) {
      assertThat(again.port()).isPositive(); // the data dir was not locked by the built node
    }
    node.shutdown();
    assertThat(node.isTerminated()).isTrue();
  }

  @Test
  void aNodeWithoutAnOtlpEndpointCreatesNoTracingSdk() throws Exception {
    try (OdgmNode n = node(config(0), OpsConfig.embedded(), new LoopbackTransport())
        .tracing(dev.oprc.odgm.tracing.TracingConfig.fromEnv(Map.of())).start()) {
      assertThat(n.tracing()).isSameAs(dev.oprc.odgm.tracing.Tracing.OFF);
    }
  }

  /** The live threads of OpenTelemetry's batch span processor. */
  private static long spanExportThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .filter(t -> t.getName().startsWith("BatchSpanProcessor")).count();
  }

  @Test
  void theTracingSdkStartsWithTheNodeAndStopsWithIt() throws Exception {
    long before = spanExportThreads();
    OdgmNode node = node(config(0), OpsConfig.embedded(), new LoopbackTransport()).tracing(
        dev.oprc.odgm.tracing.TracingConfig.fromEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")))
        .build();
    assertThat(spanExportThreads()).as("building starts nothing").isEqualTo(before);
    try (node) {
      node.start();
      assertThat(node.tracing().enabled()).isTrue();
      assertThat(spanExportThreads()).isEqualTo(before + 1);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (spanExportThreads() > before && System.nanoTime() < deadline) {
      Thread.sleep(20); // polling for a condition: the worker exits just after its shutdown
    }
    assertThat(spanExportThreads()).as("closing the node stopped the exporter").isEqualTo(before);
  }

  @Test
  void aStartRefusedForAMissingHandlerOpensNothingAndClosesTheTransport() throws Exception {
    Set<Thread> before = nodeThreads();
    NodeConfig cfg = NodeConfig.fromEnv(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "rocksdb",
        "ODGM_DATA_DIR", dataDir.toString())).withCollections(List.of(collectionCalling("missing")));
    LoopbackTransport transport = new LoopbackTransport();
    OdgmNode refused = OdgmNode.builder().config(cfg).transport(transport).build();

    assertThatThrownBy(refused::start).hasMessageContaining("local:missing");
    assertThat(refused.isTerminated()).isTrue();
    assertThat(transport.isClosed()).isTrue();
    awaitOnly(before);
    try (OdgmNode started = node(config(0), OpsConfig.embedded(), new LoopbackTransport()).start()) {
      assertThat(started.port()).isPositive();
    }
  }

  @Test
  void aStartRefusedLateReleasesEveryThreadSocketAndLockItTook() throws Exception {
    Set<Thread> before = nodeThreads();
    int metricsPort = freePort();
    OpsConfig ops = OpsConfig.embedded().withMetricsPort(metricsPort);
    LoopbackTransport transport = new LoopbackTransport();
    try (ServerSocket taken = new ServerSocket(0)) { // gRPC binds last: storage, dispatchers and HTTP are up by then
      OdgmNode refused = node(config(taken.getLocalPort()), ops, transport).build();
      assertThatThrownBy(refused::start).isInstanceOf(IOException.class);
      assertThat(refused.isTerminated()).isTrue();
    }
    assertThat(transport.isClosed()).isTrue();
    awaitOnly(before);
    assertThat(canBind(metricsPort)).isTrue();
    int grpcPort = freePort();
    try (OdgmNode started = node(config(grpcPort), ops, new LoopbackTransport()).start()) { // same dir, same ports
      assertThat(started.port()).isEqualTo(grpcPort);
      assertThat(started.metricsPort()).isEqualTo(metricsPort);
    }
  }

  @Test
  void aStartRefusedWhileDeclaringZenohKeysReleasesTheStorageLockAndThreads() throws Exception {
    Set<Thread> before = nodeThreads();
    LoopbackTransport refusing = new LoopbackTransport().refusingSubscriptions();
    OdgmNode refused = node(config(0), OpsConfig.embedded(), refusing).build();

    assertThatThrownBy(refused::start).isInstanceOf(IOException.class).hasMessageContaining("Zenoh subscriptions");
    assertThat(refused.isTerminated()).isTrue();
    assertThat(refusing.isClosed()).isTrue();
    awaitOnly(before);
    try (OdgmNode started = node(config(0), OpsConfig.embedded(), new LoopbackTransport()).start()) { // same data dir
      assertThat(started.port()).isPositive();
    }
  }

  @Test
  void aShutdownRequestedWhileStartingTerminatesTheNodeOnceStarted() throws Exception {
    Set<Thread> before = nodeThreads();
    AtomicReference<OdgmNode> built = new AtomicReference<>();
    AtomicInteger shutdowns = new AtomicInteger();
    ThreadFactory shutsDownMidStart = r -> {
      if (shutdowns.getAndIncrement() == 0) {
        built.get().shutdown(); // start() is running: it asked for its first thread
      }
      return new Thread(r);
    };
    LoopbackTransport transport = new LoopbackTransport();
    built.set(node(config(0), OpsConfig.embedded(), transport).threads(shutsDownMidStart).build());

    built.get().start();

    assertThat(built.get().awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(transport.isClosed()).isTrue();
    awaitOnly(before);
  }

  @Test
  void shutdownTerminatesTheNodeAndReleasesItsThreads() throws Exception {
    Set<Thread> before = nodeThreads();
    LoopbackTransport transport = new LoopbackTransport();
    OdgmNode node = node(config(0), OpsConfig.embedded(), transport).start();
    assertThat(startedSince(before)).isNotEmpty();

    node.shutdown();

    assertThat(node.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(node.isTerminated()).isTrue();
    assertThat(transport.isClosed()).isTrue();
    awaitOnly(before);
  }

  @Test
  void startingTwiceIsRefused() throws Exception {
    try (OdgmNode node = node(config(0), OpsConfig.embedded(), new LoopbackTransport()).start()) {
      assertThatThrownBy(node::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("already started");
    }
  }
}
