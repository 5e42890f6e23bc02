package dev.oprc.zenoh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.zenoh.testing.TestCertificates;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS between two of our own sessions (a peer listening on tls, a client dialing it): the
 * handshake, name verification and its switch; PEM key formats; and the configuration errors a
 * user sees, each naming Zenoh's {@code transport.link.tls} key.
 */
@Timeout(60)
class TlsLinksTest {
    @TempDir Path dir;

    private TestCertificates.Issued server() {
        return TestCertificates.authority(dir, "ca").issue("server");
    }

    private static Config listener(TestCertificates.Issued cert, String host, boolean mtls) {
        TlsConfig tls = TlsConfig.builder().rootCaCertificate(cert.caCert()).listen(cert.cert(), cert.key())
                .enableMtls(mtls).build();
        return PeerInteropTest.peer(0).listenHost(host).listenProtocol("tls").tls(tls).build();
    }

    private static Config client(String endpoint, TlsConfig tls) {
        return Config.builder().connect(endpoint).tls(tls).connectTimeout(Duration.ofSeconds(2)).build();
    }

    @Test
    void clientAndPeerListenerExchangePutsOverTls() throws Exception {
        TestCertificates.Issued cert = server();
        try (Session peer = Zenoh.open(listener(cert, "127.0.0.1", false));
             Session c = Zenoh.open(client("tls/localhost:" + peer.listenPort(),
                     TlsConfig.builder().rootCaCertificate(cert.caCert()).build()))) {
            BlockingSubscriber sub = peer.declareSubscriber("k/**", 4);
            PeerInteropTest.await("client's subscriber interest", () -> {
                c.put("k/1", "v");
                return sub.poll(Duration.ofMillis(200)) != null;
            });
            assertThat(peer.stats().acceptFailures()).isZero();
        }
    }

    @Test
    void aTcpListenerOfAPeerThatDialsTlsStaysPlaintext() throws Exception {
        TestCertificates.Issued cert = server();
        try (Session tlsPeer = Zenoh.open(listener(cert, "127.0.0.1", false));
             Session mixed = Zenoh.open(PeerInteropTest.peer(0, "tls/127.0.0.1:" + tlsPeer.listenPort())
                     .tls(TlsConfig.builder().rootCaCertificate(cert.caCert()).build()).build());
             Session plain = Zenoh.open(Config.builder().connect("tcp/127.0.0.1:" + mixed.listenPort())
                     .connectTimeout(Duration.ofSeconds(10)).build())) {
            assertThat(plain.isConnected()).isTrue();
            PeerInteropTest.await("the tls link of the mixed peer", () -> tlsPeer.stats().linksAccepted() == 1
                    && tlsPeer.isConnected());
            assertThat(mixed.stats().acceptFailures()).isZero();
        }
    }

    @Test
    void serverCertificateMustNameTheEndpointHost() {
        TestCertificates.Issued cert = server(); // names localhost and 127.0.0.1, not 127.0.0.2
        try (Session peer = Zenoh.open(listener(cert, "0.0.0.0", false))) {
            TlsConfig tls = TlsConfig.builder().rootCaCertificate(cert.caCert()).build();
            assertThatThrownBy(() -> Zenoh.open(client("tls/127.0.0.2:" + peer.listenPort(), tls)))
                    .isInstanceOf(ZenohException.class).hasMessageContaining("127.0.0.2");
        }
    }

    @Test
    void nameVerificationCanBeTurnedOffButTheChainIsStillChecked() {
        TestCertificates.Issued cert = server();
        try (Session peer = Zenoh.open(listener(cert, "0.0.0.0", false))) {
            TlsConfig anyName = TlsConfig.builder().rootCaCertificate(cert.caCert()).verifyNameOnConnect(false).build();
            try (Session c = Zenoh.open(client("tls/127.0.0.2:" + peer.listenPort(), anyName))) {
                assertThat(c.isConnected()).isTrue();
            }
            Path otherCa = TestCertificates.authority(dir.resolve("other"), "other").caCert();
            TlsConfig wrongCa = TlsConfig.builder().rootCaCertificate(otherCa).verifyNameOnConnect(false).build();
            assertThatThrownBy(() -> Zenoh.open(client("tls/127.0.0.2:" + peer.listenPort(), wrongCa)))
                    .isInstanceOf(ZenohException.class).hasMessageContaining("PKIX path");
        }
    }

    @Test
    void mutualTlsPeerAcceptsAClientCertificateFromItsCa() {
        TestCertificates ca = TestCertificates.authority(dir, "ca");
        TestCertificates.Issued server = ca.issue("server");
        TestCertificates.Issued client = ca.issue("client");
        TlsConfig tls = TlsConfig.builder().rootCaCertificate(ca.caCert()).connect(client.cert(), client.key())
                .enableMtls(true).build();
        try (Session peer = Zenoh.open(listener(server, "127.0.0.1", true));
             Session c = Zenoh.open(client("tls/127.0.0.1:" + peer.listenPort(), tls))) {
            assertThat(c.isConnected()).isTrue();
        }
    }

