package dev.oprc.bench.load;

import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.PartitionInfo;
import dev.oprc.odgm.proto.StatsRequest;
import dev.oprc.odgm.proto.StatsResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * The nodes of one scenario: a single node, or a cluster of {@code n} node JVMs on loopback
 * (node ids 1..n, {@code ODGM_MEMBERS} with free Raft and gRPC ports, one data directory each),
 * all started at once because a Raft group needs a quorum before any member is ready. Only the
 * harness thread uses it; not thread-safe. {@link #close()} stops every node.
 */
final class NodeGroup implements AutoCloseable {
  private final List<NodeProcess> nodes;

  private NodeGroup(List<NodeProcess> nodes) {
    this.nodes = new java.util.concurrent.CopyOnWriteArrayList<>(nodes); // restart replaces one
  }

  static NodeGroup of(NodeProcess single) {
    return new NodeGroup(List.of(single));
  }

  /**
   * Starts {@code n} nodes with {@code env} (shared: collection, Zenoh) plus each node's id, port,
   * members and data directory under {@code dir}; logs go to {@code dir/node-<id>.log}.
   */
  static NodeGroup startCluster(int n, String classpath, List<String> jvmOpts, Map<String, String> env, Path dir)
      throws IOException {
    int[] raft = new int[n];
    int[] grpc = new int[n];
    StringJoiner members = new StringJoiner(",");
    for (int i = 0; i < n; i++) {
      raft[i] = ZenohRouter.freeLoopbackPort();
      grpc[i] = ZenohRouter.freeLoopbackPort();
      members.add((i + 1) + "=127.0.0.1:" + raft[i] + ":" + grpc[i]);
    }
    List<NodeProcess> started = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put("ODGM_NODE_ID", Integer.toString(i + 1));
        e.put("ODGM_MEMBERS", members.toString());
        e.put("ODGM_HTTP_PORT", Integer.toString(grpc[i]));
        e.put("ODGM_DATA_DIR", Files.createDirectories(dir.resolve("data-" + (i + 1))).toString());
        started.add(NodeProcess.start(classpath, jvmOpts, e, grpc[i], dir.resolve("node-" + (i + 1) + ".log")));
      }
    } catch (IOException | RuntimeException e) {
      started.forEach(NodeProcess::close);
      throw e;
    }
    return new NodeGroup(started);
  }

  int size() {
    return nodes.size();
  }

  /** Node {@code i} (0-based; node id i + 1 in a cluster). */
  NodeProcess get(int i) {
    return nodes.get(i);
  }

  /** Restarts node {@code i} (SIGTERM first when it runs) on its ports and data; returns without waiting. */
  void restart(int i) throws IOException {
    nodes.set(i, nodes.get(i).restarted());
  }

  /** SIGTERM to node {@code i}: its graceful stop; returns once it is gone. */
  void stop(int i) {
    nodes.get(i).close();
  }

  /** The pids of the nodes, or null when one is unknown (attached without --node-pid). */
  List<Long> pids() {
    List<Long> out = new ArrayList<>();
    for (NodeProcess n : nodes) {
      if (n.pid() == null) {
        return null;
      }
      if (n.alive()) {
        out.add(n.pid());
      }
    }
    return out;
  }

  /** Every node's CPU, RSS and threads summed, or null when unknown. */
  ProcStats.Sample sample() {
    List<Long> pids = pids();
    return pids == null ? null : ProcStats.sum(pids);
  }

  /** Waits until every node serves gRPC and, in a cluster, every partition of {@code collection} has a leader. */
  void awaitReady(long timeoutMillis, String collection, int partitions) throws IOException, InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    for (NodeProcess n : nodes) {
      n.awaitReady(Math.max(1, deadline - System.currentTimeMillis()));
    }
    if (nodes.size() == 1) {
      return;
    }
    for (int p = 0; p < partitions; p++) {
      while (leader(collection, p).isEmpty()) {
        if (System.currentTimeMillis() > deadline) {
          throw new IOException("no leader of " + collection + "/" + p + " within " + timeoutMillis + " ms");
        }
        Thread.sleep(100);
      }
    }
  }

  /** The index (0-based) of the live node that reports itself leader of the partition, if any. */
  OptionalLong leader(String collection, int partition) {
    for (int i = 0; i < nodes.size(); i++) {
      if (!nodes.get(i).alive()) {
        continue;
      }
      StatsResponse s = stats(nodes.get(i));
      if (s == null) {
        continue;
      }
      for (PartitionInfo p : s.getPartitionsList()) {
        if (p.getCollection().equals(collection) && p.getPartitionId() == partition && p.getRole().equals("leader")) {
          return OptionalLong.of(i);
        }
      }
    }
    return OptionalLong.empty();
  }

  private static StatsResponse stats(NodeProcess n) {
    ManagedChannel ch = n.channelBuilder().build();
    try {
      return DataServiceGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
          .stats(StatsRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      return null;
    } finally {
      ch.shutdownNow();
    }
  }

  @Override
  public void close() {
    nodes.forEach(NodeProcess::close);
  }
}
