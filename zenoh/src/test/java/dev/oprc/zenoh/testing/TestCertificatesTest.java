package dev.oprc.zenoh.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestCertificatesTest {
    @TempDir Path dir;

    @Test
    void anIssuedCertificateChainsToItsAuthority() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "ca");
        TestCertificates.Issued node = ca.issue("node");
        assertDoesNotThrow(() -> validate(node.cert(), ca.caCert()));
    }

    @Test
    void aCertificateFromAnotherAuthorityIsRejected() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "ca");
        TestCertificates other = TestCertificates.authority(dir, "other");
        TestCertificates.Issued stranger = other.issue("stranger");
        assertThrows(CertPathValidatorException.class, () -> validate(stranger.cert(), ca.caCert()));
    }

    private static void validate(Path chain, Path root) throws Exception {
        CertificateFactory f = CertificateFactory.getInstance("X.509");
        List<X509Certificate> certs = new ArrayList<>();
        try (InputStream in = Files.newInputStream(chain)) {
            f.generateCertificates(in).forEach(c -> certs.add((X509Certificate) c));
        }
        X509Certificate anchor;
        try (InputStream in = Files.newInputStream(root)) {
            anchor = (X509Certificate) f.generateCertificate(in);
        }
        PKIXParameters p = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
        p.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(f.generateCertPath(certs.subList(0, 1)), p);
    }
}
