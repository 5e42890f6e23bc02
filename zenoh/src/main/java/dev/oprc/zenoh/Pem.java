package dev.oprc.zenoh;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads PEM files the way Zenoh's rustls links do: certificates ({@code CERTIFICATE} blocks, a
 * chain leaf first) and one private key, PKCS#8 ({@code PRIVATE KEY}), PKCS#1 RSA
 * ({@code RSA PRIVATE KEY}) or SEC1 EC ({@code EC PRIVATE KEY}); EC, RSA and Ed25519 keys.
 * Encrypted keys are refused. Every failure is a {@link ZenohException} naming the file.
 * Stateless; thread-safe.
 */
public final class Pem {
    private static final String[] KEY_ALGORITHMS = {"EC", "RSA", "Ed25519", "RSASSA-PSS"};
    /** DER of the AlgorithmIdentifier {rsaEncryption, NULL}. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
        (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    /** DER of the OID id-ecPublicKey. */
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02,
        0x01};

    private Pem() {
    }

    /** The certificates in {@code file}, in file order; at least one. */
    public static List<X509Certificate> certificates(Path file) {
        List<byte[]> ders = blocks(file, "CERTIFICATE");
        if (ders.isEmpty()) {
            throw new ZenohException(file + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in the file");
        }
        List<X509Certificate> out = new ArrayList<>(ders.size());
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            for (byte[] der : ders) {
                out.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (CertificateException e) {
            throw new ZenohException(file + ": not a valid X.509 certificate: " + e.getMessage(), e);
        }
        return out;
    }

    /** The one private key in {@code file}. */
    public static PrivateKey privateKey(Path file) {
        String text = read(file);
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw new ZenohException(file + ": encrypted private keys are not supported (decrypt it: openssl pkcs8"
                    + " -topk8 -nocrypt)");
        }
        List<byte[]> pkcs8 = blocks(file, text, "PRIVATE KEY");
        for (byte[] pkcs1 : blocks(file, text, "RSA PRIVATE KEY")) {
            pkcs8.add(sequence(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, octets(pkcs1)));
        }
        for (byte[] sec1 : blocks(file, text, "EC PRIVATE KEY")) {
            pkcs8.add(sequence(new byte[] {0x02, 0x01, 0x00}, sequence(EC_PUBLIC_KEY_OID, curveOf(file, sec1)),
                    octets(sec1)));
        }
        if (pkcs8.size() != 1) {
            throw new ZenohException(file + ": expected one PEM private key (PRIVATE KEY, RSA PRIVATE KEY or"
                    + " EC PRIVATE KEY), found " + pkcs8.size());
        }
        return decodeKey(file, pkcs8.get(0));
    }

    private static PrivateKey decodeKey(Path file, byte[] pkcs8) {
        for (String alg : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // not this algorithm: try the next
            }
        }
        throw new ZenohException(file + ": unreadable private key (not an EC, RSA or Ed25519 PKCS#8 key)");
    }

    private static List<byte[]> blocks(Path file, String label) {
        return blocks(file, read(file), label);
    }

    /** The DER of every {@code -----BEGIN label-----} block (exact label). */
    private static List<byte[]> blocks(Path file, String text, String label) {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        List<byte[]> out = new ArrayList<>();
        for (int at = text.indexOf(begin); at >= 0; at = text.indexOf(begin, at + 1)) {
            int stop = text.indexOf(end, at);
            if (stop < 0) {
                throw new ZenohException(file + ": '" + begin + "' without '" + end + "'");
            }
            try {
                out.add(Base64.getMimeDecoder().decode(text.substring(at + begin.length(), stop)));
            } catch (IllegalArgumentException e) {
                throw new ZenohException(file + ": bad base64 in a " + label + " block", e);
            }
        }
        return out;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new ZenohException(file + ": " + why(e), e);
        }
    }

    /** Why a file could not be read, without exception class names (error lines are for people). */
    static String why(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        } else if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return "cannot read: " + e.getMessage();
    }

    /** The named-curve OID in a SEC1 ECPrivateKey's {@code [0] parameters}. */
    private static byte[] curveOf(Path file, byte[] sec1) {
        int[] seq = Der.header(sec1, 0);
        for (int at = seq[0]; at < seq[0] + seq[1] && at < sec1.length; ) {
            int[] h = Der.header(sec1, at);
            if ((sec1[at] & 0xff) == 0xa0) {
                return java.util.Arrays.copyOfRange(sec1, h[0], h[0] + h[1]);
            }
            at = h[0] + h[1];
        }
        throw new ZenohException(file + ": EC PRIVATE KEY without its curve (convert it: openssl pkcs8 -topk8"
                + " -nocrypt)");
    }

    private static byte[] octets(byte[] content) {
        return Der.tlv(0x04, content);
    }

    private static byte[] sequence(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return Der.tlv(0x30, b.toByteArray());
    }

    /** Minimal DER: headers and definite-length TLVs. */
    private static final class Der {
        /** {content offset, content length} of the TLV at {@code at}. */
        static int[] header(byte[] d, int at) {
            if (at + 2 > d.length) {
                throw new ZenohException("truncated DER in a private key");
            }
            int len = d[at + 1] & 0xff;
            int off = at + 2;
            if (len > 0x80) {
                int n = len & 0x7f;
                if (n > 3 || off + n > d.length) {
                    throw new ZenohException("bad DER length in a private key");
                }
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (d[off++] & 0xff);
                }
            }
            return new int[] {off, len};
        }

        static byte[] tlv(int tag, byte[] content) {
            ByteArrayOutputStream b = new ByteArrayOutputStream(content.length + 5);
            b.write(tag);
            int n = content.length;
            if (n < 0x80) {
                b.write(n);
            } else if (n < 0x100) {
                b.write(0x81);
                b.write(n);
            } else {
                b.write(0x82 + (n >= 0x10000 ? 1 : 0));
                if (n >= 0x10000) {
                    b.write(n >>> 16);
                }
                b.write(n >>> 8);
                b.write(n);
            }
            b.writeBytes(content);
            return b.toByteArray();
        }
    }
}
