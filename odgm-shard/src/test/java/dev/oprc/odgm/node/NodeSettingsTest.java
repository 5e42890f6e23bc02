package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.ops.OpsConfig;
import dev.oprc.odgm.ops.StartupChecks;
import dev.oprc.odgm.settings.ConfigException;
import dev.oprc.odgm.settings.Setting;
import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.Mode;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeSettingsTest {
  @Test
  void theCatalogueHoldsEveryModulesVariablesOnce() {
    assertThat(NodeSettings.CATALOGUE.all().stream().filter(s -> !s.ignored()).map(Setting::name))
        .hasSize(88).doesNotHaveDuplicates()
        .contains("ODGM_EVENT_DISPATCH_THREADS", "ODGM_OUTBOX_FULL", "ODGM_OUTBOX_FULL_WAIT_MS", "ODGM_STORAGE",
            "ODGM_RAFT_READ_LEASE", "ODGM_RAFT_LEADER_SPREAD", "ODGM_RAFT_ENTRIES_IN_FLIGHT", "ODGM_RAFT_HANDOFF_TIMEOUT_MS",
            "ODGM_HTTP_PORT", "ODGM_METRICS_PORT", "OPRC_ZENOH_PEERS", "ODGM_LOG", "LOG_FORMAT",
            "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_PROTOCOL");
  }

  @Test
  void aTypoOfAVariableIsWarnedAboutNamingTheIntendedOne() {
    assertThat(NodeSettings.CATALOGUE.unknownVariableWarnings(Map.of("ODGM_EVENT_DISPACH_THREADS", "2")))
        .containsExactly("unknown variable ODGM_EVENT_DISPACH_THREADS; did you mean ODGM_EVENT_DISPATCH_THREADS?");
  }

  @Test
  void upstreamsDeploymentVariablesAreKnownAndNotWarnedAbout() {
    assertThat(NodeSettings.CATALOGUE.unknownVariableWarnings(Map.of("ODGM_CLUSTER_ID", "c1", "ODGM_LOG", "info",
        "ODGM_MAX_SESSIONS", "4", "OPRC_ZENOH_PORT", "17447", "OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PEERS",
        "tcp/router:7447", "ODGM_EVENT_PIPELINE_V2", "true"))).isEmpty();
  }

  @Test
  void anInvalidNodeValueIsAConfigExceptionNamingTheVariable() {
    assertThatThrownBy(() -> NodeConfig.fromEnv(Map.of("ODGM_INVOKE_THREADS", "many")))
        .isExactlyInstanceOf(ConfigException.class)
        .hasMessage("ODGM_INVOKE_THREADS='many' is invalid; accepted: an integer 1..256");
  }

  @Test
  void aBlankNodeIdIsInvalidAsBefore() {
    assertThatThrownBy(() -> NodeConfig.fromEnv(Map.of("ODGM_NODE_ID", " ")))
        .hasMessageStartingWith("ODGM_NODE_ID=' ' is invalid; accepted: an unsigned 64-bit integer");
  }

  @Test
  void theNodeReadsItsVariables() {
    NodeConfig c = NodeConfig.fromEnv(Map.of("ODGM_NODE_ID", "18446744073709551615", "ODGM_HTTP_PORT", "0",
        "ODGM_INVOKE_THREADS", "3", "ODGM_SHUTDOWN_DRAIN_MS", "7", "ODGM_REFLECTION_ENABLED", "1",
        "ODGM_STORAGE", "memory"));
    assertThat(c.nodeId()).isEqualTo(-1L);
    assertThat(c.port()).isZero();
    assertThat(c.invokeThreads()).isEqualTo(3);
    assertThat(c.shutdownDrainMillis()).isEqualTo(7);
    assertThat(c.reflectionEnabled()).isTrue();
  }

  @Test
  void anInvalidOpsValueIsAConfigExceptionNamingTheVariable() {
    assertThatThrownBy(() -> OpsConfig.fromEnv(Map.of("ODGM_GRPC_MAX_MESSAGE_BYTES", "10")))
        .isExactlyInstanceOf(ConfigException.class)
        .hasMessage("ODGM_GRPC_MAX_MESSAGE_BYTES='10' is invalid; accepted: bytes 1024..1073741824");
  }

  @Test
  void theEphemeralMetricsPortIsForTheJavaApiOnly() {
    assertThat(OpsConfig.defaults().withMetricsPort(OpsConfig.EPHEMERAL).metricsPort()).isEqualTo(-1);
    assertThatThrownBy(() -> OpsConfig.fromEnv(Map.of("ODGM_METRICS_PORT", "-1")))
        .hasMessage("ODGM_METRICS_PORT='-1' is invalid; accepted: 0 (off) or a port 1..65535");
  }

  @Test
  void theDeclaredZenohDefaultsAreTheLibrarysDefaults() {
    Config declared = StartupChecks.zenoh(Map.of(), OpsConfig.defaults().withMetricsPort(0));
    assertThat(declared).isEqualTo(Config.builder().failOnConnectTimeout(false).build());
  }

  @Test
  void theZenohVariablesAreRead() {
    Config c = StartupChecks.zenoh(Map.of("OPRC_ZENOH_MODE", "Peer", "OPRC_ZENOH_PEERS", " tcp/a:7447, ,tcp/b:7448",
        "OPRC_ZENOH_LEASE_MS", "2000", "OPRC_ZENOH_TX_QUEUE", "8", "OPRC_ZENOH_BUFFER_SIZE", ""), OpsConfig.defaults());
    assertThat(c.mode()).isEqualTo(Mode.PEER);
    assertThat(c.endpoints()).containsExactly("tcp/a:7447", "tcp/b:7448");
    assertThat(c.lease()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.outboundQueueCapacity()).isEqualTo(8);
    assertThat(c.batchSize()).isEqualTo(65535);
  }

  @Test
  void aPeerListensOnTheZenohPortAndAClientOnNone() {
    assertThat(StartupChecks.zenoh(Map.of("OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PORT", "17447"),
        OpsConfig.defaults()).listenPort()).isEqualTo(17447);
    assertThat(StartupChecks.zenoh(Map.of("OPRC_ZENOH_MODE", "peer"), OpsConfig.defaults()).listenPort()).isZero();
    assertThat(StartupChecks.zenoh(Map.of("OPRC_ZENOH_MODE", "client", "OPRC_ZENOH_PORT", "17447"),
        OpsConfig.defaults()).listenPort()).isEqualTo(-1);
  }

  @Test
  void aZenohModeOtherThanClientOrPeerIsAConfigException() {
    assertThatThrownBy(() -> StartupChecks.zenoh(Map.of("OPRC_ZENOH_MODE", "router"), OpsConfig.defaults()))
        .isExactlyInstanceOf(ConfigException.class).hasMessageStartingWith("OPRC_ZENOH_MODE='router' is invalid")
        .hasMessageContaining("client or peer");
  }

  @Test
  void aMalformedPeerNamesTheVariable() {
    assertThatThrownBy(() -> StartupChecks.zenoh(Map.of("OPRC_ZENOH_PEERS", "udp/nowhere"), OpsConfig.defaults()))
        .isExactlyInstanceOf(ConfigException.class)
        .hasMessage("OPRC_ZENOH_PEERS='udp/nowhere' is invalid; accepted: comma-separated tcp/host:port or tls/host:port endpoints");
  }

  @Test
  void aStartupFailureOfAConfigExceptionIsOneLineNamingTheVariable() {
    assertThat(StartupChecks.oneLine(NodeSettings.INVOKE_THREADS.invalid("0")))
        .isEqualTo("odgm: invalid configuration: ODGM_INVOKE_THREADS='0' is invalid; accepted: an integer 1..256");
  }
}
