package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.SingleKeyRequest;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.security.ClientTls;
import dev.oprc.zenoh.testing.TestCertificates;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node process on TLS ({@code ODGM_TLS_*}) with certificates this test makes: it answers TLS
 * clients that trust its CA and refuses plaintext; on mutual TLS it refuses a client without a
 * certificate or with one from another CA, and nothing such a client sent is applied (checked by
 * a good client's read after a later marker write); the CLI talks to it with its flags.
 */
class TlsProcessTest {
  @TempDir
  Path dir;
  private TestCertificates ca;
  private TestCertificates.Issued node;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private NodeProcess process;

  @BeforeEach
  void certificates() {
    ca = TestCertificates.authority(dir, "cluster-ca");
    node = ca.issue("node-1");
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (process != null) {
      process.close();
    }
  }

  private NodeProcess start(boolean mutual) throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("ODGM_STORAGE", "memory",
        "ODGM_TLS_CERT_FILE", node.cert().toString(), "ODGM_TLS_KEY_FILE", node.key().toString()));
    if (mutual) {
      env.put("ODGM_TLS_CLIENT_CA_FILE", ca.caCert().toString());
    } else {
      env.put("ODGM_TLS_CA_FILE", ca.caCert().toString()); // NodeProcess's own client trusts it
    }
    process = NodeProcess.start(env); // waits until its own TLS client (the node's certificate) is answered
    return process;
  }

  private DataServiceGrpc.DataServiceBlockingStub client(ClientTls tls) {
    ManagedChannel c = NodeProcess.channel(process.port, tls);
    channels.add(c);
    return DataServiceGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static void set(DataServiceGrpc.DataServiceBlockingStub data, String object, String value) {
    data.setValue(SetKeyRequest.newBuilder().setClsId("example").setPartitionId(0).setObjectId(object).setKey("k")
        .setValue(ValData.newBuilder().setData(ByteString.copyFromUtf8(value))).build());
  }

  private static String get(DataServiceGrpc.DataServiceBlockingStub data, String object) {
    return data.getValue(SingleKeyRequest.newBuilder().setClsId("example").setPartitionId(0).setObjectId(object)
        .setKey("k").build()).getValue().getData().toStringUtf8();
  }

  /** The refused client's write is absent, read by a good client after that client's later marker write. */
  private void assertNothingAppliedFrom(DataServiceGrpc.DataServiceBlockingStub refused) {
    assertThatThrownBy(() -> set(refused, "intruder", "x")).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    DataServiceGrpc.DataServiceBlockingStub good = client(ClientTls.of(ca.caCert(), node.cert(), node.key()));
    set(good, "marker", "after");
    assertThat(get(good, "marker")).isEqualTo("after");
    assertThat(good.getValue(SingleKeyRequest.newBuilder().setClsId("example").setPartitionId(0)
        .setObjectId("intruder").setKey("k").build()).hasValue()).as("the refused client's write").isFalse();
  }

  @Test
  void aTlsNodeAnswersATlsClientThatTrustsItsCa() throws Exception {
    start(false);
    DataServiceGrpc.DataServiceBlockingStub tls = client(ClientTls.of(ca.caCert(), null, null));
    set(tls, "o1", "v1");
    assertThat(get(tls, "o1")).isEqualTo("v1");
    assertThat(process.output()).contains("serving gRPC on port " + process.port + " (TLS)");
  }

  @Test
  void aTlsNodeRefusesAPlaintextClient() throws Exception {
    start(false);
    assertNothingAppliedFrom(client(ClientTls.PLAINTEXT));
  }

  @Test
  void aTlsClientThatDoesNotTrustTheNodesCaIsRefused() throws Exception {
    start(false);
    Path otherCa = TestCertificates.authority(dir.resolve("other"), "other-ca").caCert();
    assertNothingAppliedFrom(client(ClientTls.of(otherCa, null, null)));
  }

  @Test
  void aMutualTlsNodeRefusesAClientWithoutACertificateAndAppliesNothingItSent() throws Exception {
    start(true);
    assertNothingAppliedFrom(client(ClientTls.of(ca.caCert(), null, null)));
  }

  @Test
  void aMutualTlsNodeRefusesACertificateFromAnotherCaAndAppliesNothingItSent() throws Exception {
    start(true);
    TestCertificates.Issued stranger = TestCertificates.authority(dir.resolve("other"), "other-ca").issue("stranger");
    assertNothingAppliedFrom(client(ClientTls.of(ca.caCert(), stranger.cert(), stranger.key())));
  }

  @Test
  void aMutualTlsNodeAnswersAClientCertificateFromItsClientCa() throws Exception {
    start(true);
    TestCertificates.Issued app = ca.issue("app");
    DataServiceGrpc.DataServiceBlockingStub client = client(ClientTls.of(ca.caCert(), app.cert(), app.key()));
    set(client, "o1", "v1");
    assertThat(get(client, "o1")).isEqualTo("v1");
    assertThat(process.output()).contains("(mutual TLS)");
  }

  @Test
  void theCliTalksToAMutualTlsNodeWithItsCaCertificateAndKeyAndFailsWithoutThem() throws Exception {
    start(true);
    TestCertificates.Issued app = ca.issue("cli");
    String nodeAddr = "127.0.0.1:" + process.port;
    Cli put = cli("--node", nodeAddr, "--ca", ca.caCert().toString(), "--cert", app.cert().toString(), "--key",
        app.key().toString(), "put", "example/0/order-1", "status=paid");
    assertThat(put.code()).as(put.output()).isZero();
    Cli get = cli("get", "example/0/order-1", "--node", nodeAddr, "--ca", ca.caCert().toString(), "--cert",
        app.cert().toString(), "--key", app.key().toString());
    assertThat(get.code()).as(get.output()).isZero();
    assertThat(get.output()).contains("paid");
    Cli plain = cli("--node", nodeAddr, "get", "example/0/order-1");
    assertThat(plain.code()).as(plain.output()).isEqualTo(1);
    assertThat(plain.output()).contains("UNAVAILABLE");
  }

  /** One finished {@code odgm cli} process: exit code and combined output. */
  record Cli(int code, String output) {}

  private Cli cli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "dev.oprc.odgm.node.OdgmCli", "cli"));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "cli-", ".out");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ODGM_") || k.startsWith("OPRC_"));
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("odgm cli " + String.join(" ", args) + " did not exit within 120 s");
    }
    return new Cli(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
  }
}
