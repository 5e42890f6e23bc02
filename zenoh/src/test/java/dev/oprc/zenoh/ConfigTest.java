package dev.oprc.zenoh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {
    @Test
    void emptyEnvIsLocalOnlyClient() {
        Config c = Config.fromEnv(Map.of());
        assertThat(c.endpoints()).isEmpty();
        assertThat(c.lease()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.batchSize()).isEqualTo(65535);
        assertThat(c.reconnectInitial()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.reconnectMax()).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void readsUpstreamVariables() {
        Config c = Config.fromEnv(Map.of("OPRC_ZENOH_PEERS", " tcp/10.0.0.1:7447 , tcp/[::1]:7448,",
                "OPRC_ZENOH_MODE", "Peer", "OPRC_ZENOH_PROTOCOL", "tcp", "OPRC_ZENOH_PORT", "0",
                "OPRC_ZENOH_BUFFER_SIZE", "8192", "OPRC_ZENOH_LEASE_MS", "2000",
                "OPRC_ZENOH_RECONNECT_MAX_MS", "8000", "OPRC_ZENOH_TX_QUEUE", "100"));
        assertThat(c.mode()).isEqualTo(Mode.PEER);
        assertThat(c.endpoints()).containsExactly("tcp/10.0.0.1:7447", "tcp/[::1]:7448");
        assertThat(Endpoint.parse("tcp/[::1]:7448")).isEqualTo(new Endpoint("::1", 7448));
        assertThat(c.batchSize()).isEqualTo(8192);
        assertThat(c.lease()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.reconnectMax()).isEqualTo(Duration.ofSeconds(8));
        assertThat(c.outboundQueueCapacity()).isEqualTo(100);
        assertThat(Config.fromEnv(Map.of("OPRC_ZENOH_MODE", "client")).mode()).isEqualTo(Mode.CLIENT);
    }

    @Test
    void readsTheTlsListenerAndItsMaterialFromTheEnvironment() {
        Config c = Config.fromEnv(Map.of("OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PROTOCOL", "TLS",
                "OPRC_ZENOH_TLS_LISTEN_CERTIFICATE", "/etc/node.crt", "OPRC_ZENOH_TLS_LISTEN_PRIVATE_KEY",
                "/etc/node.key", "OPRC_ZENOH_TLS_ROOT_CA_CERTIFICATE", "/etc/ca.crt", "OPRC_ZENOH_TLS_ENABLE_MTLS",
                "true", "OPRC_ZENOH_TLS_VERIFY_NAME_ON_CONNECT", "false"));
        assertThat(c.listensTls()).isTrue();
        assertThat(c.tls()).isEqualTo(new TlsConfig(java.nio.file.Path.of("/etc/ca.crt"),
                java.nio.file.Path.of("/etc/node.crt"), java.nio.file.Path.of("/etc/node.key"), null, null, true,
                false));
        assertThatThrownBy(() -> Config.fromEnv(Map.of("OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PROTOCOL", "tls")))
                .hasMessageContaining("transport.link.tls.listen_certificate");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("OPRC_ZENOH_TLS_ENABLE_MTLS", "yes")))
                .hasMessageContaining("OPRC_ZENOH_TLS_ENABLE_MTLS").hasMessageContaining("yes");
    }

    @Test
    void rejectsBadValuesNamingTheVariable() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("OPRC_ZENOH_MODE", "router")))
                .isInstanceOf(ZenohException.class).hasMessageContaining("OPRC_ZENOH_MODE=router");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("OPRC_ZENOH_MODE", "boss")))
                .hasMessageContaining("OPRC_ZENOH_MODE").hasMessageContaining("boss");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("OPRC_ZENOH_PEERS", "udp/1.2.3.4:7447")))
                .hasMessageContaining("OPRC_ZENOH_PEERS").hasMessageContaining("udp/1.2.3.4:7447");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("OPRC_ZENOH_PEERS", "tcp/host:notaport")))
                .hasMessageContaining("OPRC_ZENOH_PEERS").hasMessageContaining("non-numeric port");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("OPRC_ZENOH_PROTOCOL", "quic")))
                .hasMessageContaining("OPRC_ZENOH_PROTOCOL").hasMessageContaining("quic");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("OPRC_ZENOH_PORT", "70000")))
                .hasMessageContaining("OPRC_ZENOH_PORT").hasMessageContaining("70000");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("OPRC_ZENOH_BUFFER_SIZE", "12")))
                .hasMessageContaining("OPRC_ZENOH_BUFFER_SIZE");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("OPRC_ZENOH_LEASE_MS", "abc")))
                .hasMessageContaining("OPRC_ZENOH_LEASE_MS").hasMessageContaining("abc");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("OPRC_ZENOH_RECONNECT_INITIAL_MS", "9000")))
                .hasMessageContaining("reconnectMax");
    }

    @Test
    void builderValidates() {
        assertThatThrownBy(() -> Config.builder().batchSize(100).build()).hasMessageContaining("batchSize")
                .hasMessageContaining("100");
        assertThatThrownBy(() -> Config.builder().lease(Duration.ZERO).build()).hasMessageContaining("lease");
        assertThatThrownBy(() -> Config.builder().endpoints(List.of("tcp/:1")).build()).hasMessageContaining("tcp/:1");
        Config c = Config.client("tcp/127.0.0.1:7447");
        assertThat(c.toBuilder().build()).isEqualTo(c);
    }

    @Test
    void aPeerFromTheEnvironmentListensOnTheZenohPortAndAClientOnNone() {
        assertThat(Config.fromEnv(Map.of("OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PORT", "17447")).listenPort())
                .isEqualTo(17447);
        assertThat(Config.fromEnv(Map.of("OPRC_ZENOH_MODE", "peer")).listenPort()).isZero();
        assertThat(Config.fromEnv(Map.of("OPRC_ZENOH_MODE", "client", "OPRC_ZENOH_PORT", "17447")).listenPort())
                .isEqualTo(-1);
        assertThat(Config.fromEnv(Map.of()).listenPort()).isEqualTo(-1);
    }

    @Test
    void onlyAPeerListens() {
        assertThatThrownBy(() -> Config.builder().listenPort(7447).build()).isInstanceOf(ZenohException.class)
                .hasMessageContaining("listenPort 7447").hasMessageContaining("PEER");
        assertThatThrownBy(() -> Config.builder().mode(Mode.PEER).listenPort(70000).build())
                .hasMessageContaining("listenPort").hasMessageContaining("70000");
        Config p = Config.peer(0, "tcp/127.0.0.1:7447");
        assertThat(p.listenPort()).isZero();
        assertThat(p.toBuilder().build()).isEqualTo(p);
    }

    @Test
    void aPeerThatCannotBindFailsToOpenNamingTheAddress() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> Zenoh.open(Config.builder().mode(Mode.PEER).listenHost("127.0.0.1")
                    .listenPort(taken.getLocalPort()).build())).isInstanceOf(ZenohException.class)
                    .hasMessageContaining("tcp/127.0.0.1:" + taken.getLocalPort());
        }
    }
}
