package dev.oprc.odgm.node;

import dev.oprc.odgm.cluster.Membership;
import dev.oprc.odgm.cluster.PartitionOwnership;
import dev.oprc.odgm.cluster.ShardType;
import dev.oprc.odgm.discovery.IdsOnlyMembers;
import dev.oprc.odgm.logging.LogSettings;
import dev.oprc.odgm.logging.Logging;
import dev.oprc.odgm.settings.Settings;
import dev.oprc.odgm.storage.StorageConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node as a process ({@link OdgmNode#main}): configuration from the environment, one line and
 * exit 2 for whatever refuses the start, a SIGTERM hook on the node's own shutdown path, and the
 * start-up log line. Stateless.
 */
final class NodeMain {
  private static final Logger log = LoggerFactory.getLogger(OdgmNode.class);

  private NodeMain() {}

  /** Starts a node from {@code env} and blocks until it has terminated. */
  static void run(Map<String, String> env) throws InterruptedException {
    int commonPool = CommonPool.ensureParallelism(); // before anything creates the pool
    try { // first: every later line is written at the levels and in the format asked for
      Settings settings = Settings.of(env);
      Logging.apply(settings.get(LogSettings.LOG), settings.get(LogSettings.FORMAT)).forEach(log::warn);
    } catch (RuntimeException e) {
      System.err.println(dev.oprc.odgm.ops.StartupChecks.oneLine(e));
      System.exit(2);
      return;
    }
    NodeSettings.CATALOGUE.unknownVariableWarnings(env).forEach(log::warn); // a typo is never silently ignored
    if (commonPool < 2) {
      log.warn("the common fork-join pool has {} thread(s): Raft's async stages each start a thread;"
          + " set -D{}={}", commonPool, CommonPool.PARALLELISM, CommonPool.MIN_PARALLELISM);
    }
    NodeConfig config;
    NodeTransport transport;
    OdgmNode node;
    dev.oprc.odgm.security.TlsConfig tls;
    try { // every failure: one line naming the variable or resource, exit 2 (StartupChecks)
      NodeConfig checked = NodeConfig.fromEnv(IdsOnlyMembers.provisional(env)); // all checked before anything opens
      dev.oprc.odgm.ops.OpsConfig ops = dev.oprc.odgm.ops.OpsConfig.fromEnv(env);
      dev.oprc.odgm.tracing.TracingConfig tracing = dev.oprc.odgm.tracing.TracingConfig.fromEnv(env);
      tls = dev.oprc.odgm.security.TlsConfig.fromEnv(env, Settings.of(env).isSet(NodeSettings.MEMBERS));
      ZenohTransport zenoh = ZenohTransport.open(dev.oprc.odgm.ops.StartupChecks.zenoh(env, ops));
      transport = zenoh;
      // upstream's ODGM_MEMBERS=1,2,3: the members' addresses come over Zenoh
      config = IdsOnlyMembers.idsOnly(env) ? awaitMembers(env, zenoh, ops) : checked;
      node = OdgmNode.builder().config(config).ops(ops).tracing(tracing).tls(tls).transport(transport).build();
    } catch (Exception e) {
      System.err.println(dev.oprc.odgm.ops.StartupChecks.oneLine(e));
      System.exit(2);
      return;
    }
    // before start(): a SIGTERM while RocksDB or Raft are still opening takes the same orderly path
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down (draining events for up to {} ms)", config.shutdownDrainMillis());
      node.close();
    }, "odgm-sigterm"));
    try {
      node.start();
    } catch (Exception e) {
      System.err.println(dev.oprc.odgm.ops.StartupChecks.oneLine(e));
      System.exit(2);
      return;
    }
    log.info("ODGM node {} serving gRPC on port {} ({}); collections {}; events {}; storage {}; zenoh {} (Zenoh API: "
        + "{} subscriptions, queryables and liveliness tokens)", config.nodeId(), node.port(), tls.describe(),
        config.collections().stream().map(c -> c.getName() + "[" + c.getPartitionCount() + "]").toList(),
        config.events().enabled() ? "on" : "off", describe(config.storage()), transport, node.zenohApiKeys().size());
    log.debug("Zenoh API keys: {}", node.zenohApiKeys());
    node.awaitTermination();
  }

  /**
   * Waits for the members of an ids-only {@code ODGM_MEMBERS} to advertise themselves; meanwhile
   * the metrics port answers {@code /healthz} 200 and {@code /readyz} 503 saying so.
   */
  private static NodeConfig awaitMembers(Map<String, String> env, ZenohTransport zenoh,
      dev.oprc.odgm.ops.OpsConfig ops) throws java.io.IOException, InterruptedException {
    dev.oprc.odgm.ops.OpsServer waiting = new dev.oprc.odgm.ops.OpsServer(List.of(), () -> "waiting for the members "
        + "of " + Membership.MEMBERS + " to advertise their addresses over Zenoh (the log names the missing ones)");
    try {
      waiting.start(ops.metricsBind(), ops.metricsPort(), null);
      return NodeConfig.fromEnv(IdsOnlyMembers.resolve(env, zenoh.session()));
    } finally {
      waiting.close(); // frees the port for the node's own endpoints
    }
  }

  /** Logs once the cluster view and what each non-basic shard type runs as. */
  static void logShardTypes(NodeConfig config, PartitionOwnership ownership) {
    if (config.members().clustered()) {
      java.util.List<String> owned = new ArrayList<>();
      for (String c : ownership.collections()) {
        for (int p = 0; p < ownership.partitionCount(c); p++) {
          if (ownership.owns(c, p)) {
            owned.add(c + "/" + p);
          }
        }
      }
      // the groups themselves are logged once the Raft server started: without leader spreading, one group
      // serves every preferred leader of a replica set
      log.info("node {} of cluster {}: owns {} (basic and mst); holds raft partitions of replica sets {} (preferred "
          + "leader first)", Long.toUnsignedString(config.nodeId()), config.members().members(), owned,
          ownership.raftReplicaSets());
    }
    for (dev.oprc.odgm.proto.CreateCollectionRequest c : config.collections()) {
      ShardType t = ShardType.of(c.getName(), c.getShardType());
      if (t == ShardType.MST) {
        log.info("collection '{}': shard_type mst runs as basic (one owner per partition, no replication): upstream's "
            + "mst is eventually consistent and resurrects deleted keys, so it is not copied", c.getName());
      } else if (t == ShardType.RAFT && !config.members().clustered()) {
        log.info("collection '{}': shard_type raft on a standalone node (no {}) runs as basic: one copy, no "
            + "replication", c.getName(), Membership.MEMBERS);
      }
    }
  }

  private static String describe(StorageConfig s) {
    return s.kind() == StorageConfig.Kind.MEMORY ? "memory (nothing survives a restart)"
        : "rocksdb " + s.dataDir().toAbsolutePath() + " (sync " + s.sync().name().toLowerCase(java.util.Locale.ROOT) + ")";
  }
}
