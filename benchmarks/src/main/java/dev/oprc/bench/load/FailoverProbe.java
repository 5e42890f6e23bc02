package dev.oprc.bench.load;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.ValData;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures a cluster's failover as a client sees it: {@code writers} closed-loop clients write
 * (SetValue, 1 s deadline, a failed call retried on the next live node; writer w writes partition
 * w mod partitions) while the leader of partition 0 is killed with SIGKILL {@code kills} times in a
 * row (the killed node is restarted and every partition has a leader again before the next kill),
 * then stopped gracefully (SIGTERM) and restarted once. A kill's failover time runs from the kill
 * to the first acknowledged write to partition 0 after it; the graceful restart's unavailability is
 * the longest gap between acknowledged writes to partition 0 from the SIGTERM until the restarted
 * node has served for a while (its leadership returns to it meanwhile). Runs on the calling thread
 * plus its own pool, closed before it returns; not thread-safe.
 */
final class FailoverProbe {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  /** What the kills and the graceful restart showed. */
  record Summary(List<Long> killGapsMillis, long gracefulMaxGapMillis, long acked, long failedCalls) {
    String describe() {
      List<Long> sorted = new ArrayList<>(killGapsMillis);
      sorted.sort(null);
      String kills = sorted.isEmpty() ? "no kills" : sorted.size() + " leader kills (kill -9 → first acknowledged "
          + "write to partition 0): " + killGapsMillis + " ms, p50 " + sorted.get((sorted.size() - 1) / 2)
          + " ms, p99 (max) " + sorted.get(sorted.size() - 1) + " ms";
      return kills + "; graceful leader restart: longest gap between acknowledged writes to partition 0 "
          + gracefulMaxGapMillis + " ms; " + acked + " writes acknowledged, " + failedCalls
          + " calls failed and were retried";
    }
  }

  private FailoverProbe() {}

  /** Kills the leader {@code kills} times, then restarts it gracefully once; needs a leader of partition 0. */
  static Summary run(NodeGroup nodes, String collection, int partitions, int writers, int kills, Duration settle)
      throws Exception {
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      channels.add(nodes.get(i).channelBuilder().build());
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong failed = new AtomicLong();
    AtomicLong acked = new AtomicLong();
    ConcurrentSkipListSet<Long> zeroAcks = new ConcurrentSkipListSet<>();
    ExecutorService pool = Executors.newFixedThreadPool(writers, r -> new Thread(r, "failover-writer"));
    List<Future<?>> running = new ArrayList<>();
    try {
      for (int w = 0; w < writers; w++) {
        int writer = w;
        running.add(pool.submit(() -> write(writer, nodes, channels, collection, partitions, stop, failed, acked,
            writer % partitions == 0 ? zeroAcks : null)));
      }
      List<Long> gaps = new ArrayList<>();
      for (int k = 0; k < kills; k++) {
        Thread.sleep(settle.toMillis());
        int leader = leaderOf(nodes, collection);
        nodes.get(leader).kill9();
        long killed = System.nanoTime();
        gaps.add(TimeUnit.NANOSECONDS.toMillis(firstAckAfter(zeroAcks, killed) - killed));
        System.out.println("  failover: kill " + (k + 1) + " of node " + (leader + 1) + ": first write acknowledged "
            + gaps.get(gaps.size() - 1) + " ms after");
        nodes.restart(leader);
        nodes.awaitReady(120_000, collection, partitions);
      }
      long graceful = gracefulRestart(nodes, collection, partitions, zeroAcks, settle);
      return new Summary(gaps, graceful, acked.get(), failed.get());
    } finally {
      stop.set(true);
      for (Future<?> f : running) {
        f.cancel(false);
      }
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
      for (ManagedChannel c : channels) {
        c.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
      }
    }
  }

  private static long gracefulRestart(NodeGroup nodes, String collection, int partitions,
      ConcurrentSkipListSet<Long> zeroAcks, Duration settle) throws IOException, InterruptedException {
    Thread.sleep(settle.toMillis());
    int leader = leaderOf(nodes, collection);
    long stopped = System.nanoTime();
    nodes.stop(leader);
    System.out.println("  failover: node " + (leader + 1) + " stopped gracefully after "
        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped) + " ms");
    nodes.restart(leader);
    nodes.awaitReady(120_000, collection, partitions);
    Thread.sleep(settle.toMillis() + 5_000); // the preferred leader takes its groups back meanwhile
    long end = System.nanoTime();
    Long prev = zeroAcks.floor(stopped);
    long longest = 0;
    for (long t : zeroAcks.subSet(stopped, end)) {
      longest = Math.max(longest, t - (prev == null ? stopped : prev));
      prev = t;
    }
    return TimeUnit.NANOSECONDS.toMillis(longest);
  }

  /** The index of the leader of partition 0, waiting up to 30 s for one. */
  private static int leaderOf(NodeGroup nodes, String collection) throws InterruptedException {
    long deadline = System.nanoTime() + 30 * SECOND;
    while (true) {
      java.util.OptionalLong l = nodes.leader(collection, 0);
      if (l.isPresent()) {
        return (int) l.getAsLong();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no leader of " + collection + "/0 within 30 s");
      }
      Thread.sleep(50);
    }
  }

  private static long firstAckAfter(ConcurrentSkipListSet<Long> acks, long instant) throws InterruptedException {
    long deadline = instant + 60 * SECOND;
    Long first;
    while ((first = acks.higher(instant)) == null) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no write acknowledged within 60 s of the kill");
      }
      Thread.sleep(1);
    }
    return first;
  }

  /** One client's loop; records the instants (System.nanoTime) of its acknowledged writes in {@code acks} if given. */
  private static Void write(int writer, NodeGroup nodes, List<ManagedChannel> channels, String collection,
      int partitions, AtomicBoolean stop, AtomicLong failed, AtomicLong acked, ConcurrentSkipListSet<Long> acks)
      throws InterruptedException {
    int via = writer;
    for (long n = 0; !stop.get(); n++) {
      int node = Math.floorMod(via, channels.size());
      if (!nodes.get(node).alive()) {
        via++;
        continue;
      }
      try {
        DataServiceGrpc.newBlockingStub(channels.get(node)).withDeadlineAfter(1, TimeUnit.SECONDS)
            .setValue(SetKeyRequest.newBuilder().setClsId(collection).setPartitionId(writer % partitions)
                .setObjectId("failover-" + writer).setKey("k")
                .setValue(ValData.newBuilder().setData(ByteString.copyFromUtf8(Long.toString(n)))).build());
        acked.incrementAndGet();
        if (acks != null) {
          acks.add(System.nanoTime());
        }
      } catch (StatusRuntimeException e) {
        failed.incrementAndGet();
        via++;
        Thread.sleep(20);
      }
    }
    return null;
  }
}
