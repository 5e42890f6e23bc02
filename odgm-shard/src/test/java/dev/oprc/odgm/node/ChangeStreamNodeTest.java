package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.ValData;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A node with ODGM_ZENOH_EVENT_PUBLISH=true: each committed write, whatever API made it, is one change event. */
class ChangeStreamNodeTest {
  private final LoopbackTransport transport = new LoopbackTransport();
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

  private void start(Map<String, String> env) throws Exception {
    CreateCollectionRequest orders = CreateCollectionRequest.newBuilder().setName("orders").setPartitionCount(2).build();
    node = OdgmNode.builder().config(NodeConfig.fromEnv(env).withCollections(List.of(orders))).transport(transport)
        .start();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.port()).usePlaintext().build();
  }

  private static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  private List<String> events(String keyPrefix) {
    return transport.puts.stream().filter(p -> p.key().startsWith(keyPrefix))
        .map(p -> new String(p.payload(), StandardCharsets.UTF_8)).toList();
  }

  @Test
  void writesThroughTheZenohApiAndGrpcAreOneEventEachNumberedInCommitOrder() throws Exception {
    start(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory", "ODGM_ZENOH_EVENT_PUBLISH", "true"));
    ObjData obj = ObjData.newBuilder().putEntries("a", val("1")).putEntries("b", val("2")).build();
    List<NodeTransport.QueryReply> set = transport.get("oprc/orders/0/objects/o1/set", obj.toByteArray(),
        Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
    assertThat(set).hasSize(1).allSatisfy(r -> assertThat(r.ok()).isTrue());
    DataServiceGrpc.newBlockingStub(channel).setValue(SetKeyRequest.newBuilder().setClsId("orders").setPartitionId(0)
        .setObjectId("o1").setKey("a").setValue(val("3")).build());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (events("oprc/orders/0/events/o1").size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(events("oprc/orders/0/events/o1")).satisfiesExactly(
        e -> assertThat(e).contains("\"changes\":[{\"key\":\"a\",\"action\":\"create\"},{\"key\":\"b\","
            + "\"action\":\"create\"}]").contains("\"source\":\"local\"").endsWith("\"version\":1,\"timestamp\":"
            + e.substring(e.indexOf("\"timestamp\":") + 12, e.indexOf(",\"seq\"")) + ",\"seq\":1}"),
        e -> assertThat(e).contains("[{\"key\":\"a\",\"action\":\"update\"}]").endsWith("\"seq\":2}"));
    assertThat(events("oprc/orders/1/events/")).isEmpty();
  }

  @Test
  void withoutTheSettingThereIsNoPublisher() throws Exception {
    start(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory"));
    assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).doesNotContain("odgm-changes");
  }
}
