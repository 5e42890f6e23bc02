package dev.oprc.odgm.cluster;

import dev.oprc.odgm.proto.CreateCollectionRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Who owns each (collection, partition): for basic and mst collections the first node of the
 * partition's replica set, fixed at start; for raft collections the current leader of the group
 * of its replica set, fed by {@link #leadershipChanged}. A node <em>holds</em> a partition when it
 * is in its replica set (it keeps a copy) and <em>owns</em> it when it is the static owner or the
 * ready leader (it serves it, dispatches its outbox and runs its async invocations).
 *
 * <p>Thread-safe: placements are immutable, leader state is updated atomically per replica set
 * and listeners are called on the updating thread, in order.
 */
public final class PartitionOwnership {
  /** This node's part in a partition. */
  public enum Role {
    /** Static owner (basic, mst, standalone). */
    OWNER,
    /** Ready Raft leader. */
    LEADER,
    /** Raft replica that does not lead (or is not ready yet). */
    FOLLOWER,
    /** Not in the replica set: requests are forwarded. */
    NONE
  }

  /** Told when this node starts or stops owning a partition. */
  @FunctionalInterface
  public interface Listener {
    void changed(String collection, int partition, boolean owned);
  }

  private record Placement(ShardType type, List<List<Long>> replicas) {}

  /** A raft group's leader as this node sees it. */
  private record Leader(boolean readyHere, OptionalLong id) {}

  private static final Leader UNKNOWN = new Leader(false, OptionalLong.empty());

  private final Membership membership;
  private final Map<String, Placement> placements = new LinkedHashMap<>();
  private final Map<List<Long>, Leader> leaders = new ConcurrentHashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  private PartitionOwnership(Membership membership) {
    this.membership = membership;
  }

  /**
   * The ownership of {@code collections} over {@code membership}.
   *
   * @throws dev.oprc.odgm.settings.ConfigException for an invalid assignment
   */
  public static PartitionOwnership of(List<CreateCollectionRequest> collections, Membership membership) {
    PartitionOwnership o = new PartitionOwnership(membership);
    for (CreateCollectionRequest c : collections) {
      ShardType t = ShardType.of(c.getName(), c.getShardType());
      // standalone: every shard type is held and owned here, as before clustering
      ShardType effective = membership.clustered() && t == ShardType.RAFT ? ShardType.RAFT : ShardType.BASIC;
      o.placements.put(c.getName(), new Placement(effective, ReplicaSets.of(c, membership)));
    }
    return o;
  }

  public Membership membership() {
    return membership;
  }

  public long self() {
    return membership.self();
  }

  /** True when {@code collection} is configured and {@code partition} is one of its partitions. */
  public boolean knows(String collection, int partition) {
    Placement pl = placements.get(collection);
    return pl != null && partition >= 0 && partition < pl.replicas().size();
  }

  /** The effective shard type of a known collection (mst runs as basic; standalone raft runs as basic). */
  public ShardType type(String collection) {
    return placement(collection).type();
  }

  /** The replica set of a known partition, preferred owner first. */
  public List<Long> replicas(String collection, int partition) {
    return placement(collection).replicas().get(partition);
  }

  /** True when this node keeps a copy of the partition. */
  public boolean holds(String collection, int partition) {
    return knows(collection, partition) && replicas(collection, partition).contains(self());
  }

  /** The owner: the static owner, or the raft leader when one is known (empty during an election). */
  public OptionalLong owner(String collection, int partition) {
    List<Long> set = replicas(collection, partition);
    if (type(collection).isStatic()) {
      return OptionalLong.of(set.get(0));
    }
    return leaders.getOrDefault(groupKey(set), UNKNOWN).id();
  }

  /** True when this node serves the partition now (static owner, or ready raft leader). */
  public boolean owns(String collection, int partition) {
    if (!knows(collection, partition)) {
      return false;
    }
    List<Long> set = replicas(collection, partition);
    if (type(collection).isStatic()) {
      return set.get(0) == self();
    }
    return leaders.getOrDefault(groupKey(set), UNKNOWN).readyHere();
  }

  public Role role(String collection, int partition) {
    if (!holds(collection, partition)) {
      return Role.NONE;
    }
    if (type(collection).isStatic()) {
      return owns(collection, partition) ? Role.OWNER : Role.NONE;
    }
    return owns(collection, partition) ? Role.LEADER : Role.FOLLOWER;
  }

  /**
   * The distinct raft groups (as {@link #groupKey}s: preferred leader, then the other members
   * ascending) of raft partitions this node holds, in configuration order.
   */
  public List<List<Long>> raftReplicaSets() {
    Set<List<Long>> out = new LinkedHashSet<>();
    placements.forEach((c, pl) -> {
      if (pl.type() == ShardType.RAFT) {
        pl.replicas().stream().filter(s -> s.contains(self())).map(PartitionOwnership::groupKey).forEach(out::add);
      }
    });
    return new ArrayList<>(out);
  }

  /** Collections in configuration order. */
  public List<String> collections() {
    return List.copyOf(placements.keySet());
  }

  public int partitionCount(String collection) {
    return placement(collection).replicas().size();
  }

  public void addListener(Listener l) {
    listeners.add(l);
  }

  /**
   * The raft group {@code replicaSet} (a {@link #groupKey}, or a replica set, preferred leader first) changed leader or readiness (called in order by the
   * group's listener thread); listeners hear of every partition of that set whose ownership here
   * changed.
   */
  public void leadershipChanged(List<Long> replicaSet, boolean leaderReadyHere, OptionalLong leaderId) {
    Leader now = new Leader(leaderReadyHere, leaderId);
    List<Long> key = groupKey(replicaSet);
    Leader before = leaders.put(key, now);
    boolean was = before != null && before.readyHere();
    if (was == leaderReadyHere) {
      return;
    }
    placements.forEach((c, pl) -> {
      if (pl.type() != ShardType.RAFT) {
        return;
      }
      for (int p = 0; p < pl.replicas().size(); p++) {
        if (groupKey(pl.replicas().get(p)).equals(key)) {
          for (Listener l : listeners) {
            l.changed(c, p, leaderReadyHere);
          }
        }
      }
    });
  }

  /**
   * A raft group is named by its preferred leader (the first of the replica set) followed by the
   * other members in ascending order: partitions with the same members and the same preferred
   * leader share a group.
   */
  public static List<Long> groupKey(List<Long> replicaSet) {
    List<Long> key = new ArrayList<>(replicaSet.size());
    key.add(replicaSet.get(0));
    replicaSet.stream().skip(1).sorted(Long::compareUnsigned).forEach(key::add);
    return List.copyOf(key);
  }

  private Placement placement(String collection) {
    Placement pl = placements.get(collection);
    if (pl == null) {
      throw new IllegalArgumentException("collection '" + collection + "' is not configured");
    }
    return pl;
  }
}
