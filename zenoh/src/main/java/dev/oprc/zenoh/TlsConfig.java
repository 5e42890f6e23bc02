package dev.oprc.zenoh;

import java.nio.file.Path;

/**
 * TLS material of a {@link Session}'s {@code tls/host:port} links, named after Zenoh's
 * {@code transport.link.tls} configuration keys. A connecting side trusts
 * {@code rootCaCertificate} (or, when unset, the JDK's default trust store) and, with
 * {@code enableMtls}, presents {@code connectCertificate}/{@code connectPrivateKey}; a listening
 * side (peer mode with {@code listenProtocol} tls) presents
 * {@code listenCertificate}/{@code listenPrivateKey} and, with {@code enableMtls}, requires a client
 * certificate issued by {@code rootCaCertificate}. Files are PEM ({@link Pem}): a certificate chain
 * leaf first, one EC, RSA or Ed25519 key. Which files a configuration needs is checked by
 * {@link Config}; files are read when the session opens. Immutable value; thread-safe.
 *
 * @param rootCaCertificate   {@code root_ca_certificate}: CA certificates to trust (null: JDK default)
 * @param listenCertificate   {@code listen_certificate}: chain presented by a listener
 * @param listenPrivateKey    {@code listen_private_key}: its key
 * @param connectCertificate  {@code connect_certificate}: chain presented when connecting with mTLS
 * @param connectPrivateKey   {@code connect_private_key}: its key
 * @param enableMtls          {@code enable_mtls}: listeners require, connectors present, a certificate
 * @param verifyNameOnConnect {@code verify_name_on_connect}: the server certificate must name the
 *                            endpoint's host (default true); the chain is verified either way
 */
public record TlsConfig(Path rootCaCertificate, Path listenCertificate, Path listenPrivateKey,
                        Path connectCertificate, Path connectPrivateKey, boolean enableMtls,
                        boolean verifyNameOnConnect) {
    /** Upstream's key prefix, used in error messages. */
    public static final String PREFIX = "transport.link.tls.";
    /** No files, no mTLS, names verified: enough to connect to a server with a publicly trusted certificate. */
    public static final TlsConfig DEFAULT = new TlsConfig(null, null, null, null, null, false, true);

    public TlsConfig {
        pair("listen", listenCertificate, listenPrivateKey);
        pair("connect", connectCertificate, connectPrivateKey);
    }

    private static void pair(String side, Path cert, Path key) {
        if ((cert == null) != (key == null)) {
            throw new ZenohException(PREFIX + side + (cert == null ? "_certificate" : "_private_key")
                    + " is required with " + PREFIX + side + (cert == null ? "_private_key" : "_certificate"));
        }
    }

    /** Checks what a session that connects over TLS ({@code connect}) and/or listens on TLS needs. */
    void requireFor(boolean connect, boolean listen) {
        if (listen && listenCertificate == null) {
            throw new ZenohException("a tls listener needs " + PREFIX + "listen_certificate and "
                    + PREFIX + "listen_private_key");
        }
        if (listen && enableMtls && rootCaCertificate == null) {
            throw new ZenohException("a tls listener with " + PREFIX + "enable_mtls needs "
                    + PREFIX + "root_ca_certificate (the CA its clients' certificates come from)");
        }
        if (connect && enableMtls && connectCertificate == null) {
            throw new ZenohException("tls endpoints with " + PREFIX + "enable_mtls need " + PREFIX
                    + "connect_certificate and " + PREFIX + "connect_private_key");
        }
    }

    /** A builder starting from {@link #DEFAULT}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder for {@link TlsConfig}; not thread-safe. */
    public static final class Builder {
        private Path rootCa;
        private Path listenCert;
        private Path listenKey;
        private Path connectCert;
        private Path connectKey;
        private boolean mtls;
        private boolean verifyName = true;

        private Builder() {
        }

        public Builder rootCaCertificate(Path p) {
            this.rootCa = p;
            return this;
        }

        /** The listener's certificate chain and key. */
        public Builder listen(Path certificate, Path privateKey) {
            this.listenCert = certificate;
            this.listenKey = privateKey;
            return this;
        }

        /** The certificate chain and key presented when connecting with mTLS. */
        public Builder connect(Path certificate, Path privateKey) {
            this.connectCert = certificate;
            this.connectKey = privateKey;
            return this;
        }

        public Builder enableMtls(boolean on) {
            this.mtls = on;
            return this;
        }

        public Builder verifyNameOnConnect(boolean on) {
            this.verifyName = on;
            return this;
        }

        public TlsConfig build() {
            return new TlsConfig(rootCa, listenCert, listenKey, connectCert, connectKey, mtls, verifyName);
        }
    }
}
