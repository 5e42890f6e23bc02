package dev.oprc.odgm.e2e;

import dev.oprc.odgm.node.FunctionHandler;
import dev.oprc.odgm.node.NodeConfig;
import dev.oprc.odgm.node.OdgmNode;
import dev.oprc.odgm.node.ZenohTransport;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.EventStatsProto;
import dev.oprc.odgm.proto.OprcFunctionGrpc;
import dev.oprc.odgm.proto.StatsRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** An ODGM node connected as a Zenoh client to the test router, with a gRPC client to it. */
final class TestNode implements AutoCloseable {
  static final long FIXED_CLOCK = 1741200000000L;

  final OdgmNode node;
  final ZenohTransport transport;
  final ManagedChannel channel;

  private TestNode(OdgmNode node, ZenohTransport transport) {
    this.node = node;
    this.transport = transport;
    this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.port()).usePlaintext().build();
  }

  static TestNode start(dev.oprc.zenoh.testing.ZenohRouterProcess router, Map<String, String> extraEnv, List<CreateCollectionRequest> collections,
      Map<String, FunctionHandler> handlers) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("ODGM_HTTP_PORT", "0");
    env.put("OPRC_ZENOH_MODE", "client");
    env.put("OPRC_ZENOH_PEERS", router.endpoint());
    // real RocksDB in a fresh directory unless the test says otherwise
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("odgm-e2e-");
    env.put("ODGM_DATA_DIR", dir.toString());
    env.put("ODGM_STORAGE_SYNC", "none");
    env.putAll(extraEnv);
    NodeConfig cfg = NodeConfig.fromEnv(env).withCollections(collections);
    ZenohTransport t = ZenohTransport.open(env);
    OdgmNode.Builder b = OdgmNode.builder().config(cfg).transport(t).clock(() -> FIXED_CLOCK);
    handlers.forEach(b::handler);
    TestNode n = new TestNode(b.start(), t);
    boolean raftCluster = env.containsKey("ODGM_MEMBERS")
        && collections.stream().anyMatch(c -> "raft".equalsIgnoreCase(c.getShardType()));
    if (!raftCluster) { // a raft node declares its keys only once it leads, after a quorum started
      awaitDeclared(router, collections);
    }
    return n;
  }

  /**
   * Waits until the router answers a liveliness query with this node's token: the node declares
   * its subscriptions before its tokens on the same link, so then the router knows them too.
   */
  private static void awaitDeclared(dev.oprc.zenoh.testing.ZenohRouterProcess router,
      List<CreateCollectionRequest> collections) throws InterruptedException {
    if (collections.isEmpty()) {
      return;
    }
    String key = "oprc/" + collections.get(0).getName() + "/*/liveliness/*";
    try (dev.oprc.zenoh.Session probe = dev.oprc.zenoh.Zenoh.open(dev.oprc.zenoh.Config.client(router.endpoint()))) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (probe.liveliness().get(key, java.time.Duration.ofSeconds(1)).collect(java.time.Duration.ofSeconds(2))
          .isEmpty()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the router did not learn the node's declarations within 20 s");
        }
      }
    }
  }

  DataServiceGrpc.DataServiceBlockingStub data() {
    return DataServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  OprcFunctionGrpc.OprcFunctionBlockingStub functions() {
    return OprcFunctionGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** Event counters of {@code collection}/{@code partition}. */
  EventStatsProto events(String collection, int partition) {
    return data().stats(StatsRequest.getDefaultInstance()).getShardsList().stream()
        .filter(s -> s.getCollection().equals(collection) && s.getPartitionId() == partition)
        .findFirst().orElseThrow().getEvents();
  }

  @Override
  public void close() {
    try {
      channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      node.close();
    }
  }
}
