package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.changes.Change;
import dev.oprc.odgm.changes.ChangeStream;
import dev.oprc.odgm.ops.OpsConfig;
import dev.oprc.odgm.ops.StartupChecks;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.ValData;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link ChangeStream} against a node over a real Zenoh link (peer mode, no router). */
@Timeout(120)
class ChangeStreamClientTest {
  @TempDir
  Path dir;
  private ZenohTransport nodeTransport;
  private ZenohTransport client;
  private OdgmNode node;
  private ManagedChannel channel;
  private final List<AutoCloseable> streams = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable s : streams) {
      s.close();
    }
    if (channel != null) {
      channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    }
    for (AutoCloseable c : new AutoCloseable[] {node, client, nodeTransport}) {
      if (c != null) {
        c.close();
      }
    }
  }

  private void start(Map<String, String> extra) throws Exception {
    nodeTransport = ZenohTransport.open(StartupChecks.zenoh(Map.of("OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PORT", "0"),
        OpsConfig.defaults()));
    Map<String, String> env = new HashMap<>(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "rocksdb", "ODGM_DATA_DIR",
        dir.toString(), "ODGM_ZENOH_EVENT_PUBLISH", "true"));
    env.putAll(extra);
    CreateCollectionRequest c = CreateCollectionRequest.newBuilder().setName("orders").setPartitionCount(1).build();
    node = OdgmNode.builder().config(NodeConfig.fromEnv(env).withCollections(List.of(c))).transport(nodeTransport)
        .start();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.port()).usePlaintext().build();
    client = ZenohTransport.open(StartupChecks.zenoh(Map.of("OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PORT", "0",
        "OPRC_ZENOH_PEERS", "tcp/127.0.0.1:" + nodeTransport.session().listenPort()), OpsConfig.defaults()));
    await("the client's link", client::linkUp);
  }

  private void set(String oid, String key, String value) {
    DataServiceGrpc.newBlockingStub(channel).setValue(SetKeyRequest.newBuilder().setClsId("orders").setPartitionId(0)
        .setObjectId(oid).setKey(key).setValue(ValData.newBuilder().setData(ByteString.copyFromUtf8(value))).build());
  }

  private ChangeStream stream(ChangeStream.Builder b) {
    ChangeStream s = b.start();
    streams.add(s);
    return s;
  }

  private static void await(String what, BooleanSupplier cond) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!cond.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void aStreamReplaysWhatWasWrittenBeforeItThenFollowsLiveOnceEachInOrder() throws Exception {
    start(Map.of());
    for (int i = 1; i <= 3; i++) {
      set("o" + i, "k", "v");
    }
    List<Long> seen = new CopyOnWriteArrayList<>();
    ChangeStream s = stream(ChangeStream.builder(client.session(), "orders", 0).listener(c -> seen.add(c.seq())));
    for (int i = 4; i <= 200; i++) {
      set("o" + (i % 7), "k", "v" + i);
    }
    await("200 events", () -> seen.size() >= 200);
    assertThat(seen).hasSize(200).isSorted().doesNotHaveDuplicates();
    assertThat(s.token()).isEqualTo(200);
  }

  @Test
  void aStreamRestartedFromItsTokenContinuesAfterIt() throws Exception {
    start(Map.of());
    List<Long> seen = new CopyOnWriteArrayList<>();
    ChangeStream first = stream(ChangeStream.builder(client.session(), "orders", 0).listener(c -> seen.add(c.seq())));
    for (int i = 1; i <= 50; i++) {
      set("o", "k", "v" + i);
    }
    await("50 events", () -> first.token() == 50);
    first.close();
    for (int i = 51; i <= 80; i++) {
      set("o", "k", "v" + i); // while no stream runs
    }
    stream(ChangeStream.builder(client.session(), "orders", 0).from(first.token()).listener(c -> seen.add(c.seq())));
    for (int i = 81; i <= 100; i++) {
      set("o", "k", "v" + i);
    }
    await("100 events", () -> seen.size() >= 100);
    assertThat(seen).hasSize(100).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void anObjectAndAFilterNarrowTheStreamAndTheTokenMovesPastWhatTheyLeaveOut() throws Exception {
    start(Map.of());
    List<Change> seen = new CopyOnWriteArrayList<>();
    ChangeStream s = stream(ChangeStream.builder(client.session(), "orders", 0).objectId("a")
        .filter("key starts with audit.").listener(seen::add));
    set("a", "audit.1", "x");
    set("b", "audit.1", "x");
    set("a", "other", "x");
    set("a", "audit.2", "x");
    await("the token past the four events", () -> s.token() == 4);
    assertThat(seen).extracting(Change::seq).containsExactly(1L, 4L);
    assertThat(seen).extracting(Change::objectId).containsOnly("a");
  }

  @Test
  void aTokenOlderThanWhatIsRetainedIsToldTheGapAndContinuesFromTheOldest() throws Exception {
    start(Map.of("ODGM_CHANGE_LOG_MAX_COUNT", "5"));
    for (int i = 1; i <= 20; i++) {
      set("o", "k", "v" + i);
    }
    List<NodeTransport.QueryReply> probe = List.of();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while ((probe.isEmpty() || probe.get(0).ok()) && System.nanoTime() < deadline) { // the trimmer ran
      Thread.sleep(50);
      probe = client.get("oprc/orders/0/events/**?since=0", null, java.time.Duration.ofSeconds(10)).get();
    }
    List<Long> gaps = new CopyOnWriteArrayList<>();
    List<Long> seen = new CopyOnWriteArrayList<>();
    stream(ChangeStream.builder(client.session(), "orders", 0).from(3).onGap(gaps::add).listener(c -> seen.add(c.seq())));
    await("the retained events", () -> seen.size() >= 5);
    assertThat(gaps).containsExactly(16L);
    assertThat(seen).containsExactly(16L, 17L, 18L, 19L, 20L);
  }
}
