package dev.oprc.odgm.e2e;

import java.nio.charset.StandardCharsets;
import com.google.protobuf.ByteString;
import dev.oprc.odgm.node.NodeConfig;
import dev.oprc.odgm.node.OdgmNode;
import dev.oprc.odgm.node.ZenohTransport;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.proto.ValData;
import java.util.Map;

/**
 * A node process like {@code OdgmNode.main} (configured by the environment) that also hosts
 * {@code local:write}: it sets entry {@code status} of the invoked object to the payload, with the
 * invocation's write context, and returns {@code wrote <payload>}. Its write's triggers then fire
 * like any client write's (a gateway-shaped flow: sync invoke → write → trigger → second function).
 */
public final class WritingNodeMain {
  private WritingNodeMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    OdgmNode node = OdgmNode.builder().config(NodeConfig.fromEnv(env)).transport(ZenohTransport.open(env))
        .handler("write", call -> {
          call.node().shards().shard(call.clsId(), call.partitionId()).setValue(call.objectId(), "status",
              ValData.newBuilder().setData(ByteString.copyFrom(call.payload())).build(), call.writeContext());
          return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY)
              .setPayload(ByteString.copyFromUtf8("wrote " + new String(call.payload(), StandardCharsets.UTF_8))).build();
        })
        .start();
    Runtime.getRuntime().addShutdownHook(new Thread(node::close, "odgm-shutdown"));
    node.awaitTermination();
  }
}
