package dev.oprc.zenoh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.zenoh.testing.PythonZenohProcess;
import dev.oprc.zenoh.testing.PythonZenohProcess.PyReply;
import dev.oprc.zenoh.testing.TestCertificates;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code tls/} links against real Zenoh (eclipse-zenoh 1.10.2, rustls): our client publishes and
 * answers queries through a TLS router and a mutual-TLS router; a client trusting another CA, and
 * with mTLS a client without a certificate or with one from another CA, cannot connect. In peer
 * mode a Python peer joins our TLS listener (mutual TLS) and exchanges puts both ways; a peer with
 * the wrong CA, or without a certificate, cannot join. Certificates come from a fresh test CA.
 */
@Timeout(180)
class TlsInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** How our client reports a server that refused its certificate (or its lack of one). */
    private static final String REFUSED_AFTER_HANDSHAKE = "TLS link closed by the server after the TLS handshake";
    private static Path dir;
    private static TestCertificates ca;
    private static TestCertificates.Issued routerCert;
    private static TestCertificates.Issued clientCert;
    private static TestCertificates.Issued rogueCert;
    private static ZenohRouterProcess tlsRouter;
    private static ZenohRouterProcess mtlsRouter;
    private static PythonZenohProcess tlsPy;
    private static PythonZenohProcess mtlsPy;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("zenoh-tls");
        ca = TestCertificates.authority(dir, "ca");
        routerCert = ca.issue("router");
        clientCert = ca.issue("client");
        rogueCert = TestCertificates.authority(dir, "rogue-ca").issue("rogue");
        tlsRouter = ZenohRouterProcess.startTls(routerCert, false, "oprc/**");
        mtlsRouter = ZenohRouterProcess.startTls(routerCert, true, "oprc/**");
        tlsPy = python("client", null, tlsRouter.endpoint(), ca.issue("py-tls"), false);
        mtlsPy = python("client", null, mtlsRouter.endpoint(), ca.issue("py-mtls"), true);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {mtlsPy, tlsPy, mtlsRouter, tlsRouter}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    static PythonZenohProcess python(String mode, String listen, String connect, TestCertificates.Issued own,
                                     boolean mtls, String... subKeys) {
        return PythonZenohProcess.start(mode, listen, connect == null ? List.of() : List.of(connect), 0,
                PythonZenohProcess.tlsOptions(own.caCert(), own, mtls), subKeys);
    }

    static TlsConfig.Builder trusting(Path caCert) {
        return TlsConfig.builder().rootCaCertificate(caCert);
    }

    static Config client(String endpoint, TlsConfig tls) {
        return Config.builder().connect(endpoint).tls(tls).reconnectInitial(Duration.ofMillis(100))
                .reconnectMax(Duration.ofMillis(500)).build();
    }

    /** A client that must fail: gives up quickly, the failure is what is asserted. */
    static Config refusedClient(String endpoint, TlsConfig tls) {
        return client(endpoint, tls).toBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    static TlsConfig mtls(TestCertificates.Issued own) {
        return trusting(own.caCert()).connect(own.cert(), own.key()).enableMtls(true).build();
    }

    @Test
    void clientPublishesThroughTlsRouter() {
        try (Session s = Zenoh.open(client(tlsRouter.endpoint(), trusting(ca.caCert()).build()))) {
            s.put("oprc/tls/put", "over-tls");
            assertThat(tlsRouter.awaitSamples(1, r -> r.key().equals("oprc/tls/put"), WAIT).get(0).payloadAsString())
                    .isEqualTo("over-tls");
        }
    }

    @Test
    void clientVerifiesTheRouterByDnsName() {
        String byName = tlsRouter.endpoint().replace("127.0.0.1", "localhost");
        try (Session s = Zenoh.open(client(byName, trusting(ca.caCert()).build()))) {
            assertThat(s.isConnected()).isTrue();
        }
    }

    @Test
    void clientAnswersQueriesThroughTlsRouter() throws Exception {
        try (Session s = Zenoh.open(client(tlsRouter.endpoint(), trusting(ca.caCert()).build()))) {
            s.declareQueryable("tq/tls", q -> q.reply("tq/tls", "answer:" + q.payloadAsString()));
            assertThat(pythonGet(tlsPy, "tq/tls").get(0).payloadAsString()).isEqualTo("answer:hi");
        }
    }

    @Test
    void clientPublishesThroughMutualTlsRouter() {
        try (Session s = Zenoh.open(client(mtlsRouter.endpoint(), mtls(clientCert)))) {
            s.put("oprc/mtls/put", "over-mtls");
            assertThat(mtlsRouter.awaitSamples(1, r -> r.key().equals("oprc/mtls/put"), WAIT).get(0)
                    .payloadAsString()).isEqualTo("over-mtls");
        }
    }

    @Test
    void clientAnswersQueriesThroughMutualTlsRouter() throws Exception {
        try (Session s = Zenoh.open(client(mtlsRouter.endpoint(), mtls(clientCert)))) {
            s.declareQueryable("tq/mtls", q -> q.reply("tq/mtls", "answer:" + q.payloadAsString()));
            assertThat(pythonGet(mtlsPy, "tq/mtls").get(0).payloadAsString()).isEqualTo("answer:hi");
        }
    }

    @Test
    void clientTrustingAnotherCaCannotConnect() {
        assertThatThrownBy(() -> Zenoh.open(refusedClient(tlsRouter.endpoint(),
                trusting(rogueCert.caCert()).build())))
                .isInstanceOf(ZenohException.class).hasMessageContaining("PKIX path");
    }

    @Test
    void mutualTlsRouterRefusesClientWithoutCertificate() {
        assertThatThrownBy(() -> Zenoh.open(refusedClient(mtlsRouter.endpoint(), trusting(ca.caCert()).build())))
                .isInstanceOf(ZenohException.class).hasMessageContaining(REFUSED_AFTER_HANDSHAKE);
    }

    @Test
    void mutualTlsRouterRefusesCertificateFromAnotherCa() {
        TlsConfig rogue = trusting(ca.caCert()).connect(rogueCert.cert(), rogueCert.key()).enableMtls(true).build();
        assertThatThrownBy(() -> Zenoh.open(refusedClient(mtlsRouter.endpoint(), rogue)))
                .isInstanceOf(ZenohException.class).hasMessageContaining(REFUSED_AFTER_HANDSHAKE);
    }

    @Test
    void pythonPeerJoinsMutualTlsPeerAndPutsFlowBothWays() throws Exception {
        try (Session s = Zenoh.open(tlsPeer(true));
             PythonZenohProcess py = python("peer", null, "tls/127.0.0.1:" + s.listenPort(), ca.issue("py-peer"),
                     true, "oprc/**")) {
            BlockingSubscriber sub = s.declareSubscriber("py/**", 16);
            PeerInteropTest.await("Python peer linked", s::isConnected);
            assertThat(py.awaitMatching("py/one", WAIT)).isTrue(); // else the peer drops the put: no subscriber yet
            py.put("py/one", PeerInteropTest.bytes("from-python"), null, null);
            assertThat(sub.poll(WAIT).payloadAsString()).isEqualTo("from-python");
            assertThat(py.awaitMatching("oprc/two", WAIT)).isTrue();
            s.put("oprc/two", "from-java");
            assertThat(py.awaitSamples(1, WAIT).get(0).payloadAsString()).isEqualTo("from-java");
        }
    }

    @Test
    void peerTrustingAnotherCaCannotJoinTlsPeer() throws Exception {
        try (Session s = Zenoh.open(tlsPeer(false));
             PythonZenohProcess py = python("peer", null, "tls/127.0.0.1:" + s.listenPort(), rogueCert, false)) {
            PeerInteropTest.await("two refused handshakes", () -> s.stats().acceptFailures() >= 2);
            assertThat(s.stats().connected()).isFalse();
            assertThat(py.isAlive()).isTrue();
        }
    }

    @Test
    void mutualTlsPeerRefusesPeerWithoutCertificate() throws Exception {
        try (Session s = Zenoh.open(tlsPeer(true));
             PythonZenohProcess py = PythonZenohProcess.start("peer", null,
                     List.of("tls/127.0.0.1:" + s.listenPort()), 0,
                     PythonZenohProcess.tlsOptions(ca.caCert(), null, false))) {
            PeerInteropTest.await("two refused handshakes", () -> s.stats().acceptFailures() >= 2);
            assertThat(s.stats().connected()).isFalse();
            assertThat(py.isAlive()).isTrue();
        }
    }

    /** Our peer listening on {@code tls/127.0.0.1:<any>} with the router's certificate. */
    static Config tlsPeer(boolean mtls) {
        TlsConfig tls = trusting(ca.caCert()).listen(routerCert.cert(), routerCert.key()).enableMtls(mtls).build();
        return PeerInteropTest.peer(0).listenProtocol("tls").tls(tls).build();
    }

    /** Repeats a Python get until a reply arrives (the Java queryable's declaration reached the router). */
    static List<PyReply> pythonGet(PythonZenohProcess py, String selector) throws InterruptedException {
        return PeerInteropTest.pythonGet(py, selector);
    }
}
