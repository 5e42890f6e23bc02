package dev.oprc.odgm.replication;

import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.storage.ReloadableShardStorage;
import dev.oprc.odgm.storage.ShardStorage;
import dev.oprc.odgm.storage.StorageException;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's member of one Raft group: the group's partitions ({@link ReplicatedShard}), its
 * leadership state and listeners, and the submission of entries to the local Ratis division.
 *
 * <p>Leadership: Ratis's events (leader changed, leader ready, not leader) only clear
 * {@link #ready} at once and schedule {@link #refresh()} on the node's events thread, which, when
 * this node leads a term it has not loaded yet, reloads every partition's in-memory state from
 * the database (Ratis announced "leader ready" after applying the term's first entry, so the
 * database holds every committed write) and only then sets {@link #ready} and tells the
 * listeners.
 *
 * <p>Thread-safe.
 */
final class Group implements ReplicaGroup {
  private static final Logger log = LoggerFactory.getLogger(Group.class);
  /** How often a leader that is not its group's preferred one checks whether to hand the leadership over. */
  static final long REBALANCE_CHECK_MS = 10_000;

  private final RaftReplication node;
  private final RaftGroupId gid;
  private final GroupStateMachine machine;
  private final RaftCommitter committer;
  private final ConcurrentMap<String, ReplicatedShard> shards = new ConcurrentHashMap<>();
  private final List<LeadershipListener> listeners = new CopyOnWriteArrayList<>();
  private volatile List<Long> members = List.of();
  private volatile long preferred = -1; // the member this group's leadership goes to when it can; -1: none
  private java.util.concurrent.ScheduledFuture<?> rebalance; // events thread only
  private volatile RaftServer.Division division;
  private volatile boolean ready;
  private volatile long readyTerm = -1; // the term whose leader-ready Ratis announced
  private volatile boolean stale; // a write's outcome is unknown: in-memory state needs a reload
  private volatile boolean closed;
  private volatile String divisionFailure; // why Ratis closed this node's division while the node runs, or null
  private final java.util.concurrent.atomic.AtomicLong leaderChanges = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong firstTerm = new java.util.concurrent.atomic.AtomicLong(-1);
  /** Read: an operation using the group's database; write: closing it (no operation may run meanwhile). */
  private final java.util.concurrent.locks.ReentrantReadWriteLock engineLock =
      new java.util.concurrent.locks.ReentrantReadWriteLock();
  private long loadedTerm = -1; // events thread only
  private boolean lastReady; // events thread only
  private OptionalLong lastLeader = OptionalLong.empty(); // events thread only

  Group(RaftReplication node, RaftGroupId gid) {
    this.node = node;
    this.gid = gid;
    this.machine = new GroupStateMachine(this);
    this.committer = new RaftCommitter(this, node.batcher().lane(this));
  }

  GroupStateMachine machine() {
    return machine;
  }

  RaftReplication node() {
    return node;
  }

  void setMembers(List<Long> sorted) {
    members = List.copyOf(sorted);
  }

  /** Makes {@code nodeId} the member this group's leadership is transferred to whenever it is up. */
  void prefer(long nodeId) {
    preferred = nodeId;
    changed();
  }

  RaftGroupId raftGroupId() {
    return gid;
  }

  @Override
  public String id() {
    return gid.getUuid().toString();
  }

  @Override
  public List<Long> members() {
    return members;
  }

  @Override
  public ShardStorage shard(String collection, int partition, Function<ObjectEvent, TriggerIndex> compiler,
      long outboxMaxBytes) {
    if (collection == null || collection.isEmpty() || collection.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("collection must be a non-empty name without NUL, was '" + collection + "'");
    }
    if (partition < 0) {
      throw new IllegalArgumentException("partition must be >= 0, was " + partition);
    }
    Objects.requireNonNull(compiler, "compiler");
    if (outboxMaxBytes < 1) {
      throw new IllegalArgumentException("outboxMaxBytes must be >= 1, was " + outboxMaxBytes);
    }
    return guard(() -> shards.computeIfAbsent(collection + '\0' + partition, k -> {
      ReloadableShardStorage inner = machine.engine().shard(collection, partition, compiler,
          node.config().metaCacheSize(), outboxMaxBytes, committer);
      return new ReplicatedShard(this, k, inner);
    }));
  }

  /**
   * Runs {@code op} while the group's database stays open (closing waits for it); throws
   * {@link StorageException} when the group is closed.
   */
  <T> T guard(java.util.function.Supplier<T> op) {
    engineLock.readLock().lock();
    try {
      checkOpen();
      return op.get();
    } finally {
      engineLock.readLock().unlock();
    }
  }

  /** The apply thread wrote these change events (seqs assigned): each open partition's sink hears of its own. */
  void changesApplied(List<dev.oprc.odgm.storage.RocksStorageEngine.AppliedChange> changes) {
    for (dev.oprc.odgm.storage.RocksStorageEngine.AppliedChange c : changes) {
      ReplicatedShard s = shards.get(c.collection() + '\0' + c.partition());
      if (s != null) {
        s.changeApplied(c.body(), c.seq());
      }
    }
  }

  void removeShard(String key) {
    shards.remove(key);
  }

  @Override
  public boolean isLeaderReady() {
    if (!ready || closed) {
      return false;
    }
    RaftServer.Division d = division;
    return d != null && d.getInfo().isLeader() && d.getInfo().getCurrentTerm() == readyTerm;
  }

  /** Whether Ratis has this node as the group's leader (ready or not). */
  boolean leads() {
    RaftServer.Division d = division();
    return d != null && d.getInfo().isLeader();
  }

  @Override
  public boolean confirmLeadership() {
    try {
      return guard(() -> {
        readBarrier();
        return true;
      });
    } catch (StorageException e) { // not (or no longer) the ready leader, or closed
      return false;
    }
  }

  @Override
  public OptionalLong leaderId() {
    RaftServer.Division d = division;
    RaftPeerId leader = d == null ? null : d.getInfo().getLeaderId();
    return leader == null ? OptionalLong.empty() : OptionalLong.of(RaftReplication.nodeIdOf(leader));
  }

  @Override
  public String failure() {
    String f = divisionFailure;
    if (f != null) {
      return f;
    }
    String apply = machine.failure();
    if (apply != null) {
      return "stopped applying entries: " + apply;
    }
    RaftServer.Division d = division();
    if (d != null && !d.getInfo().isAlive() && !node.closing()) { // before its state machine heard of it
      return "Ratis closed this node's member of the group (" + d.getInfo().getLifeCycleState() + ")";
    }
    return null;
  }

  /**
   * Ratis closed this node's division of the group while the node runs (its state machine was
   * closed, or its leader election shut it down): the replica no longer takes part in the group
   * until the node restarts, so say so loudly and make {@link #failure()} report it.
   */
  void divisionClosed(String cause) {
    String before = divisionFailure;
    divisionFailure = (before == null ? "Ratis closed this node's member of the group while the node runs: "
        : before + "; ") + cause;
    log.error("group {} on node {}: Ratis closed this node's member of the group while the node runs: {}. This "
        + "replica no longer applies or votes; the node reports not ready until it is restarted", id(),
        node.config().nodeId(), cause);
  }

  @Override
  public void addListener(LeadershipListener listener) {
    Objects.requireNonNull(listener, "listener");
    post(() -> {
      listeners.add(listener);
      call(listener, lastReady, lastLeader);
    });
  }

  // ------------------------------------------------------------------ checks used by the shards

  void checkOpen() {
    if (closed) {
      throw new StorageException("replica group " + id() + " on node " + node.config().nodeId() + " is closed");
    }
  }

  /** Throws {@link NotLeaderException} unless this node is the ready leader. */
  void checkLeader() {
    checkOpen();
    if (!isLeaderReady()) {
      throw new NotLeaderException(id(), node.config().nodeId(), leaderId());
    }
  }

  /** {@link #checkLeader()}, then a ReadIndex round (local while the leader lease is valid). */
  void readBarrier() {
    checkLeader();
    RaftClientReply r = await(submit(Message.EMPTY, RaftClientRequest.readRequestType()), "read");
    if (r == null || !r.isSuccess()) {
      throw new NotLeaderException(id(), node.config().nodeId(), leaderId());
    }
  }

  CompletableFuture<RaftClientReply> submit(Message m, RaftClientRequest.Type type) {
    RaftServer server = node.server();
    RaftClientRequest req = RaftClientRequest.newBuilder().setClientId(node.clientId())
        .setServerId(server.getId()).setGroupId(gid).setCallId(node.nextCallId()).setMessage(m).setType(type)
        .build();
    try {
      return server.submitClientRequestAsync(req);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  static Message message(byte[] data) {
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(data));
  }

  /** The reply, or null when it did not come within the request timeout or failed. */
  RaftClientReply await(CompletableFuture<RaftClientReply> f, String what) {
    try {
      return f.get(node.config().requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException | TimeoutException e) {
      log.debug("group {}: {} failed: {}", id(), what, e.toString());
      return null;
    }
  }

  /**
   * A write's outcome is unknown while this node may still lead: the in-memory state may miss it,
   * so writes are refused at once (NotLeader) until the reload on the events thread completed.
   */
  void outcomeUnknown() {
    stale = true;
    ready = false;
    post(() -> {
      loadedTerm = -1;
      refresh();
    });
  }

  // ------------------------------------------------------------------ Ratis events

  void initialized(GroupStateMachine m) {
    changed();
  }

  void leaderChanged(RaftPeerId leader) {
    if (leader == null || !leader.equals(node.server().getId())) {
      ready = false;
    }
    leaderChanges.incrementAndGet();
    changed();
  }

  // ------------------------------------------------------------------ what RaftMeters reads (any thread)

  /** 0 follower, 1 candidate, 2 leader, 3 anything else (listener, not started, closed). */
  long roleCode() {
    RaftServer.Division d = closed ? null : division();
    if (d == null) {
      return 3;
    }
    DivisionInfo info = d.getInfo();
    return info.isFollower() ? 0 : info.isCandidate() ? 1 : info.isLeader() ? 2 : 3;
  }

  long term() {
    RaftServer.Division d = closed ? null : division();
    return d == null ? 0 : d.getInfo().getCurrentTerm();
  }

  long commitIndex() {
    RaftServer.Division d = closed ? null : division();
    return d == null ? 0 : Math.max(0, d.getRaftLog().getLastCommittedIndex());
  }

  long appliedIndex() {
    RaftServer.Division d = closed ? null : division();
    return d == null ? 0 : Math.max(0, d.getInfo().getLastAppliedIndex());
  }

  long leaderChanges() {
    return leaderChanges.get();
  }

  /** Terms begun since this node first saw the group's term (each begins with an election). */
  long elections() {
    long now = term();
    long first = firstTerm.get();
    return first < 0 ? 0 : Math.max(0, now - first);
  }

  void leaderReady() {
    RaftServer.Division d = division();
    if (d != null) {
      readyTerm = d.getInfo().getCurrentTerm();
    }
    changed();
  }

  void notLeader() {
    ready = false;
    changed();
  }

  void changed() {
    if (!closed) {
      post(this::refresh);
    }
  }

  private void post(Runnable r) {
    try {
      node.events().execute(r);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the node is closing
    }
  }

  /** Before the state machine closes the database: refuses new operations, waits for running ones. */
  void closing() {
    closed = true; // new operations fail at once; running ones finish (a write's wait ends with Ratis's close)
    ready = false;
    engineLock.writeLock().lock();
    try {
      for (ReplicatedShard s : shards.values()) {
        s.closeInner();
      }
      shards.clear();
    } finally {
      engineLock.writeLock().unlock();
    }
  }

  private RaftServer.Division division() {
    RaftServer.Division d = division;
    if (d == null) {
      try {
        d = node.server().getDivision(gid);
        division = d;
      } catch (IOException e) {
        return null; // not registered yet: a later event refreshes again
      }
    }
    return d;
  }

  /** On the events thread: brings {@link #ready} and the listeners up to date with Ratis's state. */
  private void refresh() {
    RaftServer.Division d = division();
    if (closed || d == null) {
      return;
    }
    DivisionInfo info = d.getInfo();
    long term = info.getCurrentTerm();
    firstTerm.compareAndSet(-1, term); // elections are counted from the term this node started in
    boolean leading = info.isLeader() && readyTerm == term && machine.failure() == null;
    if (leading && (loadedTerm != term || stale)) {
      ready = false;
      if (lastReady) {
        notifyListeners(false, leaderId());
      }
      stale = false; // set again by an unknown outcome during this reload, which then posts another one
      try {
        guard(() -> {
          shards.values().forEach(ReplicatedShard::reload);
          return null;
        });
      } catch (StorageException e) {
        return; // closed meanwhile
      }
      loadedTerm = term;
      ready = !stale && info.isLeader() && info.getCurrentTerm() == term;
    } else if (!leading) {
      ready = false;
    }
    notifyListeners(isLeaderReady(), leaderId());
    scheduleRebalance();
  }

  // ------------------------------------------------------------------ leadership placement

  /**
   * On the events thread: while this node is the ready leader but not the preferred one, checks
   * every {@link #REBALANCE_CHECK_MS} (the first time that long after it became leader) and
   * transfers the leadership to the preferred member when that member answered the leader
   * recently and has every applied entry: Ratis refuses writes while a transfer runs, so a transfer
   * to a member that is down or behind would cost a timeout of unavailability. The wait also lets a
   * preferred member that just handed its leadership off (it is stopping, with its elections
   * paused) finish stopping, and one that just restarted warm up, before it is asked to lead.
   */
  private void scheduleRebalance() {
    long want = preferred;
    boolean wanted = want >= 0 && want != node.config().nodeId() && isLeaderReady() && !node.handingOff();
    if (!wanted) {
      return;
    }
    if (rebalance != null && !rebalance.isDone()) {
      return;
    }
    try {
      rebalance = node.events().schedule(this::rebalance, REBALANCE_CHECK_MS, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the node is closing
    }
  }

  private void rebalance() {
    rebalance = null; // this run is over as far as scheduleRebalance is concerned
    long want = preferred;
    RaftServer.Division d = division;
    if (closed || d == null || want < 0 || !isLeaderReady() || node.handingOff()) {
      return;
    }
    RaftPeerId target = RaftReplication.peerId(want);
    long elapsed = followerSilenceMs(d, target);
    if (elapsed < 0 || elapsed > node.config().electionTimeoutMin().toMillis()
        || followerMatchIndex(d, target) < d.getInfo().getLastAppliedIndex()) {
      scheduleRebalance(); // down or slow: try again later
      return;
    }
    log.info("group {}: moving leadership to its preferred leader {}", id(), want);
    CompletableFuture<?> unused = transfer(target, node.config().electionTimeoutMin().toMillis())
        .whenComplete((ok, e) -> changed());
  }

  /** How long ago {@code follower} last answered this leader, in ms; -1 when unknown (not leading). */
  private static long followerSilenceMs(RaftServer.Division d, RaftPeerId follower) {
    org.apache.ratis.proto.RaftProtos.RoleInfoProto role = d.getInfo().getRoleInfoProto();
    if (!role.hasLeaderInfo()) {
      return -1;
    }
    for (org.apache.ratis.proto.RaftProtos.ServerRpcProto f : role.getLeaderInfo().getFollowerInfoList()) {
      if (f.getId().getId().toStringUtf8().equals(follower.toString())) {
        return f.getLastRpcElapsedTimeMs();
      }
    }
    return -1;
  }

  /** The last log index {@code follower} is known to hold; -1 when unknown. */
  private static long followerMatchIndex(RaftServer.Division d, RaftPeerId follower) {
    org.apache.ratis.proto.RaftProtos.RoleInfoProto role = d.getInfo().getRoleInfoProto();
    long[] match = d.getInfo().getFollowerMatchIndices();
    if (!role.hasLeaderInfo() || match == null || match.length != role.getLeaderInfo().getFollowerInfoCount()) {
      return -1;
    }
    for (int i = 0; i < match.length; i++) { // both list the leader's log appenders in the same order
      if (role.getLeaderInfo().getFollowerInfo(i).getId().getId().toStringUtf8().equals(follower.toString())) {
        return match[i];
      }
    }
    return -1;
  }

  /** Asks Ratis to transfer this group's leadership to {@code target}; completes with whether it moved. */
  private CompletableFuture<Boolean> transfer(RaftPeerId target, long timeoutMs) {
    RaftServer server = node.server();
    org.apache.ratis.protocol.TransferLeadershipRequest req = new org.apache.ratis.protocol.TransferLeadershipRequest(
        node.clientId(), server.getId(), gid, node.nextCallId(), target, timeoutMs);
    try {
      return server.transferLeadershipAsync(req).handle((r, e) -> e == null && r != null && r.isSuccess());
    } catch (IOException e) {
      return CompletableFuture.completedFuture(false);
    }
  }

  /**
   * When this node leads: transfers the leadership to the follower that answered most recently
   * (the preferred leader first when it is among those), for a graceful stop. Completes with
   * whether the leadership moved; null when this node does not lead.
   */
  CompletableFuture<Boolean> handOff(long timeoutMs) {
    RaftServer.Division d = division();
    if (d == null || !d.getInfo().isLeader()) {
      return null;
    }
    RaftPeerId best = null;
    long bestElapsed = Long.MAX_VALUE;
    for (long m : members) {
      RaftPeerId p = RaftReplication.peerId(m);
      long elapsed = m == node.config().nodeId() ? -1 : followerSilenceMs(d, p);
      long rank = m == preferred ? elapsed / 2 : elapsed; // same freshness: the preferred one
      if (elapsed >= 0 && rank < bestElapsed) {
        best = p;
        bestElapsed = rank;
      }
    }
    if (best == null) {
      return CompletableFuture.completedFuture(false);
    }
    return transfer(best, timeoutMs);
  }

  private void notifyListeners(boolean nowReady, OptionalLong leader) {
    if (nowReady == lastReady && leader.equals(lastLeader)) {
      return;
    }
    lastReady = nowReady;
    lastLeader = leader;
    for (LeadershipListener l : listeners) {
      call(l, nowReady, leader);
    }
  }

  private void call(LeadershipListener l, boolean nowReady, OptionalLong leader) {
    try {
      l.changed(nowReady, leader);
    } catch (RuntimeException e) {
      log.warn("group {}: a leadership listener failed: {}", id(), e.toString(), e);
    }
  }
}
