package dev.oprc.odgm.cluster;

import dev.oprc.odgm.proto.PartitionInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/** Renders {@link PartitionOwnership} for Stats and Capabilities. Stateless. */
public final class PartitionReport {
  private PartitionReport() {}

  /** Every configured partition as this node sees it now. */
  public static List<PartitionInfo> of(PartitionOwnership o) {
    List<PartitionInfo> out = new ArrayList<>();
    for (String c : o.collections()) {
      for (int p = 0; p < o.partitionCount(c); p++) {
        PartitionInfo.Builder b = PartitionInfo.newBuilder().setCollection(c).setPartitionId(p)
            .setHeld(o.holds(c, p)).setRole(role(o, c, p)).addAllReplicas(o.replicas(c, p))
            .setShardType(o.type(c).name().toLowerCase(Locale.ROOT));
        OptionalLong owner = o.owner(c, p);
        owner.ifPresent(b::setLeaderNodeId);
        out.add(b.build());
      }
    }
    return out;
  }

  /** "owner", "leader", "follower" or "none". */
  public static String role(PartitionOwnership o, String collection, int partition) {
    return o.role(collection, partition).name().toLowerCase(Locale.ROOT);
  }
}
