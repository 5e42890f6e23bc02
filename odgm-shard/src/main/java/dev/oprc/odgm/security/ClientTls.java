package dev.oprc.odgm.security;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * How a gRPC client (the CLI, the node calling another member, the load harness, tests) connects
 * to a node: plaintext ({@link #PLAINTEXT}), or TLS trusting {@code caFile} (the JDK's default
 * trust store when null) and, for mutual TLS, presenting {@code certFile} with {@code keyFile}.
 * Immutable and thread-safe.
 *
 * @param tls      false: plaintext (the other fields are null)
 * @param caFile   PEM CA certificates the server's certificate must chain to; null: the JDK's trust store
 * @param certFile PEM certificate chain to present (mutual TLS); null: none
 * @param keyFile  PKCS#8 PEM key of {@code certFile}; null exactly when {@code certFile} is
 */
public record ClientTls(boolean tls, Path caFile, Path certFile, Path keyFile) {
  /** No TLS. */
  public static final ClientTls PLAINTEXT = new ClientTls(false, null, null, null);

  public ClientTls {
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException("a client certificate needs its key and a key its certificate, were "
          + certFile + " and " + keyFile);
    }
    if (!tls && (caFile != null || certFile != null)) {
      throw new IllegalArgumentException("files given for a plaintext client");
    }
  }

  /** TLS trusting {@code caFile}, with the client certificate {@code certFile}/{@code keyFile} when not null. */
  public static ClientTls of(Path caFile, Path certFile, Path keyFile) {
    return new ClientTls(true, caFile, certFile, keyFile);
  }

  /**
   * How a client that has a node's own environment calls it (a harness or test that started it):
   * plaintext, or, when {@code env} sets {@code ODGM_TLS_CERT_FILE}, TLS trusting
   * {@code ODGM_TLS_CA_FILE} (else {@code ODGM_TLS_CLIENT_CA_FILE}) and presenting the node's own
   * certificate, which a node on mutual TLS accepts when it is issued for client use too.
   */
  public static ClientTls fromNodeEnv(java.util.Map<String, String> env) {
    dev.oprc.odgm.settings.Settings s = dev.oprc.odgm.settings.Settings.of(env);
    if (!s.isSet(TlsSettings.CERT_FILE)) {
      return PLAINTEXT;
    }
    Path ca = s.isSet(TlsSettings.CA_FILE) ? s.get(TlsSettings.CA_FILE) : s.get(TlsSettings.CLIENT_CA_FILE);
    return of(ca, s.get(TlsSettings.CERT_FILE), s.get(TlsSettings.KEY_FILE));
  }

  /**
   * The channel credentials; the files are read here.
   *
   * @throws UncheckedIOException when a file cannot be read or parsed
   */
  public ChannelCredentials credentials() {
    if (!tls) {
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
    try {
      if (caFile != null) {
        b.trustManager(caFile.toFile());
      }
      if (certFile != null) {
        b.keyManager(certFile.toFile(), keyFile.toFile());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the TLS files " + this + ": " + e.getMessage(), e);
    }
    return b.build();
  }
}
