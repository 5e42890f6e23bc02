package dev.oprc.odgm.replication;

import dev.oprc.odgm.settings.Setting;
import dev.oprc.odgm.settings.SettingGroup;

/**
 * The Raft variables ({@link ReplicationConfig}), each declared once: name, default, check and the
 * README's one-line doc. A blank value means unset, as they have always been read. Stateless.
 */
public final class ReplicationSettings {
  private ReplicationSettings() {}

  public static final Setting<Long> ELECTION_TIMEOUT_MS = Setting.millis("ODGM_RAFT_ELECTION_TIMEOUT_MS", 500, 50,
      60_000, "raft: minimum election timeout (the maximum is twice it); the leader lease is 0.9 of it")
      .blankIsUnset(true);
  public static final Setting<Long> REQUEST_TIMEOUT_MS = Setting.millis("ODGM_RAFT_REQUEST_TIMEOUT_MS", 10_000, 100,
      600_000, "raft: how long a write waits for its commit before it fails `UNKNOWN`").blankIsUnset(true);
  public static final Setting<Long> SNAPSHOT_THRESHOLD = Setting.longInteger("ODGM_RAFT_SNAPSHOT_THRESHOLD", 100_000,
      1, Long.MAX_VALUE, "raft: applied entries between snapshots (RocksDB checkpoints; the log is purged up to them)")
      .blankIsUnset(true);
  public static final Setting<Long> LOG_SEGMENT_BYTES = Setting.bytes("ODGM_RAFT_LOG_SEGMENT_BYTES", 8L << 20, 1024,
      1L << 32, "raft: log segment size; only closed segments are purged").blankIsUnset(true);
  public static final Setting<Long> LOG_PRESERVE_ENTRIES = Setting.longInteger("ODGM_RAFT_LOG_PRESERVE_ENTRIES",
      4096, 0, Integer.MAX_VALUE, "raft: log entries kept behind a snapshot, so a briefly lagging follower catches "
          + "up from the log, not a snapshot").blankIsUnset(true);
  public static final Setting<Boolean> READ_LEASE = Setting.bool("ODGM_RAFT_READ_LEASE", false,
      "raft: serve linearizable reads from the leader lease when valid (else a ReadIndex round each); off: "
      + "Ratis renews the lease on followers' rejections, so a resumed old leader may read stale data")
      .blankIsUnset(true);

  public static final Setting<Boolean> LEADER_SPREAD = Setting.bool("ODGM_RAFT_LEADER_SPREAD", true,
      "raft: one group per replica set and preferred leader, so leaders spread over the members (false: one group "
          + "per replica set, as data dirs written before it have)").blankIsUnset(true);
  public static final Setting<Integer> ENTRIES_IN_FLIGHT = Setting.integer("ODGM_RAFT_ENTRIES_IN_FLIGHT", 2, 1,
      1024, "raft: log entries a group leader has submitted and not yet seen committed; more writes wait and are "
          + "joined into the next entry").blankIsUnset(true);
  public static final Setting<Long> HANDOFF_TIMEOUT_MS = Setting.millis("ODGM_RAFT_HANDOFF_TIMEOUT_MS", 3_000, 0,
      60_000, "raft: how long a stopping node waits for its groups' leadership to move to a caught-up follower "
          + "(0: no hand-off, the others elect after an election timeout)").blankIsUnset(true);

  /** The Raft variables. */
  public static final SettingGroup RAFT = SettingGroup.of("Raft replication", ELECTION_TIMEOUT_MS,
      REQUEST_TIMEOUT_MS, SNAPSHOT_THRESHOLD, LOG_SEGMENT_BYTES, LOG_PRESERVE_ENTRIES, READ_LEASE, LEADER_SPREAD,
      ENTRIES_IN_FLIGHT, HANDOFF_TIMEOUT_MS);
}
