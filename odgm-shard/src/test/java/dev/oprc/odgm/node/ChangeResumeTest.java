package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.ValData;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resume queries on a node's change log: GET oprc/{cls}/{pid}/events/**?since=n[;limit=m][;filter=f]. */
class ChangeResumeTest {
  @TempDir
  Path dir;
  private LoopbackTransport transport = new LoopbackTransport();
  private OdgmNode node;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    }
    if (node != null) {
      node.close();
    }
  }

  private void start(Map<String, String> extra) throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "rocksdb", "ODGM_DATA_DIR",
        dir.toString(), "ODGM_ZENOH_EVENT_PUBLISH", "true"));
    env.putAll(extra);
    CreateCollectionRequest orders = CreateCollectionRequest.newBuilder().setName("orders").setPartitionCount(2).build();
    node = OdgmNode.builder().config(NodeConfig.fromEnv(env).withCollections(List.of(orders))).transport(transport)
        .start();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.port()).usePlaintext().build();
  }

  private void set(String oid, String key, String value) {
    DataServiceGrpc.newBlockingStub(channel).setValue(SetKeyRequest.newBuilder().setClsId("orders").setPartitionId(0)
        .setObjectId(oid).setKey(key).setValue(ValData.newBuilder().setData(ByteString.copyFromUtf8(value))).build());
  }

  private List<NodeTransport.QueryReply> get(String selector) throws Exception {
    return transport.get(selector, null, Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);
  }

  private static String text(NodeTransport.QueryReply r) {
    return new String(r.payload(), StandardCharsets.UTF_8);
  }

  private List<String> live() {
    return transport.puts.stream().filter(p -> p.key().startsWith("oprc/orders/0/events/"))
        .map(p -> new String(p.payload(), StandardCharsets.UTF_8)).toList();
  }

  private static long seq(NodeTransport.QueryReply r) {
    String t = text(r);
    return Long.parseLong(t.substring(t.lastIndexOf("\"seq\":") + 6, t.length() - 1));
  }

  @Test
  void aResumeRepliesEveryRetainedEventAfterSinceInOrderOnItsOwnKeyAsPublished() throws Exception {
    start(Map.of());
    for (int i = 1; i <= 5; i++) {
      set(i % 2 == 0 ? "even" : "odd", "k", "v" + i);
    }
    List<NodeTransport.QueryReply> r = get("oprc/orders/0/events/**?since=2");
    assertThat(r).extracting(ChangeResumeTest::seq).containsExactly(3L, 4L, 5L);
    assertThat(r).extracting(NodeTransport.QueryReply::key).containsExactly("oprc/orders/0/events/odd",
        "oprc/orders/0/events/even", "oprc/orders/0/events/odd");
    assertThat(r).allSatisfy(x -> assertThat(x.ok()).isTrue());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (live().size() < 5 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(r).extracting(ChangeResumeTest::text).isEqualTo(live().subList(2, 5));
  }

  @Test
  void oneObjectsKeyLimitAndFilterNarrowTheReplies() throws Exception {
    start(Map.of());
    set("a", "status", "new");
    set("b", "status", "new");
    set("a", "audit.x", "1");
    set("a", "status", "paid");
    assertThat(get("oprc/orders/0/events/a?since=0")).extracting(ChangeResumeTest::seq).containsExactly(1L, 3L, 4L);
    assertThat(get("oprc/orders/0/events/a?since=0;limit=2")).extracting(ChangeResumeTest::seq).containsExactly(1L, 3L);
    assertThat(get("oprc/orders/0/events/**?since=0;filter=key starts with audit.")).extracting(ChangeResumeTest::seq)
        .containsExactly(3L);
    assertThat(get("oprc/orders/0/events/**?since=0;filter={\"exact\":{\"type\":\"data.create\"}}"))
        .extracting(ChangeResumeTest::seq).containsExactly(1L, 2L, 3L);
  }

  @Test
  void aTokenOlderThanTheRetainedEventsGetsTheGapReplyFirstThenWhatIsRetained() throws Exception {
    start(Map.of("ODGM_CHANGE_LOG_MAX_COUNT", "2"));
    for (int i = 1; i <= 5; i++) {
      set("o", "k", "v" + i);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    List<NodeTransport.QueryReply> r = get("oprc/orders/0/events/**?since=0");
    while (r.get(0).ok() && System.nanoTime() < deadline) { // until the trimmer's next round
      Thread.sleep(50);
      r = get("oprc/orders/0/events/**?since=0");
    }
    assertThat(r.get(0).ok()).isFalse();
    assertThat(text(r.get(0))).isEqualTo("{\"gap\":{\"oldest_seq\":4}}");
    assertThat(r.subList(1, r.size())).extracting(ChangeResumeTest::seq).containsExactly(4L, 5L);
    assertThat(get("oprc/orders/0/events/**?since=3")).extracting(ChangeResumeTest::seq).containsExactly(4L, 5L);
  }

  @Test
  void badParametersAreAnErrorReplyNamingThem() throws Exception {
    start(Map.of());
    assertThat(get("oprc/orders/0/events/**?since=x")).singleElement()
        .satisfies(r -> assertThat(text(r)).contains("since='x' is not a number"));
    assertThat(get("oprc/orders/0/events/**?since=0;filter=nonsense ==")).singleElement()
        .satisfies(r -> assertThat(r.ok()).isFalse());
    assertThat(get("oprc/orders/9/events/**?since=0")).singleElement()
        .satisfies(r -> assertThat(text(r)).contains("partition 9"));
  }

  @Test
  void seqsContinueAfterARestartOfTheNode() throws Exception {
    start(Map.of());
    set("o", "k", "1");
    set("o", "k", "2");
    node.close();
    node = null;
    channel.shutdownNow();
    transport = new LoopbackTransport(); // the node closed its transport
    start(Map.of());
    set("o", "k", "3");
    assertThat(get("oprc/orders/0/events/**?since=0")).extracting(ChangeResumeTest::seq).containsExactly(1L, 2L, 3L);
  }
}
