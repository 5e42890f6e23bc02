package dev.oprc.odgm.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.settings.ConfigException;
import dev.oprc.zenoh.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ODGM_TLS_*}: every bad file is refused at start in one message naming its variable. */
class TlsConfigTest {
  @TempDir
  Path dir;
  private TestCertificates ca;
  private TestCertificates.Issued node;

  @BeforeEach
  void certificates() {
    ca = TestCertificates.authority(dir, "ca");
    node = ca.issue("node-1");
  }

  private Map<String, String> env(String... kv) {
    Map<String, String> env = new HashMap<>();
    env.put("ODGM_TLS_CERT_FILE", node.cert().toString());
    env.put("ODGM_TLS_KEY_FILE", node.key().toString());
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] == null) {
        env.remove(kv[i]);
      } else {
        env.put(kv[i], kv[i + 1]);
      }
    }
    return env;
  }

  @Test
  void unsetIsPlaintext() {
    TlsConfig t = TlsConfig.fromEnv(Map.of(), true);
    assertThat(t).isEqualTo(TlsConfig.OFF);
    assertThat(t.enabled()).isFalse();
    assertThat(t.raft()).isNull();
    assertThat(t.memberClient()).isEqualTo(ClientTls.PLAINTEXT);
  }

  @Test
  void aCertificateAndItsKeyServeTls() {
    TlsConfig t = TlsConfig.fromEnv(env(), false);
    assertThat(t.enabled()).isTrue();
    assertThat(t.mutual()).isFalse();
    assertThat(t.describe()).isEqualTo("TLS");
  }

  @Test
  void aClientCaMakesItMutualAndIsTheDefaultTrustRootOfRaftAndTheForwarder() {
    TlsConfig t = TlsConfig.fromEnv(env("ODGM_TLS_CLIENT_CA_FILE", ca.caCert().toString()), true);
    assertThat(t.mutual()).isTrue();
    assertThat(t.raft().trustRoot()).isEqualTo(ca.caCert());
    assertThat(t.memberClient()).isEqualTo(ClientTls.of(ca.caCert(), node.cert(), node.key()));
  }

  @Test
  void theCaFileIsTheTrustRootWhenSet() {
    Path other = TestCertificates.authority(dir.resolve("other"), "other").caCert();
    TlsConfig t = TlsConfig.fromEnv(env("ODGM_TLS_CLIENT_CA_FILE", ca.caCert().toString(), "ODGM_TLS_CA_FILE",
        other.toString()), true);
    assertThat(t.raft().trustRoot()).isEqualTo(other);
  }

  @Test
  void aMissingCertificateFileNamesTheVariable() {
    assertThatThrownBy(() -> TlsConfig.fromEnv(env("ODGM_TLS_CERT_FILE", dir.resolve("nope.crt").toString()), false))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("ODGM_TLS_CERT_FILE=")
        .hasMessageContaining("nope.crt").hasMessageContaining("cannot be read");
  }

  @Test
  void aCertificateFileWithoutCertificatesNamesTheVariable() throws Exception {
    Path text = Files.writeString(dir.resolve("text.crt"), "hello\n");
    assertThatThrownBy(() -> TlsConfig.fromEnv(env("ODGM_TLS_CERT_FILE", text.toString()), false))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("ODGM_TLS_CERT_FILE=");
  }

  @Test
  void aKeyFileWithoutAPkcs8KeyNamesTheVariable() {
    assertThatThrownBy(() -> TlsConfig.fromEnv(env("ODGM_TLS_KEY_FILE", node.cert().toString()), false))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("ODGM_TLS_KEY_FILE=")
        .hasMessageContaining("PKCS#8");
  }

  @Test
  void theKeyOfAnotherCertificateNamesTheKeyVariable() {
    TestCertificates.Issued other = ca.issue("node-2");
    assertThatThrownBy(() -> TlsConfig.fromEnv(env("ODGM_TLS_KEY_FILE", other.key().toString()), false))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("ODGM_TLS_KEY_FILE=")
        .hasMessageContaining("not the key of the certificate 'CN=node-1'");
  }

  @Test
  void aCertificateWithoutItsKeyIsRefused() {
    assertThatThrownBy(() -> TlsConfig.fromEnv(env("ODGM_TLS_KEY_FILE", null), false))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ODGM_TLS_CERT_FILE and ODGM_TLS_KEY_FILE");
  }

  @Test
  void aClientCaWithoutTheNodesCertificateNamesTheVariable() {
    assertThatThrownBy(() -> TlsConfig.fromEnv(Map.of("ODGM_TLS_CLIENT_CA_FILE", ca.caCert().toString()), false))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("ODGM_TLS_CLIENT_CA_FILE is set without");
  }

  @Test
  void anUnreadableClientCaNamesTheVariable() {
    assertThatThrownBy(() -> TlsConfig.fromEnv(env("ODGM_TLS_CLIENT_CA_FILE", dir.resolve("no-ca.crt").toString()),
        false)).isInstanceOf(ConfigException.class).hasMessageStartingWith("ODGM_TLS_CLIENT_CA_FILE=");
  }

  @Test
  void aClusterOnTlsWithoutATrustRootNamesTheCaVariable() {
    assertThatThrownBy(() -> TlsConfig.fromEnv(env(), true))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("ODGM_TLS_CA_FILE is unset");
  }
}
