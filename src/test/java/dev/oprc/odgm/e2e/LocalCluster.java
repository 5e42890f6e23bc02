package dev.oprc.odgm.e2e;

import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.StatsRequest;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * An ODGM cluster of node processes on loopback, as the cluster contract configures it: each node
 * gets {@code ODGM_NODE_ID}, the shared {@code ODGM_MEMBERS} list ({@code id=127.0.0.1:raftPort:grpcPort},
 * ports picked free at construction and kept across restarts), its own {@code ODGM_DATA_DIR} under
 * the base directory, the same {@code ODGM_COLLECTION}, and the test router as its Zenoh peer.
 * Members can be killed (SIGKILL), paused (SIGSTOP) and resumed, and restarted on their data dir.
 *
 * <p>Not thread-safe: driven by the test's main thread (the node handles it returns may be used
 * from any thread).
 */
final class LocalCluster implements AutoCloseable {
  static final String NODE_MAIN = "dev.oprc.odgm.node.OdgmNode";
  /** Heap and GC for each node JVM: four JVMs share two cores and the machine's memory. */
  private static final String[] JVM_ARGS = {"-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"};

  /** One member's fixed identity and ports. */
  record Member(long id, int raftPort, int grpcPort, Path dataDir) {}

  private final Map<Long, Member> members = new LinkedHashMap<>();
  private final Map<Long, NodeProcess> nodes = new java.util.concurrent.ConcurrentHashMap<>(); // writers read it during restarts
  private final Map<String, String> env;

  private LocalCluster(int size, Path baseDir, ZenohRouterProcess router, String collectionsJson,
      Map<String, String> extraEnv) throws Exception {
    StringJoiner list = new StringJoiner(",");
    for (long id = 1; id <= size; id++) {
      Member m = new Member(id, ZenohRouterProcess.freePort(), ZenohRouterProcess.freePort(),
          Files.createDirectories(baseDir.resolve("node-" + id)));
      members.put(id, m);
      list.add(id + "=127.0.0.1:" + m.raftPort() + ":" + m.grpcPort());
    }
    env = new HashMap<>();
    env.put("ODGM_MEMBERS", list.toString());
    env.put("ODGM_COLLECTION", collectionsJson);
    env.put("OPRC_ZENOH_MODE", "client");
    env.put("OPRC_ZENOH_PEERS", router.endpoint());
    env.put("OPRC_ZENOH_LEASE_MS", "2000");
    env.put("ODGM_SHUTDOWN_DRAIN_MS", "1000");
    env.putAll(extraEnv);
  }

  /** Starts {@code size} members (ids 1..size) at once and waits until each serves gRPC. */
  static LocalCluster start(int size, Path baseDir, ZenohRouterProcess router, String collectionsJson,
      Map<String, String> extraEnv) throws Exception {
    LocalCluster c = new LocalCluster(size, baseDir, router, collectionsJson, extraEnv);
    try {
      for (long id : c.members.keySet()) {
        c.launch(id);
      }
      for (long id : c.members.keySet()) {
        c.nodes.get(id).awaitServing(Duration.ofSeconds(90));
      }
      return c;
    } catch (Exception | AssertionError e) {
      c.close();
      throw e;
    }
  }

  private void launch(long id) throws Exception {
    Member m = members.get(id);
    Map<String, String> e = new HashMap<>(env);
    e.put("ODGM_NODE_ID", Long.toString(id));
    e.put("ODGM_HTTP_PORT", Integer.toString(m.grpcPort()));
    e.put("ODGM_DATA_DIR", m.dataDir().toString());
    nodes.put(id, NodeProcess.launch(NODE_MAIN, m.grpcPort(), e, JVM_ARGS));
  }

  List<Long> ids() {
    return new ArrayList<>(members.keySet());
  }

  Member member(long id) {
    return members.get(id);
  }

  NodeProcess node(long id) {
    return nodes.get(id);
  }

  /** A blocking stub on member {@code id} (10 s deadline; override per call). */
  DataServiceGrpc.DataServiceBlockingStub data(long id) {
    return nodes.get(id).data();
  }

