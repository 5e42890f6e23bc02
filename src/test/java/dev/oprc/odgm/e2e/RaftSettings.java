package dev.oprc.odgm.e2e;

import java.util.Map;

/** The raft helper's knobs and counters the process tests use (snapshot threshold, snapshot installs). */
final class RaftSettings {
  private RaftSettings() {}

  /** Node env that makes the leader snapshot and compact its log every few hundred entries. */
  static Map<String, String> smallSnapshots() {
    throw new UnsupportedOperationException("pending: the raft branch's snapshot threshold variable");
  }

  /** How many snapshots the node installed from a leader, from its Stats. */
  static long snapshotsInstalled(NodeProcess node) {
    throw new UnsupportedOperationException("pending: the raft branch's snapshot counter");
  }
}
