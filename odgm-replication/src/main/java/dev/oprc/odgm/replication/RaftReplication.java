package dev.oprc.odgm.replication;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.LeaderElectionManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's Apache Ratis server (gRPC transport, listening on this node's address in
 * {@link ReplicationConfig#peers()}) hosting the Raft groups the node is a member of: one group per
 * distinct (replica set, preferred leader), holding every partition that shares them, so the
 * thread and log cost grows with the number of replica sets times their size, not with partitions,
 * and each member leads the groups it prefers (see {@link #group(List, long)}). Logs and databases live in
 * {@code dataDir/raft/<group uuid>/} ({@code current/} Ratis log, {@code db/} RocksDB,
 * {@code sm/} snapshots); a group found there is recovered when this node asks for it again
 * ({@link #group(List)}), with its members, as a group this node joins for the first time.
 *
 * <p>Thread-safe. Owns the Ratis server and the {@code odgm-raft-events} thread; {@link #close()}
 * stops both and closes every group's database, so close it after the users of its shards.
 */
public final class RaftReplication implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RaftReplication.class);
  /** A storage dir that does not exist: what the Ratis server builder scans for groups (none). */
  private static final String NO_GROUPS = "no-groups-at-build";
  /** Pause before a failed hand-off transfer is asked again. */
  private static final long HANDOFF_RETRY_MS = 50;

  private final ReplicationConfig config;
  private final ConcurrentMap<RaftGroupId, Group> groups = new ConcurrentHashMap<>();
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final ScheduledExecutorService events;
  private volatile boolean handingOff; // a stop began: no group takes or moves leadership any more
  private volatile boolean closing; // close() began: a division closing now is the node's doing, not a failure
  private final EntryBatcher batcher;
  private final RaftServer server;

  private RaftReplication(ReplicationConfig config) throws IOException {
    this.config = config;
    this.events = Executors.newSingleThreadScheduledExecutor(
        dev.oprc.odgm.lifecycle.Threads.daemon("odgm-raft-events-" + config.nodeId()));
    this.batcher = new EntryBatcher(config.nodeId(), config.entriesInFlight());
    try {
      RaftProperties p = properties(config);
      // Ratis's builder starts a division for every group directory it finds in its storage dir, created with no
      // members (RaftServerProxy.initGroups: RaftGroup.valueOf(groupId)); such a division leaves its group for good
      // when an election starts while a snapshot install swaps its configuration (see addGroup). So the builder
      // sees a storage dir without groups, and each group joins with its members when it is asked for
      RaftServerConfigKeys.setStorageDir(p, List.of(config.dataDir().resolve("raft").resolve(NO_GROUPS).toFile()));
      this.server = RaftServer.newBuilder().setServerId(peerId(config.nodeId())).setProperties(p)
          .setParameters(parameters(config.tls()))
          .setStateMachineRegistry(gid -> groups.computeIfAbsent(gid, g -> new Group(this, g)).machine()).build();
      RaftServerConfigKeys.setStorageDir(p, List.of(config.dataDir().resolve("raft").toFile())); // read at each add
    } catch (IOException | RuntimeException e) {
      batcher.close();
      events.shutdownNow();
      throw e;
    }
  }

  /**
   * Starts this node's Ratis server, with no group yet: groups whose data is in {@code dataDir/raft}
   * rejoin when {@link #group(List)} (or {@link #group(List, long)}) asks for them.
   *
   * @throws IllegalStateException when the server cannot start (port taken, unreadable storage)
   */
  public static RaftReplication start(ReplicationConfig config) {
    return start(config, r -> { });
  }

  /**
   * Starts this node's Ratis server once {@code joinFirst} joined the groups it asks for
   * ({@link #group(List, long)} on the replication it is given, which does not serve yet): those
   * groups are running when the other members first reach this node, instead of answering their
   * first requests with "not yet initialized" while their databases open.
   *
   * @throws IllegalStateException when the server cannot start (port taken, unreadable storage)
   * @throws RuntimeException what {@code joinFirst} threw (the server is closed)
   */
  public static RaftReplication start(ReplicationConfig config, Consumer<RaftReplication> joinFirst) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(joinFirst, "joinFirst");
    RaftReplication r;
    try {
      r = new RaftReplication(config);
    } catch (IOException | RuntimeException e) {
      throw cannotStart(config, e);
    }
    try {
      joinFirst.accept(r);
    } catch (RuntimeException e) {
      r.close();
      throw e;
    }
    try {
      r.server.start();
    } catch (IOException | RuntimeException e) {
      r.close();
      throw cannotStart(config, e);
    }
    log.info("raft node {} listening on {} (members {}; {})", config.nodeId(), config.selfAddress(),
        config.peers().keySet(), config.tls() == null ? "plaintext" : "mutual TLS");
    return r;
  }

  private static IllegalStateException cannotStart(ReplicationConfig config, Exception e) {
    return new IllegalStateException("cannot start the Raft server of node " + config.nodeId() + " on "
        + config.selfAddress() + " with data in '" + config.dataDir().resolve("raft") + "': " + e, e);
  }

  /**
   * Ratis's parameters: with {@code tls}, its gRPC server, its calls to the other members and its
   * client and admin services all use mutual TLS from the same files.
   */
  static Parameters parameters(RaftTls tls) {
    Parameters params = new Parameters();
    if (tls != null) {
      GrpcTlsConfig conf = new GrpcTlsConfig(tls.privateKey().toFile(), tls.certChain().toFile(),
          tls.trustRoot().toFile(), true);
      GrpcConfigKeys.TLS.setConf(params, conf);
      GrpcConfigKeys.Server.setTlsConf(params, conf);
      GrpcConfigKeys.Client.setTlsConf(params, conf);
      GrpcConfigKeys.Admin.setTlsConf(params, conf);
    }
    return params;
  }

  static RaftProperties properties(ReplicationConfig c) {
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(new File(c.dataDir().resolve("raft").toString())));
    GrpcConfigKeys.Server.setPort(p, c.selfAddress().getPort());
    GrpcConfigKeys.Server.setHost(p, c.selfAddress().getHostString());
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, ms(c.electionTimeoutMin().toMillis()));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, ms(c.electionTimeoutMax().toMillis()));
    RaftServerConfigKeys.Rpc.setRequestTimeout(p, ms(Math.max(1000, c.electionTimeoutMin().toMillis())));
    // a node cut off (or paused) does not depose a healthy leader when it comes back: it must win a pre-vote first
    RaftServerConfigKeys.LeaderElection.setPreVote(p, true);
    // pipelining: many entries per append request and many requests outstanding per follower
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(4L << 20));
    RaftServerConfigKeys.Log.Appender.setBufferElementLimit(p, 256);
    GrpcConfigKeys.Server.setLeaderOutstandingAppendsMax(p, 32);
    GrpcConfigKeys.setFlowControlWindow(p, SizeInBytes.valueOf(8L << 20));
    long seg = c.logSegmentBytes();
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(seg));
    RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(seg, 4L << 20)));
    // a follower that is behind the purged log gets the leader's snapshot instead; the entries
    // preserved behind the snapshot let a briefly lagging follower catch up from the log
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, c.logPreserveEntries());
    RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.max(1, Math.min(1024, c.snapshotThreshold() / 2)));
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    // no snapshot at shutdown: a restart replays the log tail (applied entries are skipped), as after a crash
    RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, c.snapshotThreshold());
    RaftServerConfigKeys.Snapshot.setCreationGap(p, Math.max(1, Math.min(1024, c.snapshotThreshold())));
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, c.leaderLease());
    // fixed pools, and small ones: Ratis creates both per group (division), and a node hosts a group per member of
    // each replica set; the default cached client pool grows a thread per concurrent request
    RaftServerConfigKeys.ThreadPool.setClientCached(p, false);
    RaftServerConfigKeys.ThreadPool.setClientSize(p, 2);
    RaftServerConfigKeys.ThreadPool.setServerCached(p, false);
    RaftServerConfigKeys.ThreadPool.setServerSize(p, 2);
    // local submissions get a unique call id each; replies need not be remembered for long
    RaftServerConfigKeys.RetryCache.setExpiryTime(p, TimeDuration.valueOf(10, TimeUnit.SECONDS));
    return p;
  }

  private static TimeDuration ms(long millis) {
    return TimeDuration.valueOf(millis, TimeUnit.MILLISECONDS);
  }

  public ReplicationConfig config() {
    return config;
  }

  /**
   * The group of the replica set {@code replicaNodeIds} (any order; it must contain this node)
   * whose leadership goes to {@code preferredLeader} whenever that member is up and caught up (the
   * current leader transfers it), so partitions spread over groups with different preferred leaders
   * spread the leaders. All peers have the same Ratis priority: Ratis refuses to transfer leadership
   * to a peer below the highest priority, and a live higher-priority peer vetoes other candidates,
   * which would stop a preferred leader from handing its groups off when it stops.
   *
   * <p>With {@link ReplicationConfig#leaderSpread()} off, or when this node's data dir holds the
   * replica set's group of the one-group-per-replica-set layout (written before spreading existed),
   * that one group is returned instead: its data stays where it is.
   *
   * @throws IllegalArgumentException naming an id that is not a member, a duplicate, a set without
   *     this node, or a preferred leader outside the set
   */
  public ReplicaGroup group(List<Long> replicaNodeIds, long preferredLeader) {
    List<Long> sorted = validate(replicaNodeIds);
    if (!sorted.contains(preferredLeader)) {
      throw new IllegalArgumentException("preferred leader " + preferredLeader + " is not in the replica set "
          + sorted);
    }
    if (!config.leaderSpread() || onDisk(groupId(sorted))) {
      return group(sorted);
    }
    Group g = join(groupId(sorted, preferredLeader), sorted);
    g.prefer(preferredLeader);
    return g;
  }

  private boolean onDisk(RaftGroupId gid) {
    return java.nio.file.Files.isDirectory(config.dataDir().resolve("raft").resolve(gid.getUuid().toString()));
  }

  /**
   * The group of the replica set {@code replicaNodeIds} (any order; it must contain this node),
   * created here on the first call with that set (and joined by the other members when they ask
   * for it too), or recovered from disk.
   *
   * @throws IllegalArgumentException naming an id that is not a member, a duplicate, or a set without this node
   */
  public ReplicaGroup group(List<Long> replicaNodeIds) {
    List<Long> sorted = validate(replicaNodeIds);
    return join(groupId(sorted), sorted);
  }

  private Group join(RaftGroupId gid, List<Long> sorted) {
    synchronized (this) {
      boolean exists = false;
      for (RaftGroupId g : server.getGroupIds()) {
        exists |= g.equals(gid);
      }
      if (!exists) {
        addGroup(gid, sorted);
      }
      Group g = groups.get(gid);
      if (g == null) {
        throw new IllegalStateException("Ratis did not create the state machine of group " + gid);
      }
      g.setMembers(sorted);
      return g;
    }
  }

  private List<Long> validate(List<Long> ids) {
    Objects.requireNonNull(ids, "replicaNodeIds");
    if (new HashSet<>(ids).size() != ids.size()) {
      throw new IllegalArgumentException("replica set " + ids + " has a duplicate node id");
    }
    for (Long id : ids) {
      if (id == null || !config.peers().containsKey(id)) {
        throw new IllegalArgumentException("replica set " + ids + ": node " + id + " is not a member "
            + config.peers().keySet());
      }
    }
    if (!ids.contains(config.nodeId())) {
      throw new IllegalArgumentException("replica set " + ids + " does not contain this node " + config.nodeId());
    }
    List<Long> sorted = new ArrayList<>(ids);
    sorted.sort(null);
    return sorted;
  }

  private void addGroup(RaftGroupId gid, List<Long> sorted) {
    List<RaftPeer> peers = new ArrayList<>();
    for (long id : sorted) {
      InetSocketAddress a = config.peers().get(id);
      peers.add(RaftPeer.newBuilder().setId(peerId(id)).setAddress(a.getHostString() + ":" + a.getPort()).build());
    }
    RaftGroup group = RaftGroup.valueOf(gid, peers);
    try {
      // format false: Ratis recovers the group's directory when there is one (else it formats a new one). Either way
      // the division's initial configuration is these members: Ratis falls back to it whenever it drops its
      // configurations, which it does for a moment with every snapshot chunk a follower installs
      // (SnapshotInstallationHandler: state.truncate, then the leader's configuration); an election starting in
      // that moment must still find this node in its group, or Ratis closes the division (LeaderElection: NOT_IN_CONF)
      RaftClientReply r = server.groupManagement(
          GroupManagementRequest.newAdd(clientId, server.getId(), nextCallId(), group, false));
      if (!r.isSuccess()) {
        throw new IllegalStateException("cannot add replica group " + gid + " " + sorted + ": " + r.getException());
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot add replica group " + gid + " " + sorted + ": " + e, e);
    }
  }

  /** The group id of a sorted replica set: a name-based UUID, the same on every node. */
  static RaftGroupId groupId(List<Long> sorted) {
    return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("odgm-raft-group:" + sorted).getBytes(StandardCharsets.UTF_8)));
  }

  /** The group id of a sorted replica set with a preferred leader: a name-based UUID, the same on every node. */
  static RaftGroupId groupId(List<Long> sorted, long preferredLeader) {
    return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("odgm-raft-group:" + sorted + ":leader=" + preferredLeader)
        .getBytes(StandardCharsets.UTF_8)));
  }

  static RaftPeerId peerId(long nodeId) {
    return RaftPeerId.valueOf("n" + nodeId);
  }

  static long nodeIdOf(RaftPeerId peer) {
    return Long.parseLong(peer.toString().substring(1));
  }

  RaftServer server() {
    return server;
  }

  EntryBatcher batcher() {
    return batcher;
  }

  ScheduledExecutorService events() {
    return events;
  }

  ClientId clientId() {
    return clientId;
  }

  long nextCallId() {
    return callIds.incrementAndGet();
  }

  /** The group, if this node hosts it (tests). */
  Group hosted(List<Long> sorted) {
    return groups.get(groupId(sorted));
  }

  boolean handingOff() {
    return handingOff;
  }

  /** True once {@link #close()} began: divisions closing from then on are closed by this node. */
  boolean closing() {
    return closing;
  }

  /**
   * The first step of a graceful stop, while the node still serves: this node stops standing for
   * election and moves the leadership of every group it leads to the follower with the most of the
   * log that answered recently (Ratis's leadership transfer: the follower is caught up first, then
   * starts an election at once), so the others need not wait for an election timeout. Waits up to
   * {@link ReplicationConfig#handoffTimeout()} in all; a group whose transfer fails keeps its
   * leader until {@link #close()}, and then the others elect after an election timeout.
   *
   * @return the number of groups whose leadership moved
   */
  public int handOffLeadership() {
    handingOff = true;
    long timeoutMs = config.handoffTimeout().toMillis();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    Map<Group, CompletableFuture<Boolean>> moves = new LinkedHashMap<>();
    for (Group g : groups.values()) {
      pauseElections(g.raftGroupId());
      CompletableFuture<Boolean> move = timeoutMs > 0 ? g.handOff(timeoutMs) : null;
      if (move != null) {
        moves.put(g, move);
      }
    }
    int moved = 0;
    for (Map.Entry<Group, CompletableFuture<Boolean>> e : moves.entrySet()) {
      moved += awaitMoved(e.getKey(), e.getValue(), deadline) ? 1 : 0;
    }
    log.info("raft node {}: handed off the leadership of {} of the {} groups it led", config.nodeId(), moved,
        moves.size());
    return moved;
  }

  /**
   * Waits for {@code g}'s transfer; one that failed (a leader-placement transfer of the same group
   * in progress, a target that fell behind) is asked again until {@code deadline}. True when this
   * node no longer leads the group.
   */
  private boolean awaitMoved(Group g, CompletableFuture<Boolean> first, long deadline) {
    // handOff is null once this node no longer leads the group
    for (CompletableFuture<Boolean> f = first; f != null; f = g.handOff(Math.max(1, millisLeft(deadline)))) {
      if (succeeded(f, deadline) || !g.leads()) {
        return true;
      }
      if (millisLeft(deadline) <= HANDOFF_RETRY_MS || Thread.currentThread().isInterrupted()) {
        return false;
      }
      sleepQuietly(HANDOFF_RETRY_MS);
    }
    return true;
  }

  /** Whether {@code f} completed with true by {@code deadline}. */
  private boolean succeeded(CompletableFuture<Boolean> f, long deadline) {
    try {
      return Boolean.TRUE.equals(f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      log.debug("raft node {}: a leadership hand-off did not complete: {}", config.nodeId(), e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  private static long millisLeft(long deadline) {
    return TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void pauseElections(RaftGroupId gid) {
    try {
      RaftClientReply r = server.leaderElectionManagement(LeaderElectionManagementRequest.newPause(clientId,
          server.getId(), gid, nextCallId()));
      if (!r.isSuccess()) {
        log.debug("raft node {}: pausing elections of {} failed: {}", config.nodeId(), gid, r.getException());
      }
    } catch (IOException e) {
      log.debug("raft node {}: pausing elections of {} failed: {}", config.nodeId(), gid, e.toString());
    }
  }

  private void closeGroupsOfUnstartedServer() {
    for (RaftGroupId gid : server.getGroupIds()) {
      try {
        server.getDivision(gid).close();
      } catch (IOException | RuntimeException e) {
        log.warn("raft node {}: closing group {} failed: {}", config.nodeId(), gid, e.toString());
      }
    }
  }

  /** Stops the submit thread, the Ratis server (closing every group's database) and the events thread. */
  @Override
  public void close() {
    closing = true;
    handingOff = true;
    batcher.close();
    if (server.getLifeCycleState() == org.apache.ratis.util.LifeCycle.State.NEW) {
      closeGroupsOfUnstartedServer(); // Ratis closes a server that never started without closing its groups
    }
    try {
      server.close();
    } catch (IOException | RuntimeException e) {
      log.warn("raft node {}: closing the Ratis server failed: {}", config.nodeId(), e.toString());
    }
    events.shutdown();
    try {
      if (!events.awaitTermination(5, TimeUnit.SECONDS)) {
        events.shutdownNow();
      }
    } catch (InterruptedException e) {
      events.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
