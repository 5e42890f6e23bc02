package dev.oprc.odgm.e2e;

import dev.oprc.odgm.proto.PartitionInfo;
import dev.oprc.odgm.proto.StatsResponse;
import java.util.Optional;
import java.util.OptionalLong;

/** Reads the cluster fields of a node's Stats response (its partitions, their roles and leaders). Stateless. */
final class ClusterStats {
  private ClusterStats() {}

  /** The node's view of {@code (collection, partition)}, if it reports one. */
  static Optional<PartitionInfo> partition(StatsResponse stats, String collection, int partition) {
    return stats.getPartitionsList().stream()
        .filter(p -> p.getCollection().equals(collection) && p.getPartitionId() == partition).findFirst();
  }

  /**
   * The leader (raft) or owner (basic) the node reports for {@code (collection, partition)}; empty
   * when it knows none, or when it names itself without holding the role (an election in progress).
   */
  static OptionalLong leader(StatsResponse stats, String collection, int partition) {
    Optional<PartitionInfo> p = partition(stats, collection, partition);
    if (p.isEmpty() || !p.get().hasLeaderNodeId()) {
      return OptionalLong.empty();
    }
    long leader = p.get().getLeaderNodeId();
    boolean self = leader == stats.getNodeId();
    boolean leads = p.get().getRole().equals("leader") || p.get().getRole().equals("owner");
    return self && !leads ? OptionalLong.empty() : OptionalLong.of(leader);
  }
}
