package dev.oprc.odgm.cluster;

import dev.oprc.odgm.settings.ConfigException;
import java.util.Locale;

/** A collection's {@code shard_type}. */
public enum ShardType {
  /** One owner per partition, no replication. */
  BASIC,
  /** Replicated over {@code replica_count} nodes by a Raft group; the leader owns the partition. */
  RAFT,
  /**
   * Accepted for upstream compatibility and run as {@link #BASIC}: upstream's mst is eventually
   * consistent and resurrects deleted keys, so it is not copied.
   */
  MST;

  /** Parses a collection's shard_type ("" = basic). */
  public static ShardType of(String collection, String raw) {
    String s = raw == null ? "" : raw.trim().toLowerCase(Locale.ROOT);
    return switch (s) {
      case "", "basic" -> BASIC;
      case "raft" -> RAFT;
      case "mst" -> MST;
      default -> throw new ConfigException("ODGM_COLLECTION: collection '" + collection
          + "' has shard_type '" + raw + "'; accepted: basic, raft, mst");
    };
  }

  /** True when partitions are owned statically (no leader election). */
  public boolean isStatic() {
    return this != RAFT;
  }
}
