package dev.oprc.odgm.cluster;

import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.replication.RaftReplication;
import dev.oprc.odgm.replication.ReplicaGroup;
import dev.oprc.odgm.replication.ReplicationConfig;
import dev.oprc.odgm.storage.ShardStorage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * This node's part of the raft collections: one Ratis server ({@link RaftReplication}), one
 * {@link ReplicaGroup} per distinct (replica set, preferred leader) this node is in
 * ({@link PartitionOwnership#groupKey}; without leader spreading the keys of one replica set share
 * one group, listed, metered and listened to once), and each held partition's
 * replicated storage, opened at start so a follower applies the log from the beginning. Group
 * leadership feeds {@link PartitionOwnership#leadershipChanged} once {@link #listen()} is called.
 *
 * <p>Thread-safe after construction; {@link #close()} stops the Ratis server and closes every
 * group's database (call it after the shards' users stopped).
 */
public final class RaftWiring implements AutoCloseable {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RaftWiring.class);

  private final RaftReplication replication;
  private final PartitionOwnership ownership;
  private final Map<List<Long>, ReplicaGroup> groups = new LinkedHashMap<>(); // ownership key -> group
  private final Map<String, ShardStorage> storages = new HashMap<>();

  private RaftWiring(RaftReplication replication, PartitionOwnership ownership) {
    this.replication = replication;
    this.ownership = ownership;
  }

  /**
   * Starts the Ratis server and opens the groups and partitions this node holds.
   *
   * @throws IllegalStateException when the Raft server cannot start
   */
  public static RaftWiring start(ReplicationConfig config, PartitionOwnership ownership,
      Function<ObjectEvent, TriggerIndex> compiler, long outboxMaxBytes) {
    Map<List<Long>, ReplicaGroup> joined = new LinkedHashMap<>();
    // the groups join before the server serves: they run when the other members first reach this node
    RaftWiring w = new RaftWiring(RaftReplication.start(config, r -> {
      for (List<Long> key : ownership.raftReplicaSets()) {
        joined.put(key, r.group(key, key.get(0)));
      }
    }), ownership);
    try {
      w.groups.putAll(joined);
      log.info("raft node {}: member of {} raft group(s) {}", config.nodeId(), w.keysByGroup().size(),
          w.describeGroups());
      for (String c : ownership.collections()) {
        if (ownership.type(c) != ShardType.RAFT) {
          continue;
        }
        for (int p = 0; p < ownership.partitionCount(c); p++) {
          if (ownership.holds(c, p)) {
            ReplicaGroup g = w.groups.get(PartitionOwnership.groupKey(ownership.replicas(c, p)));
            w.storages.put(c + "/" + p, new RetainedStorage(g.shard(c, p, compiler, outboxMaxBytes)));
          }
        }
      }
      return w;
    } catch (RuntimeException e) {
      w.close();
      throw e;
    }
  }

  /**
   * Each distinct group with the ownership keys it serves: with leader spreading off (or a group
   * kept from before it), the keys of one replica set with different preferred leaders share one group.
   */
  private Map<ReplicaGroup, List<List<Long>>> keysByGroup() {
    Map<ReplicaGroup, List<List<Long>>> out = new LinkedHashMap<>();
    groups.forEach((key, g) -> out.computeIfAbsent(g, x -> new ArrayList<>()).add(key));
    return out;
  }

  private String describeGroups() {
    StringBuilder b = new StringBuilder();
    keysByGroup().forEach((g, keys) -> b.append(b.length() == 0 ? "" : ", ").append(g.id()).append(" for ")
        .append(keys.size() == 1 ? keys.get(0) : keys));
    return "[" + b + "]";
  }

  /**
   * Starts feeding leadership changes into the ownership (call once the node can serve): one
   * listener per group, telling the ownership about every key the group serves.
   */
  public void listen() {
    keysByGroup().forEach((g, keys) -> g.addListener((ready, leader) -> {
      log.info("raft group {} {}: leader {}", keys.size() == 1 ? keys.get(0) : keys, g.id(),
          ready ? "is this node (ready)"
              : leader.isPresent() ? "node " + Long.toUnsignedString(leader.getAsLong()) : "unknown (election)");
      keys.forEach(set -> ownership.leadershipChanged(set, ready, leader));
    }));
  }

  /**
   * Why groups stopped working on this node while it runs ({@link ReplicaGroup#failure()}), one
   * line per group; empty while every group works.
   */
  public List<String> failures() {
    List<String> out = new ArrayList<>();
    for (ReplicaGroup g : keysByGroup().keySet()) {
      String f = g.failure();
      if (f != null) {
        out.add("raft group " + g.id() + " " + g.members() + ": " + f);
      }
    }
    return out;
  }

  /** The replicated storage of a held raft partition. */
  public ShardStorage storage(String collection, int partition) {
    ShardStorage s = storages.get(collection + "/" + partition);
    if (s == null) {
      throw new IllegalStateException("partition " + partition + " of '" + collection + "' is not a raft replica here");
    }
    return s;
  }

  /**
   * True when this node leads the group of a held raft partition and still holds its lease
   * ({@link ReplicaGroup#confirmLeadership()}); false for a partition not held here.
   */
  public boolean confirmLeader(String collection, int partition) {
    ReplicaGroup g = ownership.holds(collection, partition)
        ? groups.get(PartitionOwnership.groupKey(ownership.replicas(collection, partition))) : null;
    return g != null && g.confirmLeadership();
  }

  /** Registers every group's Raft series ({@link dev.oprc.odgm.replication.RaftMeters}) with {@code m}. */
  public void registerMeters(dev.oprc.odgm.metrics.NodeMeterRegistry m) {
    dev.oprc.odgm.replication.RaftMeters.bind(m, replication);
    keysByGroup().keySet().forEach(g -> dev.oprc.odgm.replication.RaftMeters.bind(m, g)); // once per group id
  }

  /** The number of groups this node is a member of. */
  public int groupCount() {
    return keysByGroup().size();
  }

  /**
   * The first step of a graceful stop: moves the leadership of the groups this node leads to
   * caught-up followers (see {@link RaftReplication#handOffLeadership()}); returns how many moved.
   */
  public int handOffLeadership() {
    return replication.handOffLeadership();
  }

  @Override
  public void close() {
    replication.close();
  }
}
