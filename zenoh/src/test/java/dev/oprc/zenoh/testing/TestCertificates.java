package dev.oprc.zenoh.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A throw-away certificate authority for TLS tests: made fresh by each test (never committed), it
 * writes its own certificate and issues leaf certificates, all as PEM files (certificate chain,
 * PKCS#8 key) that Netty, Ratis, the JDK and rustls (eclipse-zenoh) all read. Keys are EC P-256.
 * Each leaf names {@code localhost} and {@code 127.0.0.1} and serves as server and as client.
 *
 * <pre>{@code
 * TestCertificates ca = TestCertificates.authority(dir, "cluster-ca");
 * TestCertificates.Issued node = ca.issue("node-1");  // node.cert(), node.key(), ca.caCert()
 * }</pre>
 * Thread-safe (each call writes its own files).
 */
public final class TestCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());
    private final Path dir;
    private final String name;
    private final KeyPair keys;
    private final X509CertificateHolder cert;
    private final Path caCert;

    /** A leaf certificate (PEM: the leaf, then the CA) and its PKCS#8 PEM key. */
    public record Issued(Path cert, Path key, Path caCert) {}

    private TestCertificates(Path dir, String name, KeyPair keys, X509CertificateHolder cert, Path caCert) {
        this.dir = dir;
        this.name = name;
        this.keys = keys;
        this.cert = cert;
        this.caCert = caCert;
    }

    /** A new self-signed CA called {@code name}; its certificate is written to {@code dir/name.crt}. */
    public static TestCertificates authority(Path dir, String name) {
        try {
            Files.createDirectories(dir);
            KeyPair kp = newKeyPair();
            X500Name subject = new X500Name("CN=" + name);
            JcaX509v3CertificateBuilder b = builder(subject, subject, kp);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509CertificateHolder c = b.build(signer(kp));
            Path crt = dir.resolve(name + ".crt");
            Files.writeString(crt, pem(c));
            return new TestCertificates(dir, name, kp, c, crt);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make a test CA " + name, e);
        }
    }

    /** The CA's certificate (PEM), the trust root for whoever should accept what it issues. */
    public Path caCert() {
        return caCert;
    }

    /** Issues {@code name}: writes {@code dir/name.crt} (leaf then CA) and {@code dir/name.key}. */
    public Issued issue(String leaf) {
        try {
            KeyPair kp = newKeyPair();
            JcaX509v3CertificateBuilder b = builder(cert.getSubject(), new X500Name("CN=" + leaf), kp);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            X509CertificateHolder c = b.build(signer(keys));
            Path crt = dir.resolve(leaf + ".crt");
            Path key = dir.resolve(leaf + ".key");
            Files.writeString(crt, pem(c) + pem(cert));
            Files.writeString(key, pem(new PemObject("PRIVATE KEY", pkcs8WithPublicKey(kp))));
            return new Issued(crt, key, caCert);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue " + leaf + " from " + name, e);
        }
    }

    /**
     * PKCS#8 whose inner SEC1 key carries the public key: the JDK's own encoding leaves it out, and
     * rustls (ring) refuses such an EC key ("failed to parse private key as RSA, ECDSA, or EdDSA").
     */
    private static byte[] pkcs8WithPublicKey(KeyPair kp) throws IOException {
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded());
        BigInteger s = ((java.security.interfaces.ECPrivateKey) kp.getPrivate()).getS();
        ECPrivateKey inner = new ECPrivateKey(256, s, spki.getPublicKeyData(), null);
        return new PrivateKeyInfo(spki.getAlgorithm(), inner).getEncoded();
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        return g.generateKeyPair();
    }

    private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair kp) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject,
                kp.getPublic());
    }

    private static ContentSigner signer(KeyPair kp) throws OperatorCreationException {
        return new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate());
    }

    private static String pem(Object o) throws IOException {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(o);
        }
        return s.toString();
    }
}
