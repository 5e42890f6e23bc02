package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.zenoh.testing.TestCertificates;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code OdgmNode.main} as a process: every configuration or startup failure is one line
 * {@code odgm: …} naming the variable or resource, exit code 2, no stack trace (issue 9 §4).
 */
class StartupFailureProcessTest {
  private static final String ROUTE_COLLECTION = "[{\"name\":\"orders\",\"partitionCount\":1,\"invocations\":"
      + "{\"fnRoutes\":{\"%s\":{\"url\":\"%s\"}}}}]";

  /** Runs the node, expects exit 2 and one {@code odgm:} line containing {@code expected}. */
  private static String failsWithOneLine(Map<String, String> env, String... expected) throws Exception {
    Map<String, String> withMemory = new java.util.HashMap<>(env);
    withMemory.putIfAbsent("ODGM_STORAGE", "memory");
    NodeProcess.Exit exit = NodeProcess.run(withMemory, 60);
    assertThat(exit.code()).as(exit.output()).isEqualTo(2);
    List<String> odgmLines = Arrays.stream(exit.output().split("\n")).filter(l -> l.startsWith("odgm: ")).toList();
    assertThat(odgmLines).as(exit.output()).hasSize(1);
    assertThat(odgmLines.get(0)).contains(expected);
    assertThat(exit.output()).doesNotContain("\tat ", "Exception");
    return odgmLines.get(0);
  }

  @Test
  void anUnsupportedZenohModeNamesTheVariable() throws Exception {
    failsWithOneLine(Map.of("OPRC_ZENOH_MODE", "router"), "OPRC_ZENOH_MODE", "client or peer");
  }

  @Test
  void aNonNumericZenohDurationNamesTheVariable() throws Exception {
    failsWithOneLine(Map.of("OPRC_ZENOH_LEASE_MS", "soon"), "OPRC_ZENOH_LEASE_MS", "soon");
  }

  @Test
  void aMalformedPeerEndpointNamesTheVariable() throws Exception {
    failsWithOneLine(Map.of("OPRC_ZENOH_PEERS", "udp/nowhere"), "OPRC_ZENOH_PEERS");
  }

  @Test
  void aMissingZenohTlsKeyFileNamesTheVariable() throws Exception {
    failsWithOneLine(Map.of("OPRC_ZENOH_TLS_LISTEN_PRIVATE_KEY", "/nonexistent/node.key"),
        "OPRC_ZENOH_TLS_LISTEN_PRIVATE_KEY", "/nonexistent/node.key", "no such file");
  }

  @Test
  void aTlsPeerWithoutACertificateNamesTheVariables() throws Exception {
    failsWithOneLine(Map.of("OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PROTOCOL", "tls"),
        "OPRC_ZENOH_TLS_LISTEN_CERTIFICATE", "OPRC_ZENOH_TLS_LISTEN_PRIVATE_KEY");
  }

  @Test
  void anInvalidOdgmValueNamesTheVariable() throws Exception {
    failsWithOneLine(Map.of("ODGM_INVOKE_THREADS", "many"), "ODGM_INVOKE_THREADS", "'many'");
  }

  @Test
  void anInvalidGrpcMessageLimitNamesTheVariable() throws Exception {
    failsWithOneLine(Map.of("ODGM_GRPC_MAX_MESSAGE_BYTES", "10"), "ODGM_GRPC_MAX_MESSAGE_BYTES", "1024..");
  }

  @Test
  void aLogDirectiveWithABadLevelIsRefused() throws Exception {
    failsWithOneLine(Map.of("ODGM_LOG", "info,oprc_odgm=loud"), "ODGM_LOG", "oprc_odgm=loud");
  }

  @Test
  void anEmptyCollectionListIsRefused() throws Exception {
    failsWithOneLine(Map.of("ODGM_COLLECTION", "[]"), "ODGM_COLLECTION", "at least one");
  }

  @Test
  void aLocalRouteWithoutAHandlerIsRefused() throws Exception {
    failsWithOneLine(Map.of("ODGM_COLLECTION", String.format(ROUTE_COLLECTION, "f", "local:nope")),
        "ODGM_COLLECTION", "'local:nope'", "local:echo");
  }

  @Test
  void aFunctionNameWithASlashIsRefused() throws Exception {
    failsWithOneLine(Map.of("ODGM_COLLECTION", String.format(ROUTE_COLLECTION, "a/b", "local:echo")),
        "ODGM_COLLECTION", "'a/b'", "'/'");
  }

