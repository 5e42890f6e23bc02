package dev.oprc.odgm.replication;

import dev.oprc.odgm.metrics.MeterSpec;
import dev.oprc.odgm.metrics.NodeMeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;

/**
 * The Raft series of each group this node is a member of, labelled {@code group} (the group id):
 * this node's role in it, the term, the commit and applied indexes and their difference, and how
 * many leader changes, elections and snapshot installs it saw since it started. Read from Ratis
 * when scraped; nothing is added to the write path. Stateless.
 */
public final class RaftMeters {
  /** This node's role: 0 follower, 1 candidate, 2 leader (ready or not), 3 other (listener, closed). */
  public static final MeterSpec ROLE = MeterSpec.gauge("odgm.raft.role",
      "this node's role in the Raft group: 0 follower, 1 candidate, 2 leader, 3 other");
  /** 1 when this node is the group's ready leader (serves its partitions), else 0. */
  public static final MeterSpec LEADER_READY = MeterSpec.gauge("odgm.raft.leader.ready",
      "1 while this node is the group's ready leader (serving its partitions), else 0");
  public static final MeterSpec TERM = MeterSpec.gauge("odgm.raft.term", "the group's current Raft term here");
  public static final MeterSpec COMMIT_INDEX = MeterSpec.gauge("odgm.raft.commit.index",
      "the highest log index this node knows to be committed");
  public static final MeterSpec APPLIED_INDEX = MeterSpec.gauge("odgm.raft.applied.index",
      "the highest log index this node's state machine applied");
  public static final MeterSpec APPLY_LAG = MeterSpec.gauge("odgm.raft.apply.lag",
      "committed entries this node has not applied yet (commit index - applied index)");
  public static final MeterSpec LEADER_CHANGES = MeterSpec.counter("odgm.raft.leader.changes",
      "times the group's leader as this node knows it changed (to another node or to none)");
  public static final MeterSpec ELECTIONS = MeterSpec.counter("odgm.raft.elections",
      "elections the group held since this node started (terms begun, won or not)");
  public static final MeterSpec SNAPSHOT_INSTALLS = MeterSpec.counter("odgm.raft.snapshot.installs",
      "leader snapshots this node installed (it was behind the leader's purged log)");

  /** Node-wide: writes left out of their Raft entry because their caller's deadline passed or it cancelled. */
  public static final MeterSpec WRITES_NOT_PROPOSED = MeterSpec.counter("odgm.raft.writes.not.proposed",
      "raft writes dropped before they were proposed: their caller's deadline passed or it cancelled (not applied)");

  /** Every Raft meter, for the README and the correspondence tests. */
  public static final List<MeterSpec> ALL = List.of(ROLE, LEADER_READY, TERM, COMMIT_INDEX, APPLIED_INDEX, APPLY_LAG,
      LEADER_CHANGES, ELECTIONS, SNAPSHOT_INSTALLS, WRITES_NOT_PROPOSED);

  private RaftMeters() {}

  /** Registers the node-wide Raft series of {@code replication} with {@code m}. */
  public static void bind(NodeMeterRegistry m, RaftReplication replication) {
    EntryBatcher b = replication.batcher();
    m.register(WRITES_NOT_PROPOSED, Tags.empty(), b::expired);
  }

  /** Registers the series of {@code group} (a group of this node's {@link RaftReplication}) with {@code m}. */
  public static void bind(NodeMeterRegistry m, ReplicaGroup group) {
    if (!(group instanceof Group g)) {
      throw new IllegalArgumentException("not a group of this node's RaftReplication: " + group);
    }
    Tags t = Tags.of("group", g.id());
    m.register(ROLE, t, g::roleCode);
    m.register(LEADER_READY, t, () -> g.isLeaderReady() ? 1 : 0);
    m.register(TERM, t, g::term);
    m.register(COMMIT_INDEX, t, g::commitIndex);
    m.register(APPLIED_INDEX, t, g::appliedIndex);
    m.register(APPLY_LAG, t, () -> Math.max(0, g.commitIndex() - g.appliedIndex()));
    m.register(LEADER_CHANGES, t, g::leaderChanges);
    m.register(ELECTIONS, t, g::elections);
    m.register(SNAPSHOT_INSTALLS, t, () -> g.machine().snapshotInstalls());
  }
}
