package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.ResponseStatus;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The walkthrough in the README, run through the CLI against a real node (in-memory transport). */
class OdgmCliTest {
  private final List<FunctionCall> logged = new CopyOnWriteArrayList<>();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private OdgmNode node;
  private ManagedChannel channel;
  private OdgmCli cli;

  @BeforeEach
  void start() throws Exception {
    node = OdgmNode.builder().config(NodeConfig.fromEnv(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory")))
        .transport(new LoopbackTransport())
        .handler("log", call -> {
          logged.add(call);
          return InvocationResponse.newBuilder().setStatus(ResponseStatus.OKAY)
              .setPayload(ByteString.copyFrom(call.payload())).build();
        })
        .start();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.port()).usePlaintext().build();
    cli = new OdgmCli(channel, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(errBytes, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    node.close();
  }

  @Test
  void walkthroughFiresTheUpdateTriggerOnce() throws Exception {
    assertThat(cli.run(List.of("trigger", "example/0/order-1", "status", "on_update", "example/0/log"))).isZero();
    cli.run(List.of("put", "example/0/order-1", "status=paid"));
    cli.run(List.of("put", "example/0/order-1", "status=shipped"));
    long deadline = System.currentTimeMillis() + 5000;
    while (logged.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    // once the outbox holds nothing and published its one record once, no second run can come
    dev.oprc.odgm.shard.ObjectShard shard = node.shards().shard("example", 0);
    while (!(shard.eventStats().pending() == 0 && shard.eventStats().retired() == 1)
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(shard.eventStats().matched()).isEqualTo(1);
    assertThat(shard.eventStats().redelivered()).isZero();
    assertThat(logged).hasSize(1);
    assertThat(new String(logged.get(0).payload(), StandardCharsets.UTF_8))
        .contains("\"source_object_id\":\"order-1\"", "\"event_type\":4", "\"key\":\"status\"");
    cli.run(List.of("get", "example/0/order-1"));
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("version 3", "status = shipped", "on_update");
  }

  @Test
  void malformedArgumentsExitTwoNamingTheBadValue() {
    assertThat(cli.run(List.of("put", "example/x/o", "k=v"))).isEqualTo(2);
    assertThat(cli.run(List.of("put", "example/0/o", "novalue"))).isEqualTo(2);
    assertThat(cli.run(List.of("trigger", "example/0/o", "k", "on_upsert", "example/0/log"))).isEqualTo(2);
    assertThat(cli.run(List.of("frobnicate"))).isEqualTo(2);
    assertThat(err()).contains("'x'", "novalue", "on_upsert", "frobnicate");
  }

  @Test
  void whenOptionStoresAFilterSoOnlyTheMatchingUpdateFires() throws Exception {
    assertThat(cli.run(List.of("trigger", "example/0/order-2", "status", "on_update", "example/0/log",
        "--when", "new == shipped", "--with-values", "old"))).isZero();
    cli.run(List.of("put", "example/0/order-2", "status=new"));
    cli.run(List.of("put", "example/0/order-2", "status=paid"));
    cli.run(List.of("put", "example/0/order-2", "status=shipped"));
    cli.run(List.of("put", "example/0/order-2", "status=delivered"));
    long deadline = System.currentTimeMillis() + 5000;
    while (filteredOut() < 2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(filteredOut()).isEqualTo(2); // paid and delivered
    while (logged.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(logged).hasSize(1);
    assertThat(new String(logged.get(0).payload(), StandardCharsets.UTF_8))
        .contains("\"old_value\":\"" + java.util.Base64.getEncoder().encodeToString("paid".getBytes(StandardCharsets.UTF_8)) + "\"");
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("--when 'new == shipped'");
  }

  @Test
  void malformedWhenIsRejectedBeforeAnythingIsStored() {
    assertThat(cli.run(List.of("trigger", "example/0/o", "k", "on_update", "example/0/log", "--when", "amount >")))
        .isEqualTo(2);
    assertThat(err()).contains("filter 'amount >'");
    assertThat(cli.run(List.of("trigger", "example/0/o", "k", "on_update", "example/0/log", "--when", "error == x")))
        .as("refused by the node").isEqualTo(1);
    assertThat(err()).contains("INVALID_ARGUMENT", "attribute 'error' is only set on function events");
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  private long filteredOut() {
    return node.shards().shard("example", 0).eventStats().filteredOut();
  }
}
