package dev.oprc.odgm.replication;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.OutboxRecord;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.storage.ObjectMeta;
import dev.oprc.odgm.storage.ShardStorage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/** Three (or n) Ratis nodes in this JVM on loopback, each with its own data dir; closes what it started. */
final class RaftTestCluster implements AutoCloseable {
  static final String COLLECTION = "orders";

  final Path root;
  final Map<Long, InetSocketAddress> peers = new LinkedHashMap<>();
  final Map<Long, RaftReplication> nodes = new LinkedHashMap<>();
  final List<Long> members = new ArrayList<>();
  private final UnaryOperator<ReplicationConfig> tune;
  private final boolean joinSetGroup;

  RaftTestCluster(Path root, int n, UnaryOperator<ReplicationConfig> tune) {
    this(root, n, tune, true);
  }

  /** {@code joinSetGroup}: each node joins the replica set's one group at start (the {@link #group} of the tests). */
  RaftTestCluster(Path root, int n, UnaryOperator<ReplicationConfig> tune, boolean joinSetGroup) {
    this.root = root;
    this.tune = tune;
    this.joinSetGroup = joinSetGroup;
    for (long id = 1; id <= n; id++) {
      peers.put(id, new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), freePort()));
      members.add(id);
    }
    for (long id : members) {
      start(id);
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  ReplicationConfig config(long id) {
    ReplicationConfig c = ReplicationConfig.of(id, peers, root.resolve("node" + id))
        // 1-2 s: a loaded 2-core machine stalls a JVM for hundreds of ms, and a test whose leader is deposed by
        // such a stall fails for the machine, not the code (tests about failover set their own timeouts)
        .withElectionTimeout(Duration.ofSeconds(1), Duration.ofSeconds(2)).withRequestTimeout(Duration.ofSeconds(5));
    return tune.apply(c);
  }

  RaftReplication start(long id) {
    // as the node does: the set's group joins before the server serves
    RaftReplication r = RaftReplication.start(config(id), joinSetGroup ? n -> n.group(members) : n -> { });
    nodes.put(id, r);
    return r;
  }

  void stop(long id) {
    RaftReplication r = nodes.remove(id);
    if (r != null) {
      r.close();
    }
  }

  ReplicaGroup group(long id) {
    return nodes.get(id).group(members);
  }

  ShardStorage shard(long id, int partition) {
    return group(id).shard(COLLECTION, partition, ev -> TriggerIndex.EMPTY, 64L << 20);
  }

  /** The node that is the ready leader, waiting up to 30 s for one. */
  long awaitLeader() {
    long[] found = {-1};
    await("a ready leader among " + nodes.keySet(), () -> {
      for (Map.Entry<Long, RaftReplication> e : nodes.entrySet()) {
        if (e.getValue().group(members).isLeaderReady()) {
          found[0] = e.getKey();
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  long follower(long leader) {
    return nodes.keySet().stream().filter(id -> id != leader).findFirst().orElseThrow();
  }

  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
  }

  static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  /** Sets entry "v" of {@code oid} to {@code value}, with one outbox record keyed {@code .../<oid>-<version>}. */
  static long put(ShardStorage s, String oid, String value, List<OutboxRecord> committed) {
    return s.write(oid, txn -> {
      long v = txn.nextVersion();
      txn.put("v", val(value));
      txn.setMeta(new ObjectMeta(v, 1, TriggerIndex.EMPTY));
      txn.addOutbox(OutboxRecord.fresh("oprc/orders/1/invokes/" + oid + "-" + v, value.getBytes(
          java.nio.charset.StandardCharsets.UTF_8), System.currentTimeMillis(), false));
      return v;
    }, (records, ticket) -> committed.addAll(records)).awaitDurable();
  }

  static String value(ShardStorage s, String oid) {
    ValData v = s.entry(oid, "v");
    return v == null ? null : v.getData().toStringUtf8();
  }

  @Override
  public void close() {
    for (long id : new ArrayList<>(nodes.keySet())) {
      stop(id);
    }
  }
}
