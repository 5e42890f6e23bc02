package dev.oprc.odgm.node;

import dev.oprc.odgm.settings.ConfigException;
import dev.oprc.odgm.settings.Setting;
import dev.oprc.odgm.settings.Settings;
import dev.oprc.zenoh.Pem;
import dev.oprc.zenoh.TlsConfig;
import dev.oprc.zenoh.ZenohException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The TLS material of the node's Zenoh links ({@link TlsConfig}) from the {@code OPRC_ZENOH_TLS_*}
 * variables, over the {@code transport.link.tls} keys of upstream's {@code OPRC_ZENOH_CONFIG} JSON5
 * file (a variable that is set wins). Every certificate and key file is read at start, so a bad
 * path or an unreadable key is a {@link ConfigException} naming the variable (or the file's key)
 * and the reason. Stateless; thread-safe.
 */
public final class ZenohTlsSettings {
  private static final String FILE_KEY = "transport.link.tls.";

  private ZenohTlsSettings() {}

  /**
   * The TLS configuration from {@code s}; {@link TlsConfig#DEFAULT} when nothing is set.
   *
   * @throws ConfigException naming the variable or file key of a bad value or file
   */
  public static TlsConfig read(Settings s) {
    Map<String, Object> file = fileTls(s);
    TlsConfig.Builder b = TlsConfig.builder();
    b.rootCaCertificate(path(s, file, NodeSettings.ZENOH_TLS_ROOT_CA_CERTIFICATE, "root_ca_certificate",
        Pem::certificates));
    b.listen(path(s, file, NodeSettings.ZENOH_TLS_LISTEN_CERTIFICATE, "listen_certificate", Pem::certificates),
        path(s, file, NodeSettings.ZENOH_TLS_LISTEN_PRIVATE_KEY, "listen_private_key", Pem::privateKey));
    b.connect(path(s, file, NodeSettings.ZENOH_TLS_CONNECT_CERTIFICATE, "connect_certificate", Pem::certificates),
        path(s, file, NodeSettings.ZENOH_TLS_CONNECT_PRIVATE_KEY, "connect_private_key", Pem::privateKey));
    b.enableMtls(flag(s, file, NodeSettings.ZENOH_TLS_ENABLE_MTLS, "enable_mtls"));
    b.verifyNameOnConnect(flag(s, file, NodeSettings.ZENOH_TLS_VERIFY_NAME_ON_CONNECT, "verify_name_on_connect"));
    try {
      return b.build();
    } catch (ZenohException e) {
      throw new ConfigException(explain(e.getMessage()));
    }
  }

  /**
   * {@code message} of a Zenoh configuration error with each {@code transport.link.tls.<key>} it
   * names followed by the variable that sets it.
   */
  public static String explain(String message) {
    String out = message;
    for (Setting<?> v : new Setting<?>[] {NodeSettings.ZENOH_TLS_ROOT_CA_CERTIFICATE,
        NodeSettings.ZENOH_TLS_LISTEN_CERTIFICATE, NodeSettings.ZENOH_TLS_LISTEN_PRIVATE_KEY,
        NodeSettings.ZENOH_TLS_CONNECT_CERTIFICATE, NodeSettings.ZENOH_TLS_CONNECT_PRIVATE_KEY,
        NodeSettings.ZENOH_TLS_ENABLE_MTLS}) {
      String key = TlsConfig.PREFIX + keyOf(v);
      out = out.replace(key, key + " (" + v.name() + ")");
    }
    return out;
  }

  private static String keyOf(Setting<?> v) {
    return v.name().substring("OPRC_ZENOH_TLS_".length()).toLowerCase(java.util.Locale.ROOT);
  }

  /** The variable's path, else the file's; its file read by {@code check} (an error names the source). */
  private static Path path(Settings s, Map<String, Object> file, Setting<String> var, String key,
      Consumer<Path> check) {
    String value = s.get(var);
    String source = var.name();
    if (value == null && file.get(key) != null) {
      if (!(file.get(key) instanceof String text)) {
        throw fileError(s, key, "a file path (a string)", String.valueOf(file.get(key)));
      }
      value = text;
      source = NodeSettings.ZENOH_CONFIG.name() + " " + FILE_KEY + key;
    }
    if (value == null) {
      return null;
    }
    try {
      Path p = Path.of(value);
      check.accept(p);
      return p;
    } catch (ZenohException | InvalidPathException e) {
      throw new ConfigException(source + "='" + value + "' is invalid; accepted: " + var.accepted() + " ("
          + e.getMessage() + ")");
    }
  }

  private static boolean flag(Settings s, Map<String, Object> file, Setting<Boolean> var, String key) {
    if (s.isSet(var) || file.get(key) == null) {
      return s.get(var);
    }
    Object v = file.get(key);
    if (v instanceof Boolean b) {
      return b;
    }
    if ("true".equals(v) || "false".equals(v)) {
      return Boolean.parseBoolean((String) v);
    }
    throw fileError(s, key, "true or false", String.valueOf(v));
  }

  /** The {@code transport.link.tls} object of the OPRC_ZENOH_CONFIG file (empty when unset or absent). */
  private static Map<String, Object> fileTls(Settings s) {
    String name = s.get(NodeSettings.ZENOH_CONFIG);
    if (name == null) {
      return Map.of();
    }
    Object doc;
    try {
      doc = Json5.parse(Files.readString(Path.of(name), StandardCharsets.UTF_8));
    } catch (java.nio.file.NoSuchFileException e) {
      throw invalidFile(name, "no such file");
    } catch (IOException | InvalidPathException e) {
      throw invalidFile(name, "cannot read it: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw invalidFile(name, "not JSON5: " + e.getMessage());
    }
    Object tls = doc;
    for (String part : new String[] {"transport", "link", "tls"}) {
      if (tls != null && !(tls instanceof Map)) {
        throw invalidFile(name, "'" + part + "' is not inside an object");
      }
      tls = tls == null ? null : ((Map<?, ?>) tls).get(part);
    }
    if (tls != null && !(tls instanceof Map)) {
      throw invalidFile(name, FILE_KEY.substring(0, FILE_KEY.length() - 1) + " is not an object");
    }
    @SuppressWarnings("unchecked") // Json5 objects are Map<String, Object>
    Map<String, Object> m = tls == null ? Map.of() : (Map<String, Object>) tls;
    refuseInlineMaterial(name, m);
    return m;
  }

  /** Upstream also takes certificates inline ({@code *_base64}); this node reads files only: say so. */
  private static void refuseInlineMaterial(String name, Map<String, Object> tls) {
    for (String k : tls.keySet()) {
      if (k.endsWith("_base64") && tls.get(k) != null) {
        throw invalidFile(name, FILE_KEY + k + " is not supported: give a file path in " + FILE_KEY
            + k.substring(0, k.length() - "_base64".length()));
      }
    }
  }

  private static ConfigException invalidFile(String name, String why) {
    return new ConfigException(NodeSettings.ZENOH_CONFIG.name() + "='" + name + "' is invalid; accepted: "
        + NodeSettings.ZENOH_CONFIG.accepted() + " (" + why + ")");
  }

  private static ConfigException fileError(Settings s, String key, String accepted, String value) {
    return new ConfigException(NodeSettings.ZENOH_CONFIG.name() + "='" + s.get(NodeSettings.ZENOH_CONFIG) + "' "
        + FILE_KEY + key + "='" + value + "' is invalid; accepted: " + accepted);
  }
}
