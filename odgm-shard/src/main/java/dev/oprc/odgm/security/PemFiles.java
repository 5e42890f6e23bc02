package dev.oprc.odgm.security;

import dev.oprc.odgm.settings.ConfigException;
import dev.oprc.odgm.settings.Setting;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and checks the PEM files of the TLS settings, so that a bad one is refused at start with
 * one line naming its variable instead of failing the first handshake. Stateless.
 */
final class PemFiles {
  private static final Pattern PKCS8 = Pattern.compile(
      "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
  private static final List<String> KEY_ALGORITHMS = List.of("EC", "RSA", "Ed25519", "Ed448");

  private PemFiles() {}

  /** The X.509 certificates in {@code file}, at least one. */
  static List<X509Certificate> certificates(Setting<?> variable, Path file) {
    byte[] bytes = read(variable, file);
    List<X509Certificate> out = new ArrayList<>();
    try {
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))) {
        out.add((X509Certificate) c);
      }
    } catch (CertificateException e) {
      throw refused(variable, file, "not a PEM file of X.509 certificates"); // the parser's detail names no line
    }
    if (out.isEmpty()) {
      throw refused(variable, file, "holds no certificate");
    }
    return out;
  }

  /** The unencrypted PKCS#8 private key in {@code file}. */
  static PrivateKey privateKey(Setting<?> variable, Path file) {
    String text = new String(read(variable, file), StandardCharsets.US_ASCII);
    Matcher m = PKCS8.matcher(text);
    if (!m.find()) {
      throw refused(variable, file, text.contains("ENCRYPTED PRIVATE KEY") ? "the key is encrypted"
          : "no PKCS#8 key (BEGIN PRIVATE KEY) in it; convert with `openssl pkcs8 -topk8 -nocrypt`");
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1)));
    for (String alg : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        // not this algorithm: try the next one
      }
    }
    throw refused(variable, file, "not an EC, RSA or EdDSA PKCS#8 key");
  }

  /** Fails, naming {@code keyVariable}, unless {@code key} is the private key of {@code cert}. */
  static void checkPair(Setting<?> keyVariable, Path keyFile, PrivateKey key, X509Certificate cert) {
    PublicKey pub = cert.getPublicKey();
    if (!pub.getAlgorithm().equals(key.getAlgorithm()) || !signs(key, pub)) {
      throw refused(keyVariable, keyFile, "it is not the key of the certificate '"
          + cert.getSubjectX500Principal().getName() + "'");
    }
  }

  private static boolean signs(PrivateKey key, PublicKey pub) {
    String alg = switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> key.getAlgorithm(); // Ed25519, Ed448
    };
    byte[] challenge = new byte[32];
    new SecureRandom().nextBytes(challenge);
    try {
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(challenge);
      byte[] signature = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(pub);
      v.update(challenge);
      return v.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static byte[] read(Setting<?> variable, Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (java.nio.file.NoSuchFileException e) {
      throw refused(variable, file, "cannot be read (no such file)");
    } catch (java.nio.file.AccessDeniedException | SecurityException e) {
      throw refused(variable, file, "cannot be read (permission denied)");
    } catch (IOException e) {
      throw refused(variable, file, "cannot be read (" + e.getMessage() + ")");
    }
  }

  /** {@code NAME='file': why; accepted: what}. */
  static ConfigException refused(Setting<?> variable, Path file, String why) {
    return new ConfigException(variable.name() + "='" + file + "': " + why + "; accepted: " + variable.accepted());
  }
}
