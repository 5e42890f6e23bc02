package dev.oprc.odgm.ops;

import dev.oprc.odgm.events.EventConfigException;
import dev.oprc.odgm.events.TriggerKeys;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.ZenohException;
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
   * @throws EventConfigException naming ODGM_COLLECTION, the collection and the function
   */
  public static void routes(List<CreateCollectionRequest> collections, Set<String> localHandlers) {
    for (CreateCollectionRequest c : collections) {
      if (!c.hasInvocations()) {
        continue;
      }
      for (Map.Entry<String, FuncInvokeRoute> e : c.getInvocations().getFnRoutesMap().entrySet()) {
        String problem = TriggerKeys.segmentProblem(e.getKey());
        if (problem != null) {
          throw new EventConfigException("ODGM_COLLECTION: function name '" + e.getKey() + "' of collection '"
              + c.getName() + "' " + problem + "; accepted: a Zenoh key chunk without '/', '*', '$', '#', '?'");
        }
        String url = e.getValue().getUrl();
        if (url.startsWith("local:") && !localHandlers.contains(url.substring("local:".length()))) {
          throw new EventConfigException("ODGM_COLLECTION: function '" + e.getKey() + "' of collection '"
              + c.getName() + "' routes to '" + url + "', which no in-process handler serves; accepted: local:"
              + String.join(" | local:", new TreeSet<>(localHandlers)) + ", or a gRPC URL (http://, https://, grpc://)");
        }
        if (url.isBlank()) {
          throw new EventConfigException("ODGM_COLLECTION: function '" + e.getKey() + "' of collection '"
              + c.getName() + "' has no url; accepted: local:NAME or a gRPC URL (http://, https://, grpc://)");
        }
      }
    }
  }

  /**
   * The Zenoh configuration of {@code OPRC_ZENOH_*}: without {@code ODGM_REQUIRE_ROUTER} a router
   * not reachable within the connect timeout does not stop the start; the session keeps
   * connecting in the background.
   */
  public static Config zenoh(Map<String, String> env, OpsConfig ops) {
    Config c = Config.fromEnv(env);
    return ops.requireRouter() ? c : c.toBuilder().failOnConnectTimeout(false).build();
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
