package dev.oprc.odgm.node;

import dev.oprc.odgm.events.EventSettings;
import dev.oprc.odgm.replication.ReplicationSettings;
import dev.oprc.odgm.settings.Setting;
import dev.oprc.odgm.settings.SettingGroup;
import dev.oprc.odgm.settings.SettingsCatalogue;
import dev.oprc.odgm.storage.StorageSettings;
import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.Mode;
import dev.oprc.zenoh.ZenohException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's own variables, each declared once ({@link NodeConfig}, {@code OpsConfig}, the
 * {@code OPRC_ZENOH_*} the node reads, and upstream's variables it accepts and ignores), and
 * {@link #CATALOGUE}, every variable of every module: the README's tables are checked against it
 * and {@code OdgmNode.main} warns about an unknown {@code ODGM_*} / {@code OPRC_*} variable with it.
 * Stateless.
 */
public final class NodeSettings {
  private NodeSettings() {}

  public static final Setting<Integer> HTTP_PORT = Setting.integer("ODGM_HTTP_PORT", 8080, 0, 65535,
      "gRPC port (DataService, OprcFunction); 0 = ephemeral");
  public static final Setting<Long> NODE_ID = Setting.of("ODGM_NODE_ID", null, "random", Long::parseUnsignedLong,
      "an unsigned 64-bit integer", "node id (unsigned 64-bit); must be in `ODGM_MEMBERS` when that is set");
  public static final Setting<String> MEMBERS = Setting.text("ODGM_MEMBERS", "unset",
      "comma-separated node ids, or id=host:raftPort:grpcPort entries, including this node", "cluster members: "
          + "node ids `1,2,3` (upstream's form; addresses found over Zenoh) or `id=host:raftPort:grpcPort,...` (see "
          + "Cluster); unset = standalone. With the explicit form `ODGM_HTTP_PORT` defaults to this node's grpcPort "
          + "and must equal it when set");
  public static final Setting<String> NODE_ADDR = Setting.text("ODGM_NODE_ADDR", "this host's address",
      "a URL or host (`http://node-1:8080`, `node-1`)", "host this node advertises to the members of an ids-only "
          + "`ODGM_MEMBERS` (upstream's variable; only the host is used)");
  public static final Setting<Integer> RAFT_PORT = Setting.integer("ODGM_RAFT_PORT", 1, 1, 65535,
      "Raft port this node listens on and advertises with an ids-only `ODGM_MEMBERS`")
      .withDefault(null, "`ODGM_HTTP_PORT` + 1000");
  public static final Setting<String> CLUSTER_ID = Setting.of("ODGM_CLUSTER_ID", "default", "default",
      NodeSettings::clusterId, "letters, digits, '.', '_' or '-'", "namespace of the member adverts on "
          + "Zenoh (`oprc/_odgm/<cluster>/members/...`): clusters sharing a Zenoh network keep apart");
  public static final Setting<String> COLLECTION = Setting.text("ODGM_COLLECTION", "`example` collection",
      "a JSON array of at least one CreateCollectionRequest (unset: the example collection)", "JSON array of "
          + "`CreateCollectionRequest` (1..1024 partitions each; all share the dispatch pool), e.g. "
          + "`[{\"name\":\"orders\",\"partition_count\":2,\"invocations\":{\"fn_routes\":{\"audit\":"
          + "{\"url\":\"http://fn:8080\"}}}}]`");
  public static final Setting<Boolean> REFLECTION_ENABLED = Setting.bool("ODGM_REFLECTION_ENABLED", false,
      "gRPC server reflection (grpcurl)");
  public static final Setting<Integer> MAX_STRING_ID_LEN = Setting.integer("ODGM_MAX_STRING_ID_LEN", 160, 1, 4096,
      "max object id / entry key length");
  public static final Setting<Integer> INVOKE_THREADS = Setting.integer("ODGM_INVOKE_THREADS", 4, 1, 256,
      "async invocation pool; the Zenoh API pool has the same size");
  public static final Setting<Integer> INVOKE_QUEUE_BOUND = Setting.integer("ODGM_INVOKE_QUEUE_BOUND", 1024, 1,
      1 << 20, "async invocations queued for that pool (the Zenoh API pool has the same queue); overflow is refused "
          + "and counted");
  public static final Setting<Long> SHUTDOWN_DRAIN_MS = Setting.millis("ODGM_SHUTDOWN_DRAIN_MS", 5000, 0, 600_000,
      "on shutdown, how long queued events may drain (what is left stays in the outbox)");

  public static final Setting<Integer> GRPC_MAX_MESSAGE_BYTES = Setting.integer("ODGM_GRPC_MAX_MESSAGE_BYTES",
      4 << 20, 1024, 1 << 30, "largest gRPC request accepted (larger: `RESOURCE_EXHAUSTED`); see "
          + "[status codes](#status-codes)").accepting("bytes 1024..1073741824");
  public static final Setting<Integer> METRICS_PORT = Setting.integer("ODGM_METRICS_PORT", 9464, 0, 65535,
      "HTTP port of `/metrics`, `/healthz`, `/readyz`; 0 disables (an embedded `OdgmNode` has it off unless "
          + "`Builder.ops(...)` sets it)").accepting("0 (off) or a port 1..65535");
  public static final Setting<String> METRICS_BIND = Setting.of("ODGM_METRICS_BIND", "0.0.0.0", "0.0.0.0",
      NodeSettings::bindAddress, "an IP address or host name of this machine", "address the HTTP ops port "
          + "(`ODGM_METRICS_PORT`) binds: `0.0.0.0` every interface, `127.0.0.1` only this machine (see "
          + "[Metrics and health](#metrics-and-health) for what it exposes)").blankIsUnset(true);
  public static final Setting<Boolean> REQUIRE_ROUTER = Setting.bool("ODGM_REQUIRE_ROUTER", false,
      "true: exit 2 when no router in `OPRC_ZENOH_PEERS` answers within `OPRC_ZENOH_CONNECT_TIMEOUT_MS`; false: "
          + "serve and keep connecting in the background (`/readyz` 503 meanwhile)");
  public static final Setting<Integer> INVOKE_MAX_CONCURRENCY_PER_ROUTE = Setting.integer(
      "ODGM_INVOKE_MAX_CONCURRENCY_PER_ROUTE", 16, 1, 4096, "remote function calls in flight per (collection, "
          + "function); more wait in that route's queue (`ODGM_INVOKE_QUEUE_BOUND`), holding no thread");
  public static final Setting<Long> INVOKE_QUEUE_MAX_BYTES = Setting.bytes("ODGM_INVOKE_QUEUE_MAX_BYTES", 64L << 20,
      1024, Long.MAX_VALUE, "payload bytes of async invocations accepted and not finished; beyond it they are "
          + "refused (counted, answered SYSTEM_ERROR \"not run\")");
  public static final Setting<Integer> GRPC_MAX_CONCURRENT_CALLS_PER_CONNECTION = Setting.integer(
      "ODGM_GRPC_MAX_CONCURRENT_CALLS_PER_CONNECTION", 1024, 1, 1 << 20, "gRPC calls one client connection may have "
          + "in flight (HTTP/2 `MAX_CONCURRENT_STREAMS`); more wait at the client. Bounds the replies waiting for a "
          + "WAL sync");
  public static final Setting<Integer> GRPC_BLOCKING_THREADS = Setting.integer("ODGM_GRPC_BLOCKING_THREADS", 32, 1,
      1024, "threads (ending after 30 s idle) for the gRPC calls that may block: functions served by an embedder's "
          + "own `local:` handler, calls on raft collections, listings. Every other call runs on the gRPC transport "
          + "threads; remote functions are called asynchronously (`ODGM_INVOKE_MAX_CONCURRENCY_PER_ROUTE`), holding "
          + "no thread");
  public static final Setting<Integer> GRPC_BLOCKING_QUEUE = Setting.integer("ODGM_GRPC_BLOCKING_QUEUE", 4096, 1,
      1 << 20, "such calls waiting for one of those threads; a call the full queue cannot take is answered "
          + "`RESOURCE_EXHAUSTED`");

  public static final Setting<List<String>> ZENOH_PEERS = Setting.of("OPRC_ZENOH_PEERS", List.<String>of(), "unset",
      NodeSettings::endpoints, "comma-separated tcp/host:port or tls/host:port endpoints",
      "comma-separated `tcp/host:port` or `tls/host:port` routers (client) or peers and routers (peer) to connect "
          + "to; unset = local-only session (client) or only listening (peer)").blankIsUnset(true);
  public static final Setting<Mode> ZENOH_MODE = Setting.choice("OPRC_ZENOH_MODE", Mode.CLIENT, modes(),
      "`client` connects to one of the given routers; `peer` listens on `OPRC_ZENOH_PORT` and connects to every "
          + "given endpoint, so nodes that name each other meet without a router (no multicast scouting, no "
          + "gossip); `router` is refused")
      .accepting("client or peer (router is not supported: the node does not route for others)")
      .blankIsUnset(true);
  public static final Setting<String> ZENOH_PROTOCOL = Setting.choice("OPRC_ZENOH_PROTOCOL", "tcp",
      Map.of("tcp", "tcp", "tls", "tls"), "peer: the protocol of the listener on `OPRC_ZENOH_PORT`, `tcp` or `tls` "
          + "(needs a listen certificate and key, see [Zenoh over TLS](#zenoh-over-tls)); client: checked, unused. "
          + "Endpoints in `OPRC_ZENOH_PEERS` name their own protocol (`tcp/...` or `tls/...`)").blankIsUnset(true);
  public static final Setting<Integer> ZENOH_PORT = Setting.integer("OPRC_ZENOH_PORT", 0, 0, 65535,
      "peer: the TCP port the node accepts Zenoh peers and routers on (0: any free port, logged); client: "
          + "checked, unused").blankIsUnset(true);
  public static final Setting<Integer> ZENOH_BUFFER_SIZE = Setting.integer("OPRC_ZENOH_BUFFER_SIZE", 65535, 1024,
      1 << 30, "batch size in bytes; above 65535 (upstream's deployments set 16777216) the batch is 65535, the "
          + "largest a Zenoh 1.x stream batch can be").blankIsUnset(true);
  public static final Setting<Long> ZENOH_LEASE_MS = Setting.millis("OPRC_ZENOH_LEASE_MS", 10_000, 100, 3_600_000,
      "session lease: a silent router link is closed after it").blankIsUnset(true);
  public static final Setting<Long> ZENOH_RECONNECT_INITIAL_MS = Setting.millis("OPRC_ZENOH_RECONNECT_INITIAL_MS",
      1_000, 1, Long.MAX_VALUE, "first delay before reconnecting to a lost router (doubling)").blankIsUnset(true);
  public static final Setting<Long> ZENOH_RECONNECT_MAX_MS = Setting.millis("OPRC_ZENOH_RECONNECT_MAX_MS", 4_000, 1,
      Long.MAX_VALUE, "longest delay between reconnection attempts (at least the initial one)").blankIsUnset(true);
  public static final Setting<Long> ZENOH_CONNECT_TIMEOUT_MS = Setting.millis("OPRC_ZENOH_CONNECT_TIMEOUT_MS", 5_000,
      0, Long.MAX_VALUE, "how long the start waits for a router (see `ODGM_REQUIRE_ROUTER`)").blankIsUnset(true);
  public static final Setting<Long> ZENOH_BLOCK_TIMEOUT_MS = Setting.millis("OPRC_ZENOH_BLOCK_TIMEOUT_MS", 5_000, 1,
      Long.MAX_VALUE, "how long a blocking put may wait for room in the send queue").blankIsUnset(true);
  public static final Setting<Integer> ZENOH_TX_QUEUE = Setting.integer("OPRC_ZENOH_TX_QUEUE", 16_384, 1, 1 << 22,
      "messages queued for sending").blankIsUnset(true);
  public static final Setting<Integer> ZENOH_DELIVERY_QUEUE = Setting.integer("OPRC_ZENOH_DELIVERY_QUEUE", 65_536,
      1, 1 << 22, "received samples queued for the callback thread").blankIsUnset(true);

  public static final Setting<String> ZENOH_CONFIG = Setting.text("OPRC_ZENOH_CONFIG", "unset",
      "a readable JSON5 Zenoh configuration file", "upstream's json5 Zenoh configuration file: its "
          + "`transport.link.tls` keys (`root_ca_certificate`, `listen_certificate`, `listen_private_key`, "
          + "`connect_certificate`, `connect_private_key`, `enable_mtls`, `verify_name_on_connect`) are read, the "
          + "`OPRC_ZENOH_TLS_*` variables override them; the rest of the file is ignored (the variables above "
          + "configure it)");
  public static final Setting<String> ZENOH_TLS_ROOT_CA_CERTIFICATE = Setting.text(
      "OPRC_ZENOH_TLS_ROOT_CA_CERTIFICATE", "unset (the JDK's trusted CAs)", "a PEM certificate file",
      "CA certificates (PEM) `tls` links trust: a server's when connecting, with mTLS a client's when listening");
  public static final Setting<String> ZENOH_TLS_LISTEN_CERTIFICATE = Setting.text("OPRC_ZENOH_TLS_LISTEN_CERTIFICATE",
      "unset", "a PEM certificate file", "certificate chain (PEM, leaf first) a peer presents on its `tls` listener");
  public static final Setting<String> ZENOH_TLS_LISTEN_PRIVATE_KEY = Setting.text("OPRC_ZENOH_TLS_LISTEN_PRIVATE_KEY",
      "unset", "a PEM private key file", "its private key (PEM: PKCS#8, or OpenSSL's RSA or EC form; EC, RSA or "
          + "Ed25519; not encrypted)");
  public static final Setting<String> ZENOH_TLS_CONNECT_CERTIFICATE = Setting.text(
      "OPRC_ZENOH_TLS_CONNECT_CERTIFICATE", "unset", "a PEM certificate file", "certificate chain (PEM) the node "
          + "presents when it connects to a `tls/` endpoint with mTLS");
  public static final Setting<String> ZENOH_TLS_CONNECT_PRIVATE_KEY = Setting.text(
      "OPRC_ZENOH_TLS_CONNECT_PRIVATE_KEY", "unset", "a PEM private key file", "its private key");
  public static final Setting<Boolean> ZENOH_TLS_ENABLE_MTLS = Setting.bool("OPRC_ZENOH_TLS_ENABLE_MTLS", false,
      "mutual TLS: a `tls` listener requires a client certificate issued by the root CA, and connecting presents "
          + "the connect certificate").blankIsUnset(true);
  public static final Setting<Boolean> ZENOH_TLS_VERIFY_NAME_ON_CONNECT = Setting.bool(
      "OPRC_ZENOH_TLS_VERIFY_NAME_ON_CONNECT", true, "the server certificate must name the host of the `tls/` "
          + "endpoint (DNS or IP subject alternative name); false checks only that a trusted CA issued it")
      .blankIsUnset(true);

  /** The node's variables. */
  public static final SettingGroup NODE = SettingGroup.of("Node", HTTP_PORT, NODE_ID, MEMBERS, NODE_ADDR, RAFT_PORT,
      CLUSTER_ID, COLLECTION,
      REFLECTION_ENABLED, MAX_STRING_ID_LEN, INVOKE_THREADS, INVOKE_QUEUE_BOUND, SHUTDOWN_DRAIN_MS);
  /** Operational limits, metrics and health ({@code OpsConfig}). */
  public static final SettingGroup OPS = SettingGroup.of("Operations", INVOKE_MAX_CONCURRENCY_PER_ROUTE,
      INVOKE_QUEUE_MAX_BYTES, GRPC_MAX_CONCURRENT_CALLS_PER_CONNECTION, GRPC_BLOCKING_THREADS, GRPC_BLOCKING_QUEUE,
      GRPC_MAX_MESSAGE_BYTES, METRICS_PORT, METRICS_BIND, REQUIRE_ROUTER);
  /** The Zenoh session ({@code StartupChecks.zenoh}). */
  public static final SettingGroup ZENOH = SettingGroup.of("Zenoh", ZENOH_PEERS, ZENOH_MODE, ZENOH_PROTOCOL,
      ZENOH_PORT, ZENOH_BUFFER_SIZE, ZENOH_LEASE_MS, ZENOH_RECONNECT_INITIAL_MS, ZENOH_RECONNECT_MAX_MS,
      ZENOH_CONNECT_TIMEOUT_MS, ZENOH_BLOCK_TIMEOUT_MS, ZENOH_TX_QUEUE, ZENOH_DELIVERY_QUEUE, ZENOH_CONFIG,
      ZENOH_TLS_ROOT_CA_CERTIFICATE, ZENOH_TLS_LISTEN_CERTIFICATE, ZENOH_TLS_LISTEN_PRIVATE_KEY,
      ZENOH_TLS_CONNECT_CERTIFICATE, ZENOH_TLS_CONNECT_PRIVATE_KEY, ZENOH_TLS_ENABLE_MTLS,
      ZENOH_TLS_VERIFY_NAME_ON_CONNECT);
  /**
   * Variables upstream's deployments and code read (oprc-upstream.md §6, its compose files and
   * pod template) that this node accepts and ignores: known, so never reported as unknown.
   */
  public static final SettingGroup UPSTREAM_IGNORED = SettingGroup.of("Upstream variables this node ignores",
      Setting.ignored("ODGM_MAX_SESSIONS", "upstream's Zenoh session pool; this node opens one session"),
      Setting.ignored("ODGM_ENABLE_STRING_ENTRY_KEYS", "string entry keys are always enabled"),
      Setting.ignored("ODGM_ENABLE_GRANULAR_STORAGE", "deprecated upstream; storage is always per entry"),
      Setting.ignored("ODGM_GRANULAR_PREFETCH_LIMIT", "upstream's page size for object reconstruction"),
      Setting.ignored("ODGM_CAPS_QUERYABLE_ENABLED", "the capabilities queryable is always declared"),
      Setting.ignored("ODGM_EVENT_PIPELINE_V2", "there is one event pipeline (`ODGM_EVENTS_ENABLED` turns it off)"),
      Setting.ignored("ODGM_EVENT_PIPELINE_BRIDGE", "upstream's removed bridge; `bridge_mode` is reported false"),
      Setting.ignored("ODGM_EVENT_BCAST_BOUND", "upstream's in-process broadcast of events; there is none here"),
      Setting.ignored("ODGM_EVENT_SUMMARY_KEY_SAMPLE", "upstream's truncation summary; skipped keys are counted"),
      Setting.ignored("ODGM_TRIGGER_TEST_TAP", "upstream's test hook"),
      Setting.ignored("ODGM_FORCE_TRIGGER_PUBLISH_FAIL", "upstream's test hook"),
      Setting.ignored("ODGM_MST_SYNC_EVENTS", "upstream's notifications of replicated changes; not implemented"),
      Setting.ignored("OPRC_SERVICE_NAME", "upstream's telemetry service name"),
      Setting.ignored("OPRC_CLS_ID", "upstream's pod template: the class, for observability"),
      Setting.ignored("OPRC_DEPLOYMENT_ID", "upstream's pod template: the deployment, for observability"),
      Setting.ignored("OPRC_ZENOH_GOSSIP_ENABLED", "no gossip: a peer connects to the endpoints it is given"),
      Setting.ignored("OPRC_ZENOH_GOSSIP_MULTIHOP", "no gossip"),
      Setting.ignored("OPRC_ZENOH_LINKSTATE", "concerns a full Zenoh runtime"),
      Setting.ignored("OPRC_ZENOH_MAX_SESSIONS", "concerns a full Zenoh runtime"),
      Setting.ignored("OPRC_ZENOH_MAX_LINKS", "concerns a full Zenoh runtime"),
      Setting.ignored("OPRC_ZENOH_SCOUTING_MULTICAST_ENABLED", "the node does not scout: peers name each other "
          + "in `OPRC_ZENOH_PEERS`"),
      Setting.ignored("OPRC_ZENOH_ADMINSPACE_ENABLED", "this client has no admin space"),
      Setting.ignored("OPRC_ZENOH_DEFAULT_TIMEOUT", "query timeouts come from each call (`ODGM_TRIGGER_TIMEOUT_MS`)"),
      Setting.ignored("OPRC_ZENOH_SHARE_SESSION", "upstream's test switch; the node has one session"));

  /** Every variable the node knows, in README order. */
  public static final SettingsCatalogue CATALOGUE = new SettingsCatalogue(List.of(NODE, StorageSettings.STORAGE_GROUP,
      ReplicationSettings.RAFT, EventSettings.EVENTS, EventSettings.OUTBOX,
      dev.oprc.odgm.events.ChangeSettings.CHANGES, OPS, dev.oprc.odgm.security.TlsSettings.TLS, ZENOH, dev.oprc.odgm.logging.LogSettings.LOGGING,
      dev.oprc.odgm.tracing.TracingSettings.TRACES, UPSTREAM_IGNORED));

  private static String clusterId(String s) {
    if (!s.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("not a key chunk");
    }
    return s;
  }

  /** A host to bind: a literal address or a name; resolved when the port is bound (an unknown one fails there). */
  private static String bindAddress(String s) {
    if (s.isEmpty() || s.chars().anyMatch(c -> Character.isWhitespace(c) || c == '/' || c == ',')) {
      throw new IllegalArgumentException("not a host");
    }
    return s;
  }

  private static Map<String, Mode> modes() {
    Map<String, Mode> m = new LinkedHashMap<>();
    m.put("client", Mode.CLIENT);
    m.put("peer", Mode.PEER);
    return m;
  }

  /** Comma-separated endpoints, each one a valid Zenoh endpoint; empty entries are skipped. */
  private static List<String> endpoints(String text) {
    List<String> out = new ArrayList<>();
    for (String p : text.split(",", -1)) {
      String e = p.trim();
      if (e.isEmpty()) {
        continue;
      }
      try {
        Config.client(e); // the library's endpoint check
      } catch (ZenohException ex) {
        throw new IllegalArgumentException(ex.getMessage(), ex);
      }
      out.add(e);
    }
    return List.copyOf(out);
  }
}
