package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.discovery.IdsOnlyMembers;
import dev.oprc.odgm.ops.OpsConfig;
import dev.oprc.odgm.ops.StartupChecks;
import dev.oprc.odgm.replication.ReplicationSettings;
import dev.oprc.odgm.settings.Setting;
import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.Mode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The deployment files under {@code deploy/} (the StatefulSet's container env, the Dockerfile's
 * {@code ENV}, the variables the image's entrypoint exports) are checked against the node's
 * settings, so the manifests cannot drift from the code: every {@code ODGM_*} / {@code OPRC_*} name
 * is declared in {@link NodeSettings#CATALOGUE}, and the pod's environment is a configuration the
 * node accepts. The manifest's env values are one-line scalars (plain, '...' or "..."); anything
 * else fails the test rather than being skipped. deploy/validate.sh checks the Kubernetes side.
 */
class ManifestSettingsTest {
  private static final Pattern OURS = Pattern.compile("(?:ODGM|OPRC)_[A-Z0-9_]+");
  /** What upstream's class runtime manager writes into an ODGM pod (oprc-crm templates/odgm.rs). */
  private static final Set<String> UPSTREAM_POD_ENV = Set.of("ODGM_CLUSTER_ID", "ODGM_MEMBERS", "ODGM_COLLECTION",
      "ODGM_LOG", "OPRC_ZENOH_MODE", "OPRC_ZENOH_PORT", "OPRC_ZENOH_PEERS", "OPRC_DEPLOYMENT_ID", "OPRC_CLS_ID");
  /** Closing Raft, RocksDB and Zenoh after the hand-off and the drain. */
  private static final long CLOSE_MARGIN_MS = 10_000;

  private static Path deploy() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("deploy/k8s"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("deploy/k8s above the working directory").isNotNull();
    return dir.resolve("deploy");
  }

  private static String read(String file) throws IOException {
    return Files.readString(deploy().resolve(file), StandardCharsets.UTF_8);
  }

  /** The odgm container's env: name to literal value, or to null for a valueFrom entry. */
  static Map<String, String> containerEnv(String manifest) {
    List<String> lines = manifest.lines().toList();
    int start = 0;
    while (start < lines.size() && !lines.get(start).trim().equals("env:")) {
      start++;
    }
    assertThat(start).as("an env: block in the StatefulSet").isLessThan(lines.size());
    int indent = indent(lines.get(start));
    Map<String, String> env = new LinkedHashMap<>();
    String name = null;
    for (String line : lines.subList(start + 1, lines.size())) {
      String t = line.trim();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      if (indent(line) <= indent) {
        break;
      }
      if (t.startsWith("- name: ")) {
        name = t.substring("- name: ".length());
        env.put(name, null);
      } else if (t.startsWith("value: ") && name != null) {
        env.put(name, scalar(t.substring("value: ".length())));
      } else {
        assertThat(t).as("env line of %s", name).matches("valueFrom:|fieldRef:|fieldPath: .*");
      }
    }
    return env;
  }

  private static int indent(String line) {
    return line.length() - line.stripLeading().length();
  }

  private static String scalar(String raw) {
    if (raw.startsWith("'")) {
      assertThat(raw).as("single-quoted scalar").endsWith("'");
      return raw.substring(1, raw.length() - 1).replace("''", "'");
    }
    if (raw.startsWith("\"")) {
      assertThat(raw).as("double-quoted scalar").endsWith("\"");
      return raw.substring(1, raw.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
    }
    assertThat(raw).as("plain scalar").doesNotStartWith("|").doesNotStartWith(">");
    return raw;
  }

  /** The manifest's env as the entrypoint hands it to pod odgm-0 in namespace default. */
  private static Map<String, String> podZeroEnv() throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : containerEnv(read("k8s/statefulset.yaml")).entrySet()) {
      if (e.getValue() != null) {
        env.put(e.getKey(), e.getValue().replace("$(POD_NAME)", "odgm-0").replace("$(POD_NAMESPACE)", "default"));
      }
    }
    env.put(NodeSettings.NODE_ID.name(), "1"); // the entrypoint's ordinal + 1 (deploy/validate.sh checks it)
    return env;
  }

  private static Set<String> names(String text, Pattern pattern) {
    Set<String> out = new TreeSet<>();
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  @Test
  void everyVariableTheDeploymentFilesSetIsASettingOfTheNode() throws IOException {
    Set<String> set = new TreeSet<>(containerEnv(read("k8s/statefulset.yaml")).keySet());
    set.addAll(names(read("docker/Dockerfile"), Pattern.compile("(?m)^ENV\\s+(\\w+)=")));
    set.addAll(names(read("docker/odgm-entrypoint"), Pattern.compile("(?m)^\\s*export\\s+(\\w+)")));
    assertThat(set).contains("ODGM_DATA_DIR", "ODGM_NODE_ID", "OPRC_ZENOH_PEERS");
    assertThat(set.stream().filter(n -> OURS.matcher(n).matches()))
        .allSatisfy(n -> assertThat(NodeSettings.CATALOGUE.find(n)).as("%s is a setting of the node", n).isPresent());
  }

  @Test
  void theStatefulSetSetsTheEnvironmentUpstreamsOperatorWrites() throws IOException {
    assertThat(containerEnv(read("k8s/statefulset.yaml")).keySet()).containsAll(UPSTREAM_POD_ENV);
    assertThat(read("docker/odgm-entrypoint")).containsPattern("(?m)^\\s*export ODGM_NODE_ID$");
  }

  @Test
  void thePodEnvironmentIsAConfigurationTheNodeAccepts() throws IOException {
    Map<String, String> env = podZeroEnv();
    assertThat(NodeSettings.CATALOGUE.unknownVariableWarnings(env)).isEmpty();
    NodeConfig config = NodeConfig.fromEnv(IdsOnlyMembers.provisional(env));
    assertThat(config.nodeId()).isEqualTo(1);
    assertThat(config.members().ids()).containsExactly(1L, 2L, 3L);
    assertThat(config.replication()).isNotNull();
    assertThat(config.collections()).singleElement()
        .satisfies(c -> assertThat(c.getName() + ":" + c.getShardType()).isEqualTo("orders:raft"));
    OpsConfig ops = OpsConfig.fromEnv(env);
    assertThat(ops.metricsPort()).isEqualTo(9464);
    Config zenoh = StartupChecks.zenoh(env, ops);
    assertThat(zenoh.mode()).isEqualTo(Mode.PEER);
    assertThat(zenoh.endpoints()).hasSize(3).allSatisfy(e -> assertThat(e).endsWith(".odgm-peers.default.svc:17447"));
  }

  @Test
  void theGracePeriodCoversTheLeadershipHandOffAndTheEventDrain() throws IOException {
    String manifest = read("k8s/statefulset.yaml");
    Matcher grace = Pattern.compile("(?m)^\\s*terminationGracePeriodSeconds: (\\d+)$").matcher(manifest);
    assertThat(grace.find()).as("terminationGracePeriodSeconds in the StatefulSet").isTrue();
    Map<String, String> env = podZeroEnv();
    long handoff = millis(env, ReplicationSettings.HANDOFF_TIMEOUT_MS);
    long drain = millis(env, NodeSettings.SHUTDOWN_DRAIN_MS);
    assertThat(Long.parseLong(grace.group(1)) * 1000)
        .as("grace period vs hand-off %d ms + drain %d ms + %d ms to close", handoff, drain, CLOSE_MARGIN_MS)
        .isGreaterThanOrEqualTo(handoff + drain + CLOSE_MARGIN_MS);
  }

  private static long millis(Map<String, String> env, Setting<Long> setting) {
    String raw = env.get(setting.name());
    return raw == null ? setting.defaultValue() : setting.parse(raw);
  }
}
