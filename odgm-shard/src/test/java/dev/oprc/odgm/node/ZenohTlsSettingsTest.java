package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.ops.OpsConfig;
import dev.oprc.odgm.ops.StartupChecks;
import dev.oprc.odgm.settings.ConfigException;
import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.TlsConfig;
import dev.oprc.zenoh.testing.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's Zenoh TLS settings: {@code OPRC_ZENOH_TLS_*} variables over the
 * {@code transport.link.tls} keys of upstream's {@code OPRC_ZENOH_CONFIG} file, and the one-line
 * errors naming the variable (or the file's key) for bad paths, unreadable keys and missing material.
 */
class ZenohTlsSettingsTest {
  @TempDir Path dir;
  private TestCertificates.Issued node;

  @BeforeEach
  void certificates() {
    node = TestCertificates.authority(dir, "ca").issue("node");
  }

  private Config zenoh(Map<String, String> env) {
    return StartupChecks.zenoh(env, OpsConfig.defaults());
  }

  private Map<String, String> tlsPeer() {
    Map<String, String> env = new HashMap<>();
    env.put("OPRC_ZENOH_MODE", "peer");
    env.put("OPRC_ZENOH_PROTOCOL", "tls");
    env.put("OPRC_ZENOH_TLS_ROOT_CA_CERTIFICATE", node.caCert().toString());
    env.put("OPRC_ZENOH_TLS_LISTEN_CERTIFICATE", node.cert().toString());
    env.put("OPRC_ZENOH_TLS_LISTEN_PRIVATE_KEY", node.key().toString());
    return env;
  }

  private Path file(String json5) throws IOException {
    return Files.writeString(dir.resolve("zenoh.json5"), json5);
  }

  @Test
  void theVariablesGiveAPeerItsTlsListener() {
    Map<String, String> env = tlsPeer();
    env.put("OPRC_ZENOH_TLS_ENABLE_MTLS", "true");
    env.put("OPRC_ZENOH_PEERS", "tls/127.0.0.1:7447");
    env.put("OPRC_ZENOH_TLS_CONNECT_CERTIFICATE", node.cert().toString());
    env.put("OPRC_ZENOH_TLS_CONNECT_PRIVATE_KEY", node.key().toString());
    Config c = zenoh(env);
    assertThat(c.listensTls()).isTrue();
    assertThat(c.endpoints()).containsExactly("tls/127.0.0.1:7447");
    assertThat(c.tls()).isEqualTo(new TlsConfig(node.caCert(), node.cert(), node.key(), node.cert(), node.key(),
        true, true));
  }

  @Test
  void withoutTlsVariablesTheMaterialIsTheLibraryDefault() {
    assertThat(zenoh(Map.of()).tls()).isEqualTo(TlsConfig.DEFAULT);
    assertThat(zenoh(Map.of()).listensTls()).isFalse();
  }

  @Test
  void upstreamsConfigFileGivesTheTlsKeysAndTheRestIsIgnored() throws IOException {
    Path f = file("""
        // upstream's json5, comments and trailing commas included
        {
          mode: "peer", /* ignored: the variables configure it */
          connect: { endpoints: ["tcp/elsewhere:7447",], },
          transport: {
            link: {
              tls: {
                'root_ca_certificate': "%s",
                listen_certificate: "%s",
                listen_private_key: "%s",
                enable_mtls: true,
                verify_name_on_connect: false,
              },
            },
          },
        }
        """.formatted(node.caCert(), node.cert(), node.key()));
    Config c = zenoh(Map.of("OPRC_ZENOH_CONFIG", f.toString(), "OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PROTOCOL",
        "tls"));
    assertThat(c.tls()).isEqualTo(new TlsConfig(node.caCert(), node.cert(), node.key(), null, null, true, false));
    assertThat(c.endpoints()).isEmpty();
  }

  @Test
  void aVariableOverridesTheConfigFile() throws IOException {
    Path f = file("{transport: {link: {tls: {enable_mtls: true, root_ca_certificate: \"/nowhere.crt\"}}}}");
    Config c = zenoh(Map.of("OPRC_ZENOH_CONFIG", f.toString(), "OPRC_ZENOH_TLS_ENABLE_MTLS", "false",
        "OPRC_ZENOH_TLS_ROOT_CA_CERTIFICATE", node.caCert().toString()));
    assertThat(c.tls().enableMtls()).isFalse();
    assertThat(c.tls().rootCaCertificate()).isEqualTo(node.caCert());
  }

  @Test
  void aMissingCertificateFileIsAnErrorNamingTheVariable() {
    Map<String, String> env = tlsPeer();
    env.put("OPRC_ZENOH_TLS_LISTEN_CERTIFICATE", dir.resolve("missing.crt").toString());
    assertThatThrownBy(() -> zenoh(env)).isExactlyInstanceOf(ConfigException.class)
        .hasMessageStartingWith("OPRC_ZENOH_TLS_LISTEN_CERTIFICATE='" + dir.resolve("missing.crt") + "' is invalid")
        .hasMessageContaining("no such file");
  }

  @Test
  void anUnreadableKeyIsAnErrorNamingTheVariable() {
    Map<String, String> env = tlsPeer();
    env.put("OPRC_ZENOH_TLS_LISTEN_PRIVATE_KEY", node.cert().toString()); // a certificate, not a key
    assertThatThrownBy(() -> zenoh(env)).isExactlyInstanceOf(ConfigException.class)
        .hasMessageStartingWith("OPRC_ZENOH_TLS_LISTEN_PRIVATE_KEY='" + node.cert() + "' is invalid")
        .hasMessageContaining("expected one PEM private key");
  }

  @Test
  void aBadFileInTheConfigFileNamesTheFileAndItsKey() throws IOException {
    Path f = file("{transport: {link: {tls: {root_ca_certificate: \"" + node.key() + "\"}}}}");
    assertThatThrownBy(() -> zenoh(Map.of("OPRC_ZENOH_CONFIG", f.toString())))
        .isExactlyInstanceOf(ConfigException.class)
        .hasMessageStartingWith("OPRC_ZENOH_CONFIG transport.link.tls.root_ca_certificate='" + node.key()
            + "' is invalid")
        .hasMessageContaining("no PEM certificate");
  }

  @Test
  void aConfigFileThatIsNotJson5SaysWhere() throws IOException {
    Path f = file("{\n  transport: {link tls}\n}");
    assertThatThrownBy(() -> zenoh(Map.of("OPRC_ZENOH_CONFIG", f.toString())))
        .isExactlyInstanceOf(ConfigException.class)
        .hasMessageStartingWith("OPRC_ZENOH_CONFIG='" + f + "' is invalid")
        .hasMessageContaining("line 2, column 20:").hasMessageContaining("colon");
  }

  @Test
  void aMissingConfigFileNamesTheVariable() {
    assertThatThrownBy(() -> zenoh(Map.of("OPRC_ZENOH_CONFIG", dir.resolve("none.json5").toString())))
        .isExactlyInstanceOf(ConfigException.class).hasMessageStartingWith("OPRC_ZENOH_CONFIG='")
        .hasMessageContaining("no such file");
  }

  @Test
  void inlineCertificatesInTheConfigFileAreRefusedWithTheKeyToUse() throws IOException {
    Path f = file("{transport: {link: {tls: {root_ca_certificate_base64: \"AAAA\"}}}}");
    assertThatThrownBy(() -> zenoh(Map.of("OPRC_ZENOH_CONFIG", f.toString())))
        .isExactlyInstanceOf(ConfigException.class)
        .hasMessageContaining("transport.link.tls.root_ca_certificate_base64 is not supported: give a file path in "
            + "transport.link.tls.root_ca_certificate");
  }

  @Test
  void aTlsPeerWithoutItsCertificateIsAnErrorNamingTheVariables() {
    Map<String, String> env = Map.of("OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PROTOCOL", "tls");
    assertThatThrownBy(() -> zenoh(env)).isExactlyInstanceOf(ConfigException.class)
        .hasMessageContaining("OPRC_ZENOH_TLS_LISTEN_CERTIFICATE").hasMessageContaining(
            "OPRC_ZENOH_TLS_LISTEN_PRIVATE_KEY");
  }

  @Test
  void aCertificateWithoutItsKeyIsAnErrorNamingTheMissingVariable() {
    Map<String, String> env = tlsPeer();
    env.remove("OPRC_ZENOH_TLS_LISTEN_PRIVATE_KEY");
    assertThatThrownBy(() -> zenoh(env)).isExactlyInstanceOf(ConfigException.class)
        .hasMessageStartingWith("transport.link.tls.listen_private_key (OPRC_ZENOH_TLS_LISTEN_PRIVATE_KEY) is "
            + "required");
  }

  @Test
  void aStartupErrorOfTheTlsSettingsIsOneLine() {
    Map<String, String> env = tlsPeer();
    env.put("OPRC_ZENOH_TLS_ROOT_CA_CERTIFICATE", dir.resolve("gone.crt").toString());
    try {
      zenoh(env);
      throw new AssertionError("accepted a missing CA file");
    } catch (ConfigException e) {
      assertThat(StartupChecks.oneLine(e)).startsWith("odgm: invalid configuration: "
          + "OPRC_ZENOH_TLS_ROOT_CA_CERTIFICATE=").doesNotContain("\n");
    }
  }

  @Test
  void aClientChecksTheProtocolAndUsesTlsEndpoints() {
    Config c = zenoh(Map.of("OPRC_ZENOH_PROTOCOL", "tls", "OPRC_ZENOH_PEERS", "tls/router:7447"));
    assertThat(c.listenPort()).isEqualTo(-1);
    assertThat(c.endpoints()).containsExactly("tls/router:7447");
    assertThatThrownBy(() -> zenoh(Map.of("OPRC_ZENOH_PROTOCOL", "quic")))
        .isExactlyInstanceOf(ConfigException.class).hasMessageStartingWith("OPRC_ZENOH_PROTOCOL='quic' is invalid");
  }
}
