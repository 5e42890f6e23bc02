package dev.oprc.odgm.cluster;

import dev.oprc.odgm.settings.ConfigException;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.ShardAssignment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The replica set of every partition of a collection, the same on every node: the collection's
 * {@code shard_assignments} (primary first, then replicas) when given, otherwise rendezvous
 * hashing over the members: the members ranked by a 64-bit hash of (collection, partition, node
 * id), highest first, cut to {@code replica_count}. The first is the basic owner and the preferred
 * raft leader; for raft partitions placed by hashing the preferred leader is instead the member of
 * the set that prefers the fewest of the collection's earlier partitions (ties: rendezvous order),
 * so leaders are balanced over the members even when every partition has the same replica set.
 * Basic and mst partitions have one node (no replication). A standalone node holds every partition
 * alone. Stateless.
 */
public final class ReplicaSets {
  private ReplicaSets() {}

  /**
   * One replica set per partition.
   *
   * @throws ConfigException naming the collection and the bad count or node id
   */
  public static List<List<Long>> of(CreateCollectionRequest c, Membership m) {
    ShardType type = ShardType.of(c.getName(), c.getShardType());
    List<List<Long>> out = new ArrayList<>();
    if (!m.clustered()) {
      for (int p = 0; p < c.getPartitionCount(); p++) {
        out.add(List.of(m.self()));
      }
      return out;
    }
    int size = type.isStatic() ? 1 : Math.max(1, c.getReplicaCount());
    if (size > m.members().size()) {
      throw bad(c, "replica_count " + c.getReplicaCount() + " exceeds the " + m.members().size()
          + " members of ODGM_MEMBERS");
    }
    if (c.getShardAssignmentsCount() > 0) {
      return assigned(c, m, type);
    }
    java.util.Map<Long, Integer> led = new java.util.HashMap<>();
    for (int p = 0; p < c.getPartitionCount(); p++) {
      List<Long> set = new ArrayList<>(rank(c.getName(), p, m.ids()).subList(0, size));
      if (!type.isStatic()) {
        Long leader = set.stream().min(Comparator.comparingInt((Long id) -> led.getOrDefault(id, 0))).orElseThrow();
        set.remove(leader); // min keeps the first of equals: rendezvous order breaks ties
        set.add(0, leader);
        led.merge(leader, 1, Integer::sum);
      }
      out.add(List.copyOf(set));
    }
    return out;
  }

  private static List<List<Long>> assigned(CreateCollectionRequest c, Membership m, ShardType type) {
    if (c.getShardAssignmentsCount() != c.getPartitionCount()) {
      throw bad(c, "has " + c.getShardAssignmentsCount() + " shard_assignments for " + c.getPartitionCount()
          + " partitions; give one per partition or none");
    }
    List<List<Long>> out = new ArrayList<>();
    for (int p = 0; p < c.getPartitionCount(); p++) {
      ShardAssignment a = c.getShardAssignments(p);
      Set<Long> set = new LinkedHashSet<>();
      if (a.hasPrimary()) {
        set.add(a.getPrimary());
      }
      set.addAll(a.getReplicaList());
      if (set.isEmpty()) {
        throw bad(c, "shard_assignments[" + p + "] names no primary and no replica");
      }
      for (long id : set) {
        if (m.member(id).isEmpty()) {
          throw bad(c, "shard_assignments[" + p + "] names node " + Long.toUnsignedString(id)
              + ", which is not in ODGM_MEMBERS " + m.ids());
        }
      }
      List<Long> ids = List.copyOf(set);
      out.add(type.isStatic() ? ids.subList(0, 1) : ids);
    }
    return out;
  }

  /** Every id, ranked by rendezvous score for (collection, partition), highest first (ties: lower id). */
  static List<Long> rank(String collection, int partition, List<Long> ids) {
    List<Long> sorted = new ArrayList<>(ids);
    sorted.sort(Comparator.comparingLong((Long id) -> score(collection, partition, id))
        .reversed().thenComparing(Long::compareUnsigned));
    return sorted;
  }

  /** FNV-1a over (collection UTF-8, partition, node id) finished by SplitMix64's mixer; signed compare is fine. */
  static long score(String collection, int partition, long nodeId) {
    long h = 0xcbf29ce484222325L;
    for (byte b : collection.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h = (h ^ partition) * 0x100000001b3L;
    h = (h ^ nodeId) * 0x100000001b3L;
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }

  private static ConfigException bad(CreateCollectionRequest c, String why) {
    return new ConfigException("ODGM_COLLECTION: collection '" + c.getName() + "' " + why);
  }
}
