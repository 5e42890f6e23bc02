package dev.oprc.odgm.replication;

import java.util.OptionalLong;

/**
 * Told when a {@link ReplicaGroup}'s leadership changes on this node: whether this node is now
 * the ready leader (safe to serve and dispatch the group's partitions) and who leads (empty while
 * no leader is known). Called in order on the node's {@code odgm-raft-events} thread; must not
 * block for long (it delays the group's next change).
 */
@FunctionalInterface
public interface LeadershipListener {
  void changed(boolean leaderReady, OptionalLong leaderId);
}
