package dev.oprc.zenoh;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS side of a session's {@code tls/} links, built once from its {@link TlsConfig} when the
 * session is made (files read then; a bad file is a {@link ZenohException} naming its key). Wraps a
 * connected or accepted TCP socket in an {@link SSLSocket} and runs the TLS handshake on the
 * calling thread (a face's I/O thread), bounded by the socket's read timeout. Like Zenoh's rustls
 * links: no ALPN, SNI from the endpoint's host name, the server's name checked against the
 * endpoint unless {@code verify_name_on_connect} is false. Immutable; thread-safe.
 */
final class TlsLinks {
    private final TlsConfig config;
    private final SSLContext client;
    private final SSLContext server;

    private TlsLinks(TlsConfig config, SSLContext client, SSLContext server) {
        this.config = config;
        this.client = client;
        this.server = server;
    }

    /** TLS contexts for what {@code c} does: null when it neither dials nor listens on tls. */
    static TlsLinks of(Config c) {
        boolean connect = c.endpoints().stream().anyMatch(e -> Endpoint.parse(e).tls());
        boolean listen = c.listenPort() >= 0 && c.listensTls();
        if (!connect && !listen) {
            return null;
        }
        TlsConfig t = c.tls();
        TrustManager[] trust = trust(t.rootCaCertificate());
        KeyManager[] connectKeys = connect && t.enableMtls()
                ? keys("connect", t.connectCertificate(), t.connectPrivateKey()) : null;
        SSLContext client = connect ? context(connectKeys, trust) : null;
        SSLContext server = listen ? context(keys("listen", t.listenCertificate(), t.listenPrivateKey()), trust)
                : null;
        return new TlsLinks(t, client, server);
    }

    /** True when the session's listener speaks TLS (it may dial tls endpoints and listen on tcp). */
    boolean listens() {
        return server != null;
    }

    /** Wraps the connected {@code raw} socket and completes the client handshake with {@code ep}'s host. */
    SSLSocket connect(Socket raw, Endpoint ep) throws IOException {
        SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(raw, ep.host(), ep.port(), true);
        s.setUseClientMode(true);
        if (config.verifyNameOnConnect()) {
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS"); // RFC 2818: DNS or IP SAN must match the host
            s.setSSLParameters(p);
        }
        s.startHandshake();
        return s;
    }

    /** Wraps the accepted {@code raw} socket and completes the server handshake. */
    SSLSocket accept(Socket raw) throws IOException {
        SSLSocket s = (SSLSocket) server.getSocketFactory().createSocket(raw, null, raw.getPort(), true);
        s.setUseClientMode(false);
        s.setNeedClientAuth(config.enableMtls());
        s.startHandshake();
        return s;
    }

    private static SSLContext context(KeyManager[] keys, TrustManager[] trust) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys, trust, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new ZenohException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static KeyManager[] keys(String side, Path certFile, Path keyFile) {
        List<X509Certificate> chain = named(side + "_certificate", () -> Pem.certificates(certFile));
        PrivateKey key = named(side + "_private_key", () -> Pem.privateKey(keyFile));
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(side, key, new char[0], chain.toArray(new X509Certificate[0]));
            KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            f.init(ks, new char[0]);
            return f.getKeyManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new ZenohException(TlsConfig.PREFIX + side + "_private_key " + keyFile + " does not go with "
                    + TlsConfig.PREFIX + side + "_certificate " + certFile + ": " + e.getMessage(), e);
        }
    }

    /** Trust managers for the CA certificates in {@code caFile}; null (the JDK default) without one. */
    private static TrustManager[] trust(Path caFile) {
        if (caFile == null) {
            return null;
        }
        List<X509Certificate> cas = named("root_ca_certificate", () -> Pem.certificates(caFile));
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                ks.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(ks);
            return f.getTrustManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new ZenohException(TlsConfig.PREFIX + "root_ca_certificate " + caFile + ": " + e.getMessage(), e);
        }
    }

    private static <T> T named(String key, java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (ZenohException e) {
            throw new ZenohException(TlsConfig.PREFIX + key + ": " + e.getMessage(), e);
        }
    }
}
