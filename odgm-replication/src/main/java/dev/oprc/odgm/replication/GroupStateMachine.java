package dev.oprc.odgm.replication;

import dev.oprc.odgm.storage.LogPosition;
import dev.oprc.odgm.storage.RocksStorageEngine;
import dev.oprc.odgm.storage.StorageException;
import dev.oprc.odgm.storage.SyncMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft state machine of one group: its RocksDB database ({@code <group>/db}). Every log entry
 * is a serialized RocksDB write batch built by the leader; applying it writes it together with
 * the entry's position, so entries up to the stored position are skipped when the log is
 * replayed after a restart. Snapshots are checkpoints of the database ({@link CheckpointSnapshots});
 * installing one replaces the database's content.
 *
 * <p>Ratis calls apply, snapshot and reinitialize from the group's one apply thread; leadership
 * events are forwarded to the {@link Group}.
 */
final class GroupStateMachine extends BaseStateMachine {
  private static final Logger log = LoggerFactory.getLogger(GroupStateMachine.class);
  private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  // the leader heartbeats wait for the lock meanwhile: beyond its 1 s request timeout it restarts the install
  private static final long QUIET_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final long QUIET_POLL_MS = 10;

  private final Group group;
  private final CheckpointSnapshots snapshots = new CheckpointSnapshots();
  private final AtomicLong installs = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private volatile RocksStorageEngine engine;
  private volatile Path groupDir;
  private volatile String failure; // an apply failed: the replica stops applying until restarted
  private long dbApplied = -1; // apply thread only

  GroupStateMachine(Group group) {
    this.group = group;
  }

  RocksStorageEngine engine() {
    RocksStorageEngine e = engine;
    if (e == null) {
      throw new StorageException("replica group " + group.id() + " is not initialized");
    }
    return e;
  }

  String failure() {
    return failure;
  }

  long snapshotInstalls() {
    return installs.get();
  }

  /** Entries skipped because the database had applied them before (replay after restart). */
  long skippedReplays() {
    return skipped.get();
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId id, RaftStorage storage) throws IOException {
    getLifeCycle().startAndTransition(() -> {
      super.initialize(server, id, storage);
      snapshots.init(storage);
      groupDir = storage.getStorageDir().getRoot().toPath();
      engine = RocksStorageEngine.open(groupDir.resolve("db"), SyncMode.NONE);
      if (Files.exists(restoringMarker())) {
        log.warn("group {}: an interrupted snapshot install is redone", id);
        restoreLatestSnapshot();
      }
      dbApplied = engine.appliedPosition().index();
      SnapshotInfo s = snapshots.getLatestSnapshot();
      if (s != null) {
        setLastAppliedTermIndex(s.getTermIndex());
      }
    }, IOException.class);
    group.initialized(this);
  }

  private Path restoringMarker() {
    return groupDir.resolve("db.restoring");
  }

  @Override
  public CheckpointSnapshots getStateMachineStorage() {
    return snapshots;
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    TermIndex ti = TermIndex.valueOf(entry);
    if (failure != null) {
      return CompletableFuture.failedFuture(new StorageException("replica stopped applying: " + failure));
    }
    if (ti.getIndex() <= dbApplied) {
      skipped.incrementAndGet();
    } else {
      try {
        java.util.List<RocksStorageEngine.AppliedChange> changes = engine.applyReplicated(
            entry.getStateMachineLogEntry().getLogData().toByteArray(), new LogPosition(ti.getTerm(), ti.getIndex()));
        dbApplied = ti.getIndex();
        if (!changes.isEmpty()) {
          group.changesApplied(changes);
        }
      } catch (RuntimeException e) {
        // applying later entries without this one would diverge from the other replicas: stop here;
        // a restart replays from the stored position
        failure = "entry " + ti + ": " + e.getMessage();
        log.error("group {}: cannot apply {}; this replica stops applying until it is restarted", group.id(), ti, e);
        group.changed();
        return CompletableFuture.failedFuture(e);
      }
    }
    updateLastAppliedTermIndex(ti);
    return CompletableFuture.completedFuture(Message.EMPTY);
  }

  /** A read barrier: Ratis calls this once the ReadIndex (or lease) check passed and the entries up to it are applied. */
  @Override
  public CompletableFuture<Message> query(Message request) {
    return CompletableFuture.completedFuture(Message.EMPTY);
  }

