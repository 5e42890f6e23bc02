package dev.oprc.odgm.replication;

import dev.oprc.odgm.events.DurabilityGate;
import dev.oprc.odgm.events.OutboxRecord;
import dev.oprc.odgm.events.OutboxStore;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.storage.CommitListener;
import dev.oprc.odgm.storage.Committed;
import dev.oprc.odgm.storage.ObjectMeta;
import dev.oprc.odgm.storage.ReloadableShardStorage;
import dev.oprc.odgm.storage.ShardStorage;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * One partition of a {@link Group} as the node uses it: a RocksDB shard whose batches go through
 * Raft, served only while this node is the group's ready leader. Reads pass a ReadIndex barrier
 * first (linearizable). Outbox retires on a node that no longer leads are dropped (counted): the
 * next leader re-sends those records under their original ids.
 *
 * <p>Thread-safe.
 */
final class ReplicatedShard implements ShardStorage, OutboxStore {
  private final Group group;
  private final String key;
  private final ReloadableShardStorage inner;
  private final LongAdder droppedRetires = new LongAdder();
  private volatile dev.oprc.odgm.storage.ChangeSink changeSink = dev.oprc.odgm.storage.ChangeSink.NONE;

  ReplicatedShard(Group group, String key, ReloadableShardStorage inner) {
    this.group = group;
    this.key = key;
    this.inner = inner;
  }

  /** Re-reads the partition's in-memory state (called under {@link Group#guard}). */
  void reload() {
    inner.reload();
  }

  long droppedRetires() {
    return droppedRetires.sum();
  }

  @Override
  public ObjectMeta meta(String objectId) {
    return group.guard(() -> {
      group.readBarrier();
      return inner.meta(objectId);
    });
  }

  @Override
  public ValData entry(String objectId, String entryKey) {
    return group.guard(() -> {
      group.readBarrier();
      return inner.entry(objectId, entryKey);
    });
  }

  @Override
  public EntryRead read(String objectId, String entryKey) {
    return group.guard(() -> {
      group.readBarrier();
      return inner.read(objectId, entryKey);
    });
  }

  @Override
  public ObjectView view(String objectId) {
    return group.guard(() -> {
      group.readBarrier();
      return inner.view(objectId);
    });
  }

  @Override
  public List<Map.Entry<String, ValData>> entries(String objectId, String prefix, String afterExclusive, int limit) {
    return group.guard(() -> {
      group.readBarrier();
      return inner.entries(objectId, prefix, afterExclusive, limit);
    });
  }

  @Override
  public List<Map.Entry<String, ObjectMeta>> list(String prefix, String afterExclusive, int limit) {
    return group.guard(() -> {
      group.readBarrier();
      return inner.list(prefix, afterExclusive, limit);
    });
  }

  @Override
  public long count() {
    group.checkLeader();
    return inner.count();
  }

  @Override
  public <R> Committed<R> write(String objectId, Mutation<R> mutation, CommitListener listener) {
    return group.guard(() -> {
      group.checkLeader();
      return inner.write(objectId, mutation, listener);
    });
  }

  @Override
  public void onChanges(dev.oprc.odgm.storage.ChangeSink sink) {
    changeSink = java.util.Objects.requireNonNull(sink, "sink");
  }

  /**
   * The group's apply thread wrote a change event of this partition with {@code seq}: the leader
   * publishes it (durable: committed on a majority); a follower's copy only serves resumes.
   */
  void changeApplied(byte[] body, long seq) {
    if (group.isLeaderReady()) {
      dev.oprc.odgm.storage.ChangeSink sink = changeSink;
      sink.committed(body, seq, 0);
      sink.signal(0);
    }
  }

  /** The partition's change log as the leader serves it: reads pass the read barrier first. */
  @Override
  public dev.oprc.odgm.storage.ChangeLog changeLog() {
    dev.oprc.odgm.storage.ChangeLog log = inner.changeLog();
    return new dev.oprc.odgm.storage.ChangeLog() {
      @Override
      public long lastSeq() {
        return group.guard(log::lastSeq);
      }

      @Override
      public long durableSeq() {
        return group.guard(() -> {
          group.readBarrier(); // applied up to the commit index: every acknowledged write's event is here
          return log.lastSeq();
        });
      }

      @Override
      public long oldestSeq() {
        return group.guard(log::oldestSeq);
      }

      @Override
      public int scan(long afterSeq, long throughSeq, int max, Visitor v) {
        return group.guard(() -> log.scan(afterSeq, throughSeq, max, v));
      }

      @Override
      public void trimThrough(long seq) {
        if (group.isLeaderReady()) { // a trim a deposed leader drops is redone by the next one
          group.guard(() -> {
            log.trimThrough(seq);
            return null;
          });
        }
      }

      @Override
      public long approximateBytes() {
        return group.guard(log::approximateBytes);
      }
    };
  }

  @Override
  public OutboxStore outbox() {
    return this;
  }

  @Override
  public int scan(long afterSeq, int max, Consumer<OutboxRecord> sink) {
    return group.guard(() -> {
      group.checkLeader();
      return inner.outbox().scan(afterSeq, max, sink);
    });
  }

  @Override
  public void retire(long[] seqs, int[] sizes, int n) {
    if (!group.isLeaderReady()) {
      droppedRetires.add(n);
      return;
    }
    group.guard(() -> {
      inner.outbox().retire(seqs, sizes, n);
      return null;
    });
  }

  @Override
  public void makeDurable() {
    // every committed write is in a majority's synced Raft logs
  }

  @Override
  public long pendingCount() {
    return inner.outbox().pendingCount();
  }

  @Override
  public long pendingBytes() {
    return inner.outbox().pendingBytes();
  }

  @Override
  public long oldestCreatedAtMillis() {
    return group.guard(() -> inner.outbox().oldestCreatedAtMillis());
  }

  @Override
  public DurabilityGate durability() {
    return DurabilityGate.IMMEDIATE;
  }

  /** Forgets this partition (its data stays in the group's database). */
  @Override
  public void close() {
    group.removeShard(key);
    inner.close(); // drops the metadata cache only: no database access
  }

  void closeInner() {
    inner.close();
  }
}
