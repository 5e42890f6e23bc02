package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.ops.OpsConfig;
import dev.oprc.odgm.ops.StartupChecks;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.zenoh.GetOptions;
import dev.oprc.zenoh.Reply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two nodes with {@code OPRC_ZENOH_MODE=peer} and no router: node A names node B in
 * {@code OPRC_ZENOH_PEERS}, node B only listens on {@code OPRC_ZENOH_PORT}. A's session reaches
 * B's Zenoh API directly.
 */
@Timeout(120)
class PeerModeNodeTest {
  private static final GetOptions GET = GetOptions.DEFAULT.withTimeout(Duration.ofSeconds(10));

  private ZenohTransport transportA;
  private ZenohTransport transportB;
  private OdgmNode nodeA;
  private OdgmNode nodeB;

  @AfterEach
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {nodeA, nodeB, transportA, transportB}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }
    }
  }

  private static OdgmNode node(ZenohTransport t, String collection) throws Exception {
    CreateCollectionRequest c = CreateCollectionRequest.newBuilder().setName(collection).setPartitionCount(2).build();
    return OdgmNode.builder().config(NodeConfig.fromEnv(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory"))
        .withCollections(List.of(c))).transport(t).start();
  }

  private static ZenohTransport peer(Map<String, String> env) {
    return ZenohTransport.open(StartupChecks.zenoh(env, OpsConfig.defaults()));
  }

  @Test
  void nodeBsZenohApiAnswersWritesAndGetsFromNodeAsSessionWithoutARouter() throws Exception {
    transportB = peer(Map.of("OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PORT", "0"));
    int portB = transportB.session().listenPort();
    assertThat(portB).isPositive();
    nodeB = node(transportB, "orders");
    transportA = peer(Map.of("OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PORT", "0",
        "OPRC_ZENOH_PEERS", "tcp/127.0.0.1:" + portB, "OPRC_ZENOH_RECONNECT_INITIAL_MS", "100"));
    nodeA = node(transportA, "other");
    assertThat(transportA.linkUp()).as("A connected to B within the connect timeout").isTrue();

    String key = "oprc/orders/1/objects/k1";
    byte[] obj = ObjData.newBuilder().putEntries("v", ValData.newBuilder().setData(ByteString.copyFromUtf8("from-a"))
        .build()).build().toByteArray();
    transportA.session().put(key, obj);
    List<Reply> replies = transportA.session().get(key, GET).collect(Duration.ofSeconds(20));
    assertThat(replies).hasSize(1);
    assertThat(replies.get(0).isOk()).as("reply %s", replies.get(0)).isTrue();
    assertThat(ObjData.parseFrom(replies.get(0).payload()).getEntriesOrThrow("v").getData().toStringUtf8())
        .isEqualTo("from-a");
    assertThat(transportB.session().stats().linksAccepted()).isEqualTo(1);
  }
}