  @Override
  public synchronized long takeSnapshot() throws IOException {
    TermIndex ti = getLastAppliedTermIndex();
    if (ti == null || ti.getIndex() < 0 || failure != null || getLifeCycleState() != LifeCycle.State.RUNNING) {
      return -1; // paused: a leader's snapshot is being installed and the database is about to be replaced
    }
    try {
      return snapshots.take(engine, ti);
    } catch (StorageException e) {
      // Ratis logs an IOException and keeps going; any RuntimeException would stop this group's applier for good
      throw new IOException("group " + group.id() + ": snapshot at " + ti + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Ratis calls this once per snapshot chunk it receives, holding the division's lock, before it
   * writes the chunk. After the last chunk it resets its log to the snapshot index at once, without
   * waiting for the log appends of AppendEntries requests that passed their checks before it took
   * the lock (Ratis 3.2.2; a resumed follower processes a backlog of them while the leader already
   * sends the snapshot). Such an append landing during the reset stops the log worker for good
   * ("lastWrittenIndex == 49, entry index 31") and closes the group. No new append passes the
   * checks while the lock is held, so waiting here until the log is quiet closes that window.
   */
  @Override
  public synchronized void pause() {
    if (getLifeCycleState() != LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.PAUSING);
      getLifeCycle().transition(LifeCycle.State.PAUSED);
    }
    awaitQuietLog();
  }

  /** Waits until the log's last and flushed index stayed equal and unchanged for {@link #QUIET_NANOS}. */
  private void awaitQuietLog() {
    RaftLog raftLog = raftLog();
    if (raftLog == null) {
      return;
    }
    long start = System.nanoTime();
    long quietSince = start;
    long seen = logState(raftLog);
    while (System.nanoTime() - start < QUIET_MAX_NANOS) {
      try {
        Thread.sleep(QUIET_POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      long now = logState(raftLog);
      if (now != seen || raftLog.getFlushIndex() < lastIndex(raftLog)) {
        seen = now;
        quietSince = System.nanoTime();
      } else if (System.nanoTime() - quietSince >= QUIET_NANOS) {
        log.debug("group {}: log quiet at {} after {} ms", group.id(), lastIndex(raftLog),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return;
      }
    }
    log.warn("group {}: the Raft log was still being appended to after {} ms; installing the snapshot anyway",
        group.id(), TimeUnit.NANOSECONDS.toMillis(QUIET_MAX_NANOS));
  }

  private RaftLog raftLog() {
    RaftServer server = getServer().getNow(null);
    if (server == null) {
      return null;
    }
    try {
      return server.getDivision(getGroupId()).getRaftLog();
    } catch (IOException e) {
      return null;
    }
  }

  private static long lastIndex(RaftLog raftLog) {
    TermIndex last = raftLog.getLastEntryTermIndex();
    return last == null ? -1 : last.getIndex();
  }

  /** Changes whenever an entry is appended or flushed (both indexes grow, or are reset together). */
  private static long logState(RaftLog raftLog) {
    return lastIndex(raftLog) * 31 + raftLog.getFlushIndex();
  }

  /** After Ratis installed a leader's snapshot into {@code sm/}: the database becomes that snapshot. */
  @Override
  public synchronized void reinitialize() throws IOException {
    SnapshotInfo s = snapshots.rescan();
    if (s != null) {
      restoreLatestSnapshot();
      dbApplied = engine.appliedPosition().index();
      setLastAppliedTermIndex(s.getTermIndex());
      installs.incrementAndGet();
      log.info("group {}: installed the leader's snapshot at {}", group.id(), s.getTermIndex());
    }
    if (getLifeCycleState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
  }

  /**
   * Copies the latest snapshot into the database. A marker file makes an interrupted copy be redone
   * at the next start (Ratis then believes the snapshot is applied).
   */
  private void restoreLatestSnapshot() throws IOException {
    Path snap = snapshots.latestDir();
    if (snap == null) {
      return;
    }
    Path work = groupDir.resolve("restore");
    CheckpointSnapshots.deleteRecursively(work);
    Files.createDirectories(work);
    try (java.util.stream.Stream<Path> files = Files.list(snap)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String n = f.getFileName().toString();
        if (n.endsWith(".md5") || !Files.isRegularFile(f)) {
          continue;
        }
        if (n.endsWith(".sst")) {
          Files.createLink(work.resolve(n), f); // SST files are immutable
        } else {
          Files.copy(f, work.resolve(n)); // MANIFEST and WAL are appended to when opened
        }
      }
    }
    if (!Files.exists(restoringMarker())) {
      Files.createFile(restoringMarker());
    }
    engine.replaceContentsFrom(work);
    Files.delete(restoringMarker());
    CheckpointSnapshots.deleteRecursively(work);
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId memberId, RaftPeerId newLeaderId) {
    group.leaderChanged(newLeaderId);
  }

  @Override
  public void notifyLeaderReady() {
    group.leaderReady();
  }

  @Override
  public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
    group.notLeader();
  }

  /**
   * Ratis calls this after it closed this division from its leader election ({@code allServer}
   * false: the election found this node outside the group's configuration, or a leader told it to
   * shut down) or when the whole server closes ({@code allServer} true). Ratis logs the first at
   * INFO only, which the node's default levels hide.
   */
  @Override
  public void notifyServerShutdown(RoleInfoProto roleInfo, boolean allServer) {
    if (!allServer && !group.node().closing()) {
      group.divisionClosed("its leader election shut it down as " + roleInfo.getRole() + " (" + division() + ")");
    }
  }

  /** What Ratis knows of this division: role, state, term, configuration, indexes (for error messages). */
  private String division() {
    RaftServer server = getServer().getNow(null);
    if (server == null) {
      return "no server";
    }
    try {
      RaftServer.Division d = server.getDivision(getGroupId());
      return d.getInfo().getCurrentRole() + " " + d.getInfo().getLifeCycleState() + " at term "
          + d.getInfo().getCurrentTerm() + ", conf " + d.getRaftConf() + ", applied " + d.getInfo().getLastAppliedIndex()
          + ", committed " + d.getRaftLog().getLastCommittedIndex();
    } catch (IOException | RuntimeException e) {
      return "division unknown: " + e;
    }
  }

  @Override
  public void close() throws IOException {
    if (!group.node().closing()) { // not the node's stop: a Ratis failure path closed the division
      group.divisionClosed("its state machine was closed (" + division() + ")");
    }
    group.closing();
    RocksStorageEngine e = engine;
    engine = null;
    if (e != null) {
      e.close();
    }
    super.close();
  }
}