  @Test
  void aGrpcPortInUseNamesThePortAndTheVariable() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(0));
      failsWithOneLine(Map.of("ODGM_HTTP_PORT", Integer.toString(taken.getLocalPort())),
          "ODGM_HTTP_PORT", Integer.toString(taken.getLocalPort()));
    }
  }

  @Test
  void anUnreachableRouterFailsTheStartWhenRequired() throws Exception {
    int nobody = ZenohRouterProcess.freePort();
    failsWithOneLine(Map.of("OPRC_ZENOH_MODE", "client", "OPRC_ZENOH_PEERS", "tcp/127.0.0.1:" + nobody,
        "OPRC_ZENOH_CONNECT_TIMEOUT_MS", "500", "ODGM_REQUIRE_ROUTER", "true"),
        "Zenoh router not reachable", "127.0.0.1:" + nobody, "ODGM_REQUIRE_ROUTER");
  }

  @Test
  void anUnknownCollectionFieldIsAWarningAndTheNodeServes() throws Exception {
    String json = "[{\"name\":\"orders\",\"partitionCount\":1,\"futureField\":7}]";
    try (NodeProcess n = NodeProcess.start(Map.of("ODGM_COLLECTION", json, "ODGM_STORAGE", "memory"))) {
      assertThat(n.shards()).hasSize(1);
      assertThat(n.output()).contains("WARN", "ODGM_COLLECTION[0]", "futureField");
    }
  }

  @Test
  void anUnknownVariableIsOneWarningNamingTheNearestKnownOneAndTheNodeServes() throws Exception {
    try (NodeProcess n = NodeProcess.start(Map.of("ODGM_STORAGE", "memory", "ODGM_EVENT_DISPACH_THREADS", "2"))) {
      assertThat(n.shards()).hasSize(1);
      assertThat(n.output().lines().filter(l -> l.contains("ODGM_EVENT_DISPACH_THREADS")))
          .singleElement().asString().contains("WARN",
              "unknown variable ODGM_EVENT_DISPACH_THREADS; did you mean ODGM_EVENT_DISPATCH_THREADS?");
    }
  }

  private static int status(int port, String path) throws Exception {
    java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net.URI.create("http://127.0.0.1:" + port + path)
        .toURL().openConnection();
    try {
      return c.getResponseCode();
    } finally {
      c.disconnect();
    }
  }

  @Test
  void anUnreachableRouterAtStartIsServedAndConnectedInTheBackground() throws Exception {
    try (ZenohRouterProcess router = ZenohRouterProcess.start()) {
      router.stop(); // its port is known and nobody listens on it
      int metrics = ZenohRouterProcess.freePort();
      try (NodeProcess n = NodeProcess.start(Map.of("ODGM_STORAGE", "memory", "OPRC_ZENOH_MODE", "client",
          "OPRC_ZENOH_PEERS", router.endpoint(), "OPRC_ZENOH_CONNECT_TIMEOUT_MS", "300",
          "ODGM_METRICS_PORT", Integer.toString(metrics)))) {
        assertThat(n.shards()).isNotEmpty(); // serving gRPC without a router
        assertThat(status(metrics, "/healthz")).isEqualTo(200);
        assertThat(status(metrics, "/readyz")).isEqualTo(503);
        router.restart();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (status(metrics, "/readyz") != 200) {
          assertThat(System.nanoTime()).as("ready once the router is up:\n" + n.output()).isLessThan(deadline);
          Thread.sleep(100);
        }
      }
    }
  }

  @TempDir
  java.nio.file.Path certs;

  @Test
  void aMissingTlsCertificateFileNamesTheVariable() throws Exception {
    TestCertificates.Issued node = TestCertificates.authority(certs, "ca").issue("node-1");
    failsWithOneLine(Map.of("ODGM_TLS_CERT_FILE", certs.resolve("missing.crt").toString(), "ODGM_TLS_KEY_FILE",
        node.key().toString()), "ODGM_TLS_CERT_FILE=", "missing.crt", "cannot be read");
  }

  @Test
  void aTlsKeyOfAnotherCertificateNamesTheKeyVariable() throws Exception {
    TestCertificates ca = TestCertificates.authority(certs, "ca");
    TestCertificates.Issued node = ca.issue("node-1");
    TestCertificates.Issued other = ca.issue("node-2");
    failsWithOneLine(Map.of("ODGM_TLS_CERT_FILE", node.cert().toString(), "ODGM_TLS_KEY_FILE",
        other.key().toString()), "ODGM_TLS_KEY_FILE=", "not the key of the certificate");
  }

  @Test
  void anUnreadableClientCaNamesTheVariable() throws Exception {
    TestCertificates.Issued node = TestCertificates.authority(certs, "ca").issue("node-1");
    failsWithOneLine(Map.of("ODGM_TLS_CERT_FILE", node.cert().toString(), "ODGM_TLS_KEY_FILE", node.key().toString(),
        "ODGM_TLS_CLIENT_CA_FILE", node.key().toString()), "ODGM_TLS_CLIENT_CA_FILE=");
  }

  @Test
  void anOpsBindAddressOfNoHostNamesTheVariable() throws Exception {
    failsWithOneLine(Map.of("ODGM_METRICS_PORT", Integer.toString(ZenohRouterProcess.freePort()),
        "ODGM_METRICS_BIND", "no-such-host.invalid"), "ODGM_METRICS_BIND='no-such-host.invalid'");
  }

  @Test
  void theOpsPortBindsTheGivenAddress() throws Exception {
    int metrics = ZenohRouterProcess.freePort();
    try (NodeProcess n = NodeProcess.start(Map.of("ODGM_STORAGE", "memory", "ODGM_METRICS_PORT",
        Integer.toString(metrics), "ODGM_METRICS_BIND", "127.0.0.1"))) {
      assertThat(status(metrics, "/healthz")).as(n.output()).isEqualTo(200);
    }
  }
}
