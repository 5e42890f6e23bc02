package dev.oprc.odgm.replication;

import dev.oprc.odgm.storage.StorageException;
import dev.oprc.odgm.storage.WriteDeadline;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import dev.oprc.odgm.lifecycle.Worker;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;

/**
 * Group commit in front of Ratis: concurrent writes of a group are queued and joined
 * ({@link WriteBatches#join}) into one Raft entry while up to {@code maxInFlight} entries of
 * that group are already on their way (Ratis pipelines them: appended and sent to the followers
 * without waiting for the previous ones to commit), so Ratis's per-entry cost (its appends are serialized per
 * group) is paid once per batch rather than once per write. One thread per node
 * ({@code odgm-raft-submit-<node>}) submits for every group. A write whose
 * {@link WriteDeadline} passed (or whose caller cancelled) by the time its entry is built is left
 * out of it and fails {@link WriteNotProposedException}: the last check before the leader appends.
 *
 * <p>Thread-safe. Owns its {@link Worker}; {@link #close()} stops it and fails what is still queued.
 */
final class EntryBatcher implements AutoCloseable, Worker.Duty {
  static final int MAX_BATCH_BYTES = 1 << 20;
  static final int MAX_BATCH_WRITES = 1024;
  /** Writes a group may have queued (not yet submitted); beyond it a write fails at once. */
  static final int MAX_QUEUED = 16_384;

  private final List<Lane> lanes = new CopyOnWriteArrayList<>();
  private final Worker worker;
  private final LongAdder batches = new LongAdder();
  private final LongAdder writes = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder expired = new LongAdder();
  private final int maxInFlight;
  private volatile boolean signal;
  private volatile boolean closed;

  EntryBatcher(long nodeId, int maxInFlight) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be >= 1, was " + maxInFlight);
    }
    this.maxInFlight = maxInFlight;
    worker = new Worker("odgm-raft-submit-" + nodeId, this);
    worker.start(); // after the field is set: the first round reads it
  }

  /** The queue of one group. */
  final class Lane {
    private final Group group;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();

    Lane(Group group) {
      this.group = group;
    }

    /** Queues {@code batch}; the future completes when the entry holding it committed and was applied here. */
    CompletableFuture<RaftClientReply> submit(byte[] batch) {
      return submit(batch, WriteDeadline.NONE);
    }

    /**
     * {@link #submit(byte[])}, but the write is dropped (its future fails with
     * {@link WriteNotProposedException}) if {@code deadline} says it is late when its entry is
     * about to be proposed.
     */
    CompletableFuture<RaftClientReply> submit(byte[] batch, WriteDeadline deadline) {
      if (closed) {
        throw new StorageException("replication of group " + group.id() + " is closed");
      }
      if (queued.incrementAndGet() > MAX_QUEUED) {
        queued.decrementAndGet();
        refused.increment();
        throw new StorageException("replication queue of group " + group.id() + " is full (" + MAX_QUEUED
            + " writes waiting); nothing was applied");
      }
      Pending p = new Pending(batch, deadline, new CompletableFuture<>());
      queue.add(p);
      wake();
      return p.done;
    }

    /** Submits one joined entry if there is work and room; true when it did. */
    private boolean pump() {
      if (queue.isEmpty() || inFlight.get() >= maxInFlight) {
        return false;
      }
      List<Pending> taken = new ArrayList<>();
      List<byte[]> datas = new ArrayList<>();
      int bytes = 0;
      Pending p;
      long now = System.currentTimeMillis();
      while (bytes < MAX_BATCH_BYTES && taken.size() < MAX_BATCH_WRITES && (p = queue.poll()) != null) {
        if (late(p, now)) {
          continue;
        }
        taken.add(p);
        datas.add(p.batch);
        bytes += p.batch.length;
      }
      if (taken.isEmpty()) {
        return false;
      }
      queued.addAndGet(-taken.size());
      inFlight.incrementAndGet();
      batches.increment();
      writes.add(taken.size());
      CompletableFuture<?> unused = group.submit(Group.message(WriteBatches.join(datas)),
          RaftClientRequest.writeRequestType()).whenComplete((r, e) -> {
            inFlight.decrementAndGet();
            for (Pending t : taken) {
              if (e != null) {
                t.done.completeExceptionally(e);
              } else {
                t.done.complete(r);
              }
            }
            wake();
          });
      return true;
    }

    /** Fails {@code p} (never proposed) when it is late; true when it did. */
    private boolean late(Pending p, long now) {
      String why = p.deadline.lateReason(now);
      if (why == null) {
        return false;
      }
      queued.decrementAndGet();
      expired.increment();
      p.done.completeExceptionally(new WriteNotProposedException("write to replica group " + group.id()
          + " not proposed: " + why + "; it was not applied", now < p.deadline.epochMillis()));
      return true;
    }

    private void failAll(String why) {
      Pending p;
      while ((p = queue.poll()) != null) {
        queued.decrementAndGet();
        p.done.completeExceptionally(new StorageException(why));
      }
    }
  }

  /** A queued write: its serialized batch and who waits for it. */
  private static final class Pending {
    final byte[] batch;
    final WriteDeadline deadline;
    final CompletableFuture<RaftClientReply> done;

    Pending(byte[] batch, WriteDeadline deadline, CompletableFuture<RaftClientReply> done) {
      this.batch = batch;
      this.deadline = deadline;
      this.done = done;
    }
  }

  Lane lane(Group group) {
    Lane l = new Lane(group);
    lanes.add(l);
    return l;
  }

  /** Entries submitted and writes they carried (writes / batches is the mean batch size). */
  long batches() {
    return batches.sum();
  }

  long writes() {
    return writes.sum();
  }

  long refused() {
    return refused.sum();
  }

  /** Writes dropped before they were proposed: their caller's deadline passed or it cancelled. */
  long expired() {
    return expired.sum();
  }

  private void wake() {
    signal = true;
    worker.wake();
  }

  /** One round: each lane submits an entry if it has work and room; parks when none did. */
  @Override
  public void doWork() {
    signal = false;
    boolean did = false;
    for (Lane l : lanes) {
      try {
        did |= l.pump();
      } catch (RuntimeException e) {
        l.failAll("replication submit failed: " + e);
      }
    }
    if (!did && !signal) {
      LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  @Override
  public void close() {
    closed = true;
    worker.close();
    for (Lane l : lanes) {
      l.failAll("replication closed before the write was submitted");
    }
  }
}
