package dev.oprc.odgm.security;

import dev.oprc.odgm.replication.RaftTls;
import dev.oprc.odgm.settings.ConfigException;
import dev.oprc.odgm.settings.Settings;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.Map;

/**
 * The node's TLS material ({@link TlsSettings}): off ({@link #OFF}, plaintext everywhere), or TLS on
 * the gRPC port from {@code certFile}/{@code keyFile}, mutual when {@code clientCaFile} is set; the
 * node then calls the other members over TLS trusting {@link #trustRoot()} and presenting its own
 * certificate, and its Raft server runs over mutual TLS ({@link #raft()}). {@link #fromEnv} reads
 * every file and refuses a bad one naming its variable. Immutable and thread-safe.
 *
 * @param certFile     this node's certificate chain (PEM); null: TLS off
 * @param keyFile      its PKCS#8 PEM key; null exactly when {@code certFile} is
 * @param clientCaFile CAs whose certificates gRPC clients must present; null: no client certificate asked
 * @param caFile       CAs this node trusts when it is the client; null: {@code clientCaFile}
 */
public record TlsConfig(Path certFile, Path keyFile, Path clientCaFile, Path caFile) {
  /** Plaintext everywhere (the default). */
  public static final TlsConfig OFF = new TlsConfig(null, null, null, null);

  public TlsConfig {
    if ((certFile == null) != (keyFile == null)) {
      throw new ConfigException(TlsSettings.CERT_FILE.name() + " and " + TlsSettings.KEY_FILE.name()
          + " go together: set both (TLS) or neither (plaintext)");
    }
    if (certFile == null && (clientCaFile != null || caFile != null)) {
      throw new ConfigException((clientCaFile != null ? TlsSettings.CLIENT_CA_FILE : TlsSettings.CA_FILE).name()
          + " is set without " + TlsSettings.CERT_FILE.name() + " and " + TlsSettings.KEY_FILE.name()
          + ": a node serves TLS only with its own certificate and key");
    }
  }

  /**
   * Reads {@code env} and checks every file it names: readable, PEM, the key that of the first
   * certificate. A cluster ({@code clustered}) on TLS needs a trust root for its members.
   *
   * @throws ConfigException naming the first bad variable
   */
  public static TlsConfig fromEnv(Map<String, String> env, boolean clustered) {
    Settings s = Settings.of(env);
    TlsConfig t = new TlsConfig(s.get(TlsSettings.CERT_FILE), s.get(TlsSettings.KEY_FILE),
        s.get(TlsSettings.CLIENT_CA_FILE), s.get(TlsSettings.CA_FILE));
    t.check(clustered);
    return t;
  }

  private void check(boolean clustered) {
    if (!enabled()) {
      return;
    }
    var chain = PemFiles.certificates(TlsSettings.CERT_FILE, certFile);
    PrivateKey key = PemFiles.privateKey(TlsSettings.KEY_FILE, keyFile);
    PemFiles.checkPair(TlsSettings.KEY_FILE, keyFile, key, chain.get(0));
    if (clientCaFile != null) {
      PemFiles.certificates(TlsSettings.CLIENT_CA_FILE, clientCaFile);
    }
    if (caFile != null) {
      PemFiles.certificates(TlsSettings.CA_FILE, caFile);
    }
    if (clustered && trustRoot() == null) {
      throw new ConfigException(TlsSettings.CA_FILE.name() + " is unset: a cluster on TLS needs the CA of its "
          + "members' certificates (" + TlsSettings.CA_FILE.name() + " or " + TlsSettings.CLIENT_CA_FILE.name()
          + ") for Raft's mutual TLS");
    }
  }

  /** True when the node serves TLS. */
  public boolean enabled() {
    return certFile != null;
  }

  /** True when gRPC clients must present a certificate from {@code clientCaFile}. */
  public boolean mutual() {
    return clientCaFile != null;
  }

  /** The CAs this node trusts as a client: {@code caFile}, else {@code clientCaFile}; null: none given. */
  public Path trustRoot() {
    return caFile != null ? caFile : clientCaFile;
  }

  /** The gRPC server's credentials: TLS only when enabled (clients must present a certificate when mutual). */
  public ServerCredentials serverCredentials() {
    if (!enabled()) {
      return InsecureServerCredentials.create();
    }
    try {
      TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(certFile.toFile(),
          keyFile.toFile());
      if (mutual()) {
        b.trustManager(clientCaFile.toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      return b.build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the TLS files of " + TlsSettings.CERT_FILE.name() + ": "
          + e.getMessage(), e);
    }
  }

  /** How this node calls the other members: TLS trusting {@link #trustRoot()} with its own certificate. */
  public ClientTls memberClient() {
    return enabled() ? ClientTls.of(trustRoot(), certFile, keyFile) : ClientTls.PLAINTEXT;
  }

  /** Raft's mutual TLS from the same files; null when TLS is off. */
  public RaftTls raft() {
    if (!enabled()) {
      return null;
    }
    if (trustRoot() == null) {
      throw new ConfigException(TlsSettings.CA_FILE.name() + " is unset: Raft's mutual TLS needs a trust root");
    }
    return new RaftTls(certFile, keyFile, trustRoot());
  }

  /** How the start-up line describes it. */
  public String describe() {
    return !enabled() ? "plaintext" : mutual() ? "mutual TLS" : "TLS";
  }
}
