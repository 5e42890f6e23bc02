package dev.oprc.odgm.replication;

import dev.oprc.odgm.storage.StorageException;
import java.util.OptionalLong;

/**
 * A replicated shard refused a request because this node is not the group's ready leader;
 * nothing was applied. {@link #leaderHint()} names the leader this node knows of (empty during
 * an election), where the caller should send the request.
 */
public final class NotLeaderException extends StorageException {
  private static final long serialVersionUID = 1L;

  private final long leader; // -1: none known

  public NotLeaderException(String groupId, long selfId, OptionalLong leaderHint) {
    super("node " + selfId + " is not the ready leader of replica group " + groupId
        + (leaderHint.isPresent() ? "; the leader is node " + leaderHint.getAsLong() : "; no leader is known yet"));
    this.leader = leaderHint.orElse(-1);
  }

  /** The leader's node id, when known. */
  public OptionalLong leaderHint() {
    return leader < 0 ? OptionalLong.empty() : OptionalLong.of(leader);
  }
}
