package dev.oprc.odgm.replication;

import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.storage.ShardStorage;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * One Raft group: every partition whose replica set is {@link #members()}. Its partitions share
 * one Raft log and one RocksDB database per replica; the log carries each write's effect (the
 * serialized RocksDB batch), so every replica applies exactly what the leader computed.
 *
 * <p>Thread-safe.
 */
public interface ReplicaGroup {
  /** The Raft group id (a UUID derived from the sorted member ids). */
  String id();

  /** The member node ids, ascending. */
  List<Long> members();

  /**
   * The storage of one partition of this group (the same instance for the same partition). On a
   * node that is not the ready leader every read and write throws {@link NotLeaderException} with
   * the leader hint. Writes return after the group committed them and this node applied them; a
   * write whose outcome is unknown throws {@link WriteOutcomeUnknownException}. Reads are
   * linearizable (a Raft ReadIndex round, answered from the leader lease when it is valid). The
   * outbox (records and retires) is replicated; the records of a write reach the write's
   * {@link dev.oprc.odgm.storage.CommitListener} on the leader that wrote only.
   */
  ShardStorage shard(String collection, int partition, Function<ObjectEvent, TriggerIndex> compiler,
      long outboxMaxBytes);

  /** True when this node leads the group and has applied every entry committed before its term. */
  boolean isLeaderReady();

  /**
   * True when this node is the ready leader and still holds its leadership now: a linearizable
   * read barrier passes (answered from the leader lease while it is valid, else by a heartbeat
   * round with a majority). A leader that was paused past its lease learns here that it was
   * replaced. Blocks up to the request timeout.
   */
  boolean confirmLeadership();

  /** The leader this node knows of. */
  OptionalLong leaderId();

  /**
   * Why this node's member of the group stopped working while the node runs (an entry it could not
   * apply, or Ratis closed its division), or null while it works. Such a member neither applies nor
   * votes until the node restarts; the node reports it as not ready.
   */
  String failure();

  /** Adds a listener: called once soon with the current state, then on every change (on the events thread). */
  void addListener(LeadershipListener listener);
}
