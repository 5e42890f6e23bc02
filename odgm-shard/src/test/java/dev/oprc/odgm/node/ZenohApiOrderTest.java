package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.GetOptions;
import dev.oprc.zenoh.Reply;
import dev.oprc.zenoh.Session;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Per-session order on the Zenoh API, over a real (local-only) Zenoh session shared by the node and
 * the client, as upstream's gateway shares one: samples reach the node on the session's callback
 * thread and queries on its query pool, the two paths whose race let a GET overtake a DELETE.
 */
class ZenohApiOrderTest {
  private static final int ROUNDS = 3000;
  private static final GetOptions GET = GetOptions.DEFAULT.withTimeout(Duration.ofSeconds(10));

  private ZenohTransport transport;
  private Session session;
  private OdgmNode node;

  @BeforeEach
  void start() throws Exception {
    transport = ZenohTransport.open(Config.localOnly());
    session = transport.session();
    CreateCollectionRequest orders = CreateCollectionRequest.newBuilder().setName("orders").setPartitionCount(2)
        .build();
    node = OdgmNode.builder().config(NodeConfig.fromEnv(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory"))
        .withCollections(List.of(orders))).transport(transport).start();
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
    transport.close();
  }

  private static byte[] obj(String version) {
    return ObjData.newBuilder().putEntries("v", ValData.newBuilder().setData(ByteString.copyFromUtf8(version)).build())
        .build().toByteArray();
  }

  /** The replies of a GET on {@code key} from the shared session: the stored version, or the error text. */
  private String get(String key) throws Exception {
    List<String> seen = new ArrayList<>();
    for (Reply reply : session.get(key, GET).collect(Duration.ofSeconds(10))) {
      seen.add(reply.isOk() ? ObjData.parseFrom(reply.payload()).getEntriesOrThrow("v").getData().toStringUtf8()
          : new String(reply.payload(), StandardCharsets.UTF_8));
    }
    assertThat(seen).as("replies on %s", key).hasSize(1);
    return seen.get(0);
  }

  @Test
  void getRightAfterDeleteSample_neverSeesTheDeletedObject() throws Exception {
    for (int i = 0; i < ROUNDS; i++) {
      String key = "oprc/orders/" + (i % 2) + "/objects/d" + (i % 7);
      session.put(key, obj("v" + i));
      assertThat(get(key)).as("round %d: GET after PUT", i).isEqualTo("v" + i);
      session.delete(key);
      assertThat(get(key)).as("round %d: GET after DELETE", i).isEqualTo("object not found");
    }
    assertThat(node.zenohApiStats()).contains("rejected=0");
  }

  @Test
  void getRightAfterPutSample_seesThatPut() throws Exception {
    String key = "oprc/orders/1/objects/p1";
    for (int i = 0; i < ROUNDS; i++) {
      session.put(key, obj("v" + i));
      assertThat(get(key)).as("round %d: GET after PUT", i).isEqualTo("v" + i);
    }
    assertThat(node.zenohApiStats()).contains("rejected=0");
  }
}
