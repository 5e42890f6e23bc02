package dev.oprc.odgm.e2e;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The raft replication knobs and evidence the process tests use (odgm-replication's ReplicationConfig). Stateless. */
final class RaftSettings {
  /** What GroupStateMachine logs once per snapshot a follower installs from its leader. */
  private static final Pattern INSTALLED = Pattern.compile("installed the leader's snapshot at");
  /** Applied entries after which a group takes a snapshot and purges its log ({@link #smallSnapshots}). */
  static final int SNAPSHOT_THRESHOLD = 50;
  /** Entries a purge keeps behind the snapshot: a follower lagging by fewer catches up from the log. */
  static final int LOG_PRESERVE_ENTRIES = 20;
  /** Log segment size; only closed segments are purged, and one holds fewer than a threshold of the tests' entries. */
  static final int LOG_SEGMENT_BYTES = 4096;

  private RaftSettings() {}

  /**
   * Node env that makes a group snapshot every {@link #SNAPSHOT_THRESHOLD} applied entries (group
   * commit joins many writes into one entry) and purge its log, with small log segments so closed
   * segments exist to purge, keeping only {@link #LOG_PRESERVE_ENTRIES} entries behind the snapshot.
   */
  static Map<String, String> smallSnapshots() {
    return Map.of("ODGM_RAFT_SNAPSHOT_THRESHOLD", Integer.toString(SNAPSHOT_THRESHOLD),
        "ODGM_RAFT_LOG_SEGMENT_BYTES", Integer.toString(LOG_SEGMENT_BYTES),
        "ODGM_RAFT_LOG_PRESERVE_ENTRIES", Integer.toString(LOG_PRESERVE_ENTRIES));
  }

  /**
   * Entries a leader must commit past a stopped follower before its log surely no longer holds the
   * follower's next entry: a snapshot comes at most every threshold entries, and a purge keeps the
   * preserved entries and the rest of the segment they end in (fewer than a threshold) and waits
   * for a purge gap (half the threshold); twice that bound, for margin.
   */
  static int entriesPastThePreservedLog() {
    return 2 * (SNAPSHOT_THRESHOLD + LOG_PRESERVE_ENTRIES + SNAPSHOT_THRESHOLD / 2 + SNAPSHOT_THRESHOLD);
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

  /** Waits until the node logged at least one snapshot install; fails with its log after {@code within}. */
  static long awaitSnapshotInstalled(NodeProcess node, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    long n;
    while ((n = snapshotsInstalled(node)) == 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no snapshot installed within " + within + ":\n" + node.output());
      }
      Thread.sleep(100);
    }
    return n;
  }
}
