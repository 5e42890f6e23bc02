package dev.oprc.odgm.e2e;

import dev.oprc.odgm.proto.StatsResponse;
import java.util.OptionalLong;

/** Reads the cluster fields of a node's Stats response (held partitions and their leaders). Stateless. */
final class ClusterStats {
  private ClusterStats() {}

  /** The leader the node reports for {@code (collection, partition)}, empty when it knows none. */
  static OptionalLong leader(StatsResponse stats, String collection, int partition) {
    throw new UnsupportedOperationException("pending: the cluster branch's Stats fields");
  }
}
