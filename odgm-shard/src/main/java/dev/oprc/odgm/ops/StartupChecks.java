package dev.oprc.odgm.ops;

import dev.oprc.odgm.node.NodeSettings;
import dev.oprc.odgm.node.ZenohTlsSettings;
import dev.oprc.odgm.settings.ConfigException;
import dev.oprc.odgm.settings.Settings;
import dev.oprc.odgm.events.TriggerKeys;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.Mode;
import dev.oprc.zenoh.TlsConfig;
import dev.oprc.zenoh.ZenohException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Start-time checks and the one-line failure text of {@code OdgmNode.main}: configurations that
 * can never work are refused before anything starts, and every startup failure becomes one line
 * {@code odgm: …} naming the variable or resource (exit code 2, no stack trace). Stateless.
 */
public final class StartupChecks {
  private StartupChecks() {}

  /**
   * Refuses function names that are not a Zenoh key chunk (their invocation keys could never be
   * matched) and {@code local:NAME} routes with no handler of that name.
   *
   * @throws ConfigException naming ODGM_COLLECTION, the collection and the function
   */
  public static void routes(List<CreateCollectionRequest> collections, Set<String> localHandlers) {
    for (CreateCollectionRequest c : collections) {
      if (!c.hasInvocations()) {
        continue;
      }
      for (Map.Entry<String, FuncInvokeRoute> e : c.getInvocations().getFnRoutesMap().entrySet()) {
        String problem = TriggerKeys.segmentProblem(e.getKey());
        if (problem != null) {
          throw new ConfigException("ODGM_COLLECTION: function name '" + e.getKey() + "' of collection '"
              + c.getName() + "' " + problem + "; accepted: a Zenoh key chunk without '/', '*', '$', '#', '?'");
        }
        String url = e.getValue().getUrl();
        if (url.startsWith("local:") && !localHandlers.contains(url.substring("local:".length()))) {
          throw new ConfigException("ODGM_COLLECTION: function '" + e.getKey() + "' of collection '"
              + c.getName() + "' routes to '" + url + "', which no in-process handler serves; accepted: local:"
              + String.join(" | local:", new TreeSet<>(localHandlers)) + ", or a gRPC URL (http://, https://, grpc://)");
        }
        if (url.isBlank()) {
          throw new ConfigException("ODGM_COLLECTION: function '" + e.getKey() + "' of collection '"
              + c.getName() + "' has no url; accepted: local:NAME or a gRPC URL (http://, https://, grpc://)");
        }
      }
    }
  }

  /**
   * The Zenoh configuration of the {@code OPRC_ZENOH_*} variables declared in
   * {@link NodeSettings#ZENOH}: without {@code ODGM_REQUIRE_ROUTER} a router not reachable within the
   * connect timeout does not stop the start; the session keeps connecting in the background. TLS
   * material comes from {@link ZenohTlsSettings} (its files are read now).
   *
   * @throws ConfigException naming an invalid variable, an unreadable certificate or key, or TLS material
   *     that a tls endpoint or listener needs and that is missing
   * @throws ZenohException for values that are valid one by one but not together (reconnect max below initial)
   */
  public static Config zenoh(Map<String, String> env, OpsConfig ops) {
    Settings s = Settings.of(env);
    Mode mode = s.get(NodeSettings.ZENOH_MODE);
    int port = s.get(NodeSettings.ZENOH_PORT); // a client only checks it; a peer listens on it
    Config.Builder b = Config.builder()
        .mode(mode)
        .listenPort(mode == Mode.PEER ? port : -1)
        .listenProtocol(s.get(NodeSettings.ZENOH_PROTOCOL)) // a client only checks it
        .tls(ZenohTlsSettings.read(s))
        .endpoints(s.get(NodeSettings.ZENOH_PEERS))
        .batchSize(Math.min(s.get(NodeSettings.ZENOH_BUFFER_SIZE), 65_535)) // a u16 on the wire
        .lease(Duration.ofMillis(s.get(NodeSettings.ZENOH_LEASE_MS)))
        .reconnectInitial(Duration.ofMillis(s.get(NodeSettings.ZENOH_RECONNECT_INITIAL_MS)))
        .reconnectMax(Duration.ofMillis(s.get(NodeSettings.ZENOH_RECONNECT_MAX_MS)))
        .connectTimeout(Duration.ofMillis(s.get(NodeSettings.ZENOH_CONNECT_TIMEOUT_MS)))
        .blockTimeout(Duration.ofMillis(s.get(NodeSettings.ZENOH_BLOCK_TIMEOUT_MS)))
        .outboundQueueCapacity(s.get(NodeSettings.ZENOH_TX_QUEUE))
        .deliveryQueueCapacity(s.get(NodeSettings.ZENOH_DELIVERY_QUEUE))
        .failOnConnectTimeout(ops.requireRouter());
    try {
      return b.build();
    } catch (ZenohException e) {
      if (e.getMessage() != null && e.getMessage().contains(TlsConfig.PREFIX)) { // TLS material missing
        throw new ConfigException(ZenohTlsSettings.explain(e.getMessage()));
      }
      throw e;
    }
  }

  /** The single line printed for a startup failure. */
  public static String oneLine(Throwable e) {
    String msg = message(e);
    String line;
    if (e instanceof ZenohException && msg.startsWith("could not connect")) {
      line = "odgm: Zenoh router not reachable (OPRC_ZENOH_PEERS; " + OpsConfig.REQUIRE_ROUTER + "=true): " + msg
          + "; unset " + OpsConfig.REQUIRE_ROUTER + " to serve and connect in the background";
    } else if (e instanceof ZenohException) {
      line = "odgm: " + (msg.startsWith("invalid Zenoh configuration") ? msg : "invalid Zenoh configuration: " + msg);
    } else if (e instanceof dev.oprc.odgm.storage.StorageException) {
      line = "odgm: " + msg; // names the data dir; nothing was changed in it
    } else if (e instanceof IllegalArgumentException) {
      line = "odgm: invalid configuration: " + msg;
    } else {
      line = "odgm: cannot start: " + msg;
    }
    return line.replace('\n', ' ');
  }

  /** The message of {@code e} and its causes, without class names. */
  static String message(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null && b.length() < 1000; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && !m.isBlank() && b.indexOf(m) < 0) {
        b.append(b.length() == 0 ? "" : ": ").append(m);
      }
    }
    return b.length() == 0 ? "unexpected failure" : b.toString();
  }
}
