package dev.oprc.odgm.e2e;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The raft replication knobs and evidence the process tests use (odgm-replication's ReplicationConfig). Stateless. */
final class RaftSettings {
  /** What GroupStateMachine logs once per snapshot a follower installs from its leader. */
  private static final Pattern INSTALLED = Pattern.compile("installed the leader's snapshot at");

  private RaftSettings() {}

  /**
   * Node env that makes a group snapshot every 200 applied entries (group commit joins many writes
   * into one entry) and purge its log, with 8 KiB log segments so closed segments exist to purge,
   * keeping only 100 entries behind the snapshot, so that a follower paused for seconds needs one.
   */
  static Map<String, String> smallSnapshots() {
    return Map.of("ODGM_RAFT_SNAPSHOT_THRESHOLD", "200", "ODGM_RAFT_LOG_SEGMENT_BYTES", "8192",
        "ODGM_RAFT_LOG_PRESERVE_ENTRIES", "100");
  }

  /** How many snapshots the node logged installing from a leader. */
  static long snapshotsInstalled(NodeProcess node) {
    Matcher m = INSTALLED.matcher(node.output());
    long n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