  /** The ids of the members whose process is alive (paused ones included). */
  List<Long> alive() {
    List<Long> out = new ArrayList<>();
    nodes.forEach((id, n) -> {
      if (n.process.isAlive()) {
        out.add(id);
      }
    });
    return out;
  }

  /** SIGKILL to member {@code id}; returns once the process is gone. */
  void kill9(long id) throws Exception {
    nodes.get(id).kill9();
  }

  /** SIGTERM to member {@code id} (its graceful stop); returns once the process is gone. */
  void stop(long id) {
    nodes.get(id).close();
  }

  /** Starts member {@code id} again on its ports and data dir (after a kill) and waits until it serves gRPC. */
  void restart(long id) throws Exception {
    NodeProcess old = nodes.get(id);
    if (old != null) {
      old.close();
    }
    launch(id);
    nodes.get(id).awaitServing(Duration.ofSeconds(90));
  }

  /** Restarts every member at once (after they were all killed), then waits for each. */
  void restartAll() throws Exception {
    for (long id : members.keySet()) {
      nodes.get(id).close();
      launch(id);
    }
    for (long id : members.keySet()) {
      nodes.get(id).awaitServing(Duration.ofSeconds(90));
    }
  }

  /**
   * The leader of {@code (collection, partition)} as member {@code askId} reports it in Stats, if any.
   */
  OptionalLong leaderSeenBy(long askId, String collection, int partition) {
    try {
      return ClusterStats.leader(nodes.get(askId).data().withDeadlineAfter(2, TimeUnit.SECONDS)
          .stats(StatsRequest.getDefaultInstance()), collection, partition);
    } catch (RuntimeException e) {
      return OptionalLong.empty(); // down, paused or not ready: it has no opinion
    }
  }

  /**
   * Waits until every live, unpaused member in {@code askIds} reports the same leader for the
   * partition and that leader reports itself leader; returns its id.
   */
  long awaitLeader(String collection, int partition, List<Long> askIds, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      OptionalLong agreed = agreedLeader(collection, partition, askIds);
      if (agreed.isPresent()) {
        return agreed.getAsLong();
      }
      if (System.nanoTime() > deadline) {
        StringBuilder b = new StringBuilder("no agreed leader of " + collection + "/" + partition + " within "
            + within + "; views:");
        for (long id : askIds) {
          b.append(' ').append(id).append("->").append(leaderSeenBy(id, collection, partition));
        }
        throw new AssertionError(b.append(logs()).toString());
      }
      Thread.sleep(100);
    }
  }

  private OptionalLong agreedLeader(String collection, int partition, List<Long> askIds) {
    OptionalLong first = OptionalLong.empty();
    for (long id : askIds) {
      OptionalLong seen = leaderSeenBy(id, collection, partition);
      if (seen.isEmpty() || (first.isPresent() && first.getAsLong() != seen.getAsLong())) {
        return OptionalLong.empty();
      }
      first = seen;
    }
    if (first.isPresent() && !askIds.contains(first.getAsLong())) {
      OptionalLong self = leaderSeenBy(first.getAsLong(), collection, partition);
      if (self.isEmpty() || self.getAsLong() != first.getAsLong()) {
        return OptionalLong.empty();
      }
    }
    return first;
  }

  /** The tail of every member's log, for failure messages. */
  String logs() {
    StringBuilder b = new StringBuilder();
    nodes.forEach((id, n) -> {
      String out = n.output();
      b.append("\n---- node ").append(id).append(" (last 4000 chars)\n")
          .append(out.substring(Math.max(0, out.length() - 4000)));
    });
    return b.toString();
  }

  /** Resumes paused members (a paused process ignores SIGTERM), then stops every member. */
  @Override
  public void close() {
    try {
      for (NodeProcess n : nodes.values()) {
        if (n.process.isAlive()) {
          n.resume();
        }
      }
      for (NodeProcess n : nodes.values()) {
        n.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop the cluster: " + e.getMessage(), e);
    }
  }
}