    @Test
    void readsTraditionalEcAndRsaKeys() throws Exception {
        assertThat(Pem.privateKey(traditionalKey("EC", new ECGenParameterSpec("secp256r1"))).getAlgorithm())
                .isEqualTo("EC");
        assertThat(Pem.privateKey(traditionalKey("RSA", null)).getAlgorithm()).isEqualTo("RSA");
    }

    @Test
    void readsPkcs8KeysAndCertificateChains() {
        TestCertificates.Issued cert = server();
        PrivateKey key = Pem.privateKey(cert.key());
        assertThat(key.getAlgorithm()).isEqualTo("EC");
        assertThat(Pem.certificates(cert.cert())).hasSize(2); // leaf, then CA
    }

    @Test
    void refusesEncryptedKeys() throws Exception {
        Path f = Files.writeString(dir.resolve("enc.key"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertThatThrownBy(() -> Pem.privateKey(f)).hasMessageContaining("encrypted private keys are not supported");
    }

    @Test
    void tlsListenerNeedsItsCertificate() {
        assertThatThrownBy(() -> PeerInteropTest.peer(0).listenProtocol("tls").build())
                .isInstanceOf(ZenohException.class).hasMessageContaining("transport.link.tls.listen_certificate");
    }

    @Test
    void mutualTlsListenerNeedsTheRootCa() {
        TestCertificates.Issued cert = server();
        TlsConfig tls = TlsConfig.builder().listen(cert.cert(), cert.key()).enableMtls(true).build();
        assertThatThrownBy(() -> PeerInteropTest.peer(0).listenProtocol("tls").tls(tls).build())
                .isInstanceOf(ZenohException.class).hasMessageContaining("transport.link.tls.root_ca_certificate");
    }

    @Test
    void mutualTlsConnectNeedsACertificateAndKey() {
        TlsConfig tls = TlsConfig.builder().enableMtls(true).build();
        assertThatThrownBy(() -> Config.builder().connect("tls/127.0.0.1:7447").tls(tls).build())
                .isInstanceOf(ZenohException.class).hasMessageContaining("transport.link.tls.connect_certificate");
    }

    @Test
    void certificateWithoutKeyIsRefused() {
        assertThatThrownBy(() -> TlsConfig.builder().listen(dir.resolve("a.crt"), null).build())
                .isInstanceOf(ZenohException.class).hasMessageContaining("transport.link.tls.listen_private_key");
    }

    @Test
    void unreadableFileIsAnErrorNamingItsKeyWhenTheSessionOpens() {
        TlsConfig tls = TlsConfig.builder().rootCaCertificate(dir.resolve("missing.crt")).build();
        assertThatThrownBy(() -> Zenoh.open(client("tls/127.0.0.1:7447", tls)))
                .isInstanceOf(ZenohException.class)
                .hasMessageContaining("transport.link.tls.root_ca_certificate")
                .hasMessageContaining("missing.crt");
    }

    @Test
    void keyThatIsNotAKeyIsAnErrorNamingItsKey() throws Exception {
        TestCertificates.Issued cert = server();
        TlsConfig tls = TlsConfig.builder().rootCaCertificate(cert.caCert()).listen(cert.cert(), cert.cert())
                .build();
        Config c = PeerInteropTest.peer(0).listenProtocol("tls").tls(tls).build();
        assertThatThrownBy(() -> Zenoh.open(c)).isInstanceOf(ZenohException.class)
                .hasMessageContaining("transport.link.tls.listen_private_key");
    }

    @Test
    void tcpEndpointsNeedNoTlsMaterial() {
        assertThat(Config.client("tcp/127.0.0.1:7447").tls()).isEqualTo(TlsConfig.DEFAULT);
        assertThat(List.of(Endpoint.parse("tls/[::1]:7447").tls(), Endpoint.parse("tcp/h:1").tls()))
                .containsExactly(true, false);
    }

    private Path traditionalKey(String alg, ECGenParameterSpec spec) throws Exception {
        // BouncyCastle's EC keys keep the curve in the SEC1 structure, as OpenSSL writes it
        KeyPairGenerator g = spec != null ? KeyPairGenerator.getInstance(alg, new BouncyCastleProvider())
                : KeyPairGenerator.getInstance(alg);
        if (spec != null) {
            g.initialize(spec);
        } else {
            g.initialize(2048);
        }
        KeyPair kp = g.generateKeyPair();
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(kp); // OpenSSL's traditional form: EC PRIVATE KEY / RSA PRIVATE KEY
        }
        assertThat(s.toString()).contains("-----BEGIN " + alg + " PRIVATE KEY-----");
        return Files.writeString(dir.resolve(alg + ".key"), s.toString());
    }
}
