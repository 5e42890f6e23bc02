package dev.oprc.odgm.security;

import dev.oprc.odgm.settings.Setting;
import dev.oprc.odgm.settings.SettingGroup;
import java.nio.file.Path;

/** The TLS variables ({@link TlsConfig}), declared once. Immutable. */
public final class TlsSettings {
  public static final Setting<Path> CERT_FILE = file("ODGM_TLS_CERT_FILE", "unset (plaintext)",
      "a readable PEM file of X.509 certificates, this node's first",
      "this node's certificate chain (PEM, leaf first); with `ODGM_TLS_KEY_FILE` the gRPC port serves TLS only "
          + "(plaintext is refused) and Raft runs over mutual TLS (see [Security](#security))");
  public static final Setting<Path> KEY_FILE = file("ODGM_TLS_KEY_FILE", "unset",
      "a readable PKCS#8 PEM private key (BEGIN PRIVATE KEY) of the certificate's public key",
      "the private key of `ODGM_TLS_CERT_FILE` (PKCS#8 PEM, unencrypted)");
  public static final Setting<Path> CLIENT_CA_FILE = file("ODGM_TLS_CLIENT_CA_FILE", "unset (no client certificate "
      + "asked)", "a readable PEM file of CA certificates",
      "mutual TLS: gRPC clients must present a certificate issued by one of these CAs; others are refused");
  public static final Setting<Path> CA_FILE = file("ODGM_TLS_CA_FILE", "`ODGM_TLS_CLIENT_CA_FILE`",
      "a readable PEM file of CA certificates", "the CAs this node trusts when it calls the other members (the "
          + "forwarding of requests, Raft); required in a cluster on TLS unless `ODGM_TLS_CLIENT_CA_FILE` is set");

  /** The TLS variables. */
  public static final SettingGroup TLS = SettingGroup.of("TLS", CERT_FILE, KEY_FILE, CLIENT_CA_FILE, CA_FILE);

  private TlsSettings() {}

  private static Setting<Path> file(String name, String defaultText, String accepted, String doc) {
    return Setting.of(name, null, defaultText, Path::of, accepted, doc).blankIsUnset(true);
  }
}
