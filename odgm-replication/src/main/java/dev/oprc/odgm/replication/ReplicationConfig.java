package dev.oprc.odgm.replication;

import dev.oprc.odgm.settings.Settings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How one node runs Raft replication: its id, every member's Raft address (including its own,
 * where it listens), where groups keep their logs and databases ({@code dataDir/raft/<group>/}),
 * and the timing and compaction knobs (variables, defaults and accepted values: {@link ReplicationSettings}).
 *
 * <ul>
 *   <li>{@code electionTimeoutMin/Max}: a follower that hears nothing from the leader for a random
 *       time in this range starts an election, after a pre-vote (defaults 500 / 1000 ms). Env:
 *       {@code ODGM_RAFT_ELECTION_TIMEOUT_MS} (min; max = 2 x min).</li>
 *   <li>{@code requestTimeout}: how long a write waits for its commit before it fails with
 *       {@link WriteOutcomeUnknownException} (default 10 s). Env: {@code ODGM_RAFT_REQUEST_TIMEOUT_MS}.</li>
 *   <li>{@code snapshotThreshold}: applied entries after which a group takes a snapshot (a RocksDB
 *       checkpoint) and purges its log up to it (default 100000). Env: {@code ODGM_RAFT_SNAPSHOT_THRESHOLD}.</li>
 *   <li>{@code logSegmentBytes}: Raft log segment size; only closed segments are purged (default
 *       8 MiB). Env: {@code ODGM_RAFT_LOG_SEGMENT_BYTES}.</li>
 *   <li>{@code logPreserveEntries}: entries kept in the log behind the latest snapshot when it is
 *       purged, so that a follower lagging by fewer entries catches up from the log instead of
 *       receiving a whole snapshot (default 4096). Env: {@code ODGM_RAFT_LOG_PRESERVE_ENTRIES}.</li>
 *   <li>{@code leaderLease}: answer linearizable reads from the leader lease when it is valid
 *       instead of a heartbeat round (default false: Ratis extends the lease on any append reply,
 *       the rejections of members that moved to a newer term included, so a leader resumed after a
 *       freeze may believe it holds the lease until it steps down). Env: {@code ODGM_RAFT_READ_LEASE}.</li>
 *   <li>{@code leaderSpread}: one group per (replica set, preferred leader) instead of one per
 *       replica set, each group handing its leadership to its preferred leader when that one is
 *       caught up (default true). Env: {@code ODGM_RAFT_LEADER_SPREAD}.</li>
 *   <li>{@code entriesInFlight}: log entries a group may have submitted and not yet committed
 *       (default 2: on 2 shared cores fewer, fuller entries beat more in flight, see
 *       benchmarks/results/load/cluster-2026-12-07-variants.md). Env: {@code ODGM_RAFT_ENTRIES_IN_FLIGHT}.</li>
 *   <li>{@code handoffTimeout}: how long {@link RaftReplication#handOffLeadership()} waits for the
 *       groups this node leads to get another leader (default 3 s). Env: {@code ODGM_RAFT_HANDOFF_TIMEOUT_MS}.</li>
 *   <li>{@code metaCacheSize}: objects whose metadata is cached per partition (as {@code ODGM_META_CACHE_SIZE}).</li>
 *   <li>{@code tls}: mutual TLS between the members' Raft servers ({@link RaftTls}); null: plaintext.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public record ReplicationConfig(long nodeId, Map<Long, InetSocketAddress> peers, Path dataDir,
    Duration electionTimeoutMin, Duration electionTimeoutMax, Duration requestTimeout, long snapshotThreshold,
    long logSegmentBytes, long logPreserveEntries, boolean leaderLease, long metaCacheSize, boolean leaderSpread,
    int entriesInFlight, Duration handoffTimeout, RaftTls tls) {
  public static final String ELECTION_TIMEOUT_MS = ReplicationSettings.ELECTION_TIMEOUT_MS.name();
  public static final String REQUEST_TIMEOUT_MS = ReplicationSettings.REQUEST_TIMEOUT_MS.name();
  public static final String SNAPSHOT_THRESHOLD = ReplicationSettings.SNAPSHOT_THRESHOLD.name();
  public static final String LOG_SEGMENT_BYTES = ReplicationSettings.LOG_SEGMENT_BYTES.name();
  public static final String READ_LEASE = ReplicationSettings.READ_LEASE.name();
  public static final String LOG_PRESERVE_ENTRIES = ReplicationSettings.LOG_PRESERVE_ENTRIES.name();
  public static final String LEADER_SPREAD = ReplicationSettings.LEADER_SPREAD.name();
  public static final String ENTRIES_IN_FLIGHT = ReplicationSettings.ENTRIES_IN_FLIGHT.name();
  public static final String HANDOFF_TIMEOUT_MS = ReplicationSettings.HANDOFF_TIMEOUT_MS.name();

  public ReplicationConfig {
    Objects.requireNonNull(peers, "peers");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(electionTimeoutMin, "electionTimeoutMin");
    Objects.requireNonNull(electionTimeoutMax, "electionTimeoutMax");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(handoffTimeout, "handoffTimeout");
    peers = java.util.Collections.unmodifiableMap(new TreeMap<>(peers));
    if (nodeId < 0) {
      throw new IllegalArgumentException("nodeId must be >= 0, was " + nodeId);
    }
    if (!peers.containsKey(nodeId)) {
      throw new IllegalArgumentException("peers " + peers.keySet() + " do not contain this node's id " + nodeId);
    }
    if (electionTimeoutMin.toMillis() < 50 || electionTimeoutMax.compareTo(electionTimeoutMin) <= 0) {
      throw new IllegalArgumentException("election timeout must be >= 50 ms with max > min, was "
          + electionTimeoutMin.toMillis() + ".." + electionTimeoutMax.toMillis() + " ms");
    }
    if (requestTimeout.toMillis() < 100) {
      throw new IllegalArgumentException("requestTimeout must be >= 100 ms, was " + requestTimeout.toMillis() + " ms");
    }
    if (snapshotThreshold < 1) {
      throw new IllegalArgumentException("snapshotThreshold must be >= 1, was " + snapshotThreshold);
    }
    if (logSegmentBytes < 1024) {
      throw new IllegalArgumentException("logSegmentBytes must be >= 1024, was " + logSegmentBytes);
    }
    if (logPreserveEntries < 0 || logPreserveEntries > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("logPreserveEntries must be in 0.." + Integer.MAX_VALUE + ", was "
          + logPreserveEntries);
    }
    if (metaCacheSize < 0) {
      throw new IllegalArgumentException("metaCacheSize must be >= 0, was " + metaCacheSize);
    }
    if (entriesInFlight < 1) {
      throw new IllegalArgumentException("entriesInFlight must be >= 1, was " + entriesInFlight);
    }
    if (handoffTimeout.isNegative()) {
      throw new IllegalArgumentException("handoffTimeout must be >= 0, was " + handoffTimeout.toMillis() + " ms");
    }
  }

  /** The declared defaults ({@link ReplicationSettings}); the metadata cache holds 65536 objects. */
  public static ReplicationConfig of(long nodeId, Map<Long, InetSocketAddress> peers, Path dataDir) {
    return fromEnv(nodeId, peers, dataDir, 65_536, Map.of());
  }

  /**
   * The {@code ODGM_RAFT_*} variables of {@code env} (unset ones take their defaults).
   *
   * @throws dev.oprc.odgm.settings.ConfigException naming the first invalid variable and what it accepts
   */
  public static ReplicationConfig fromEnv(long nodeId, Map<Long, InetSocketAddress> peers, Path dataDir,
      long metaCacheSize, Map<String, String> env) {
    Settings s = Settings.of(env);
    long election = s.get(ReplicationSettings.ELECTION_TIMEOUT_MS);
    return new ReplicationConfig(nodeId, peers, dataDir, Duration.ofMillis(election), Duration.ofMillis(2 * election),
        Duration.ofMillis(s.get(ReplicationSettings.REQUEST_TIMEOUT_MS)), s.get(ReplicationSettings.SNAPSHOT_THRESHOLD),
        s.get(ReplicationSettings.LOG_SEGMENT_BYTES), s.get(ReplicationSettings.LOG_PRESERVE_ENTRIES),
        s.get(ReplicationSettings.READ_LEASE), metaCacheSize, s.get(ReplicationSettings.LEADER_SPREAD),
        s.get(ReplicationSettings.ENTRIES_IN_FLIGHT), Duration.ofMillis(s.get(ReplicationSettings.HANDOFF_TIMEOUT_MS)),
        null);
  }

  public ReplicationConfig withElectionTimeout(Duration min, Duration max) {
    return new ReplicationConfig(nodeId, peers, dataDir, min, max, requestTimeout, snapshotThreshold,
        logSegmentBytes, logPreserveEntries, leaderLease, metaCacheSize, leaderSpread,
        entriesInFlight, handoffTimeout, tls);
  }

  public ReplicationConfig withRequestTimeout(Duration timeout) {
    return new ReplicationConfig(nodeId, peers, dataDir, electionTimeoutMin, electionTimeoutMax, timeout,
        snapshotThreshold, logSegmentBytes, logPreserveEntries, leaderLease, metaCacheSize, leaderSpread,
        entriesInFlight, handoffTimeout, tls);
  }

  public ReplicationConfig withSnapshotThreshold(long entries) {
    return new ReplicationConfig(nodeId, peers, dataDir, electionTimeoutMin, electionTimeoutMax, requestTimeout,
        entries, logSegmentBytes, logPreserveEntries, leaderLease, metaCacheSize, leaderSpread,
        entriesInFlight, handoffTimeout, tls);
  }

  public ReplicationConfig withLogSegmentBytes(long bytes) {
    return new ReplicationConfig(nodeId, peers, dataDir, electionTimeoutMin, electionTimeoutMax, requestTimeout,
        snapshotThreshold, bytes, logPreserveEntries, leaderLease, metaCacheSize, leaderSpread,
        entriesInFlight, handoffTimeout, tls);
  }

  public ReplicationConfig withLogPreserveEntries(long entries) {
    return new ReplicationConfig(nodeId, peers, dataDir, electionTimeoutMin, electionTimeoutMax, requestTimeout,
        snapshotThreshold, logSegmentBytes, entries, leaderLease, metaCacheSize, leaderSpread,
        entriesInFlight, handoffTimeout, tls);
  }

  public ReplicationConfig withLeaderLease(boolean lease) {
    return new ReplicationConfig(nodeId, peers, dataDir, electionTimeoutMin, electionTimeoutMax, requestTimeout,
        snapshotThreshold, logSegmentBytes, logPreserveEntries, lease, metaCacheSize, leaderSpread,
        entriesInFlight, handoffTimeout, tls);
  }

  public ReplicationConfig withMetaCacheSize(long size) {
    return new ReplicationConfig(nodeId, peers, dataDir, electionTimeoutMin, electionTimeoutMax, requestTimeout,
        snapshotThreshold, logSegmentBytes, logPreserveEntries, leaderLease, size, leaderSpread,
        entriesInFlight, handoffTimeout, tls);
  }

  public ReplicationConfig withLeaderSpread(boolean spread) {
    return new ReplicationConfig(nodeId, peers, dataDir, electionTimeoutMin, electionTimeoutMax, requestTimeout,
        snapshotThreshold, logSegmentBytes, logPreserveEntries, leaderLease, metaCacheSize, spread, entriesInFlight,
        handoffTimeout, tls);
  }

  public ReplicationConfig withEntriesInFlight(int entries) {
    return new ReplicationConfig(nodeId, peers, dataDir, electionTimeoutMin, electionTimeoutMax, requestTimeout,
        snapshotThreshold, logSegmentBytes, logPreserveEntries, leaderLease, metaCacheSize, leaderSpread, entries,
        handoffTimeout, tls);
  }

  public ReplicationConfig withHandoffTimeout(Duration timeout) {
    return new ReplicationConfig(nodeId, peers, dataDir, electionTimeoutMin, electionTimeoutMax, requestTimeout,
        snapshotThreshold, logSegmentBytes, logPreserveEntries, leaderLease, metaCacheSize, leaderSpread,
        entriesInFlight, timeout, tls);
  }

  /** A copy whose Raft server and calls use mutual TLS ({@code null}: plaintext, the default). */
  public ReplicationConfig withTls(RaftTls t) {
    return new ReplicationConfig(nodeId, peers, dataDir, electionTimeoutMin, electionTimeoutMax, requestTimeout,
        snapshotThreshold, logSegmentBytes, logPreserveEntries, leaderLease, metaCacheSize, leaderSpread,
        entriesInFlight, handoffTimeout, t);
  }

  /** This node's own Raft address. */
  public InetSocketAddress selfAddress() {
    return peers.get(nodeId);
  }
}
