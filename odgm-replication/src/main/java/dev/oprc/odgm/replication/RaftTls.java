package dev.oprc.odgm.replication;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Mutual TLS between the members' Raft servers: each member serves and calls with its own
 * certificate and accepts only peers whose certificate chains to {@code trustRoot}. The files are
 * PEM (certificate chain leaf first, PKCS#8 key, CA certificates) and are checked by whoever reads
 * them from the environment; Ratis reads them when the server starts. Immutable and thread-safe.
 *
 * @param certChain  this member's certificate chain, leaf first
 * @param privateKey the leaf's PKCS#8 private key
 * @param trustRoot  the CA certificate(s) the other members' certificates come from
 */
public record RaftTls(Path certChain, Path privateKey, Path trustRoot) {
  public RaftTls {
    Objects.requireNonNull(certChain, "certChain");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(trustRoot, "trustRoot");
  }
}
