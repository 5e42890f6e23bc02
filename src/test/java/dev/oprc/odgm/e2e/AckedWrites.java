package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.SingleObjectRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Paced client writes against a cluster, as a real client does them: write {@code i} creates
 * object {@code o<i>} (partition {@code i % partitions}, entry k = v<i>, an on_create trigger, see
 * {@link DurabilityProcessTest#write}); a failed or timed-out attempt is retried on the next live
 * member until it is acknowledged or {@link #GIVE_UP_NANOS} passed (a retry is idempotent: the
 * same object, entries and triggers again change nothing and emit nothing). Records when each
 * write was acknowledged, for the acknowledged set and the failover gap.
 *
 * <p>Thread-safe; {@link #run} blocks its caller while its own pool writes.
 */
final class AckedWrites {
  private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(20);

  private final LocalCluster cluster;
  private final String collection;
  private final int partitions;
  /** Ack time (System.nanoTime) per acknowledged write index. */
  final Map<Integer, Long> ackedAt = new ConcurrentHashMap<>();
  final AtomicInteger failedAttempts = new AtomicInteger();
  private final AtomicBoolean stop = new AtomicBoolean();

  AckedWrites(LocalCluster cluster, String collection, int partitions) {
    this.cluster = cluster;
    this.collection = collection;
    this.partitions = partitions;
  }

  /** Writes {@code from .. from+count-1} at {@code perSecond} with {@code threads} clients, spread over {@code targets}. */
  void run(int threads, int from, int count, int perSecond, Supplier<List<Long>> targets) throws Exception {
    AtomicInteger next = new AtomicInteger(from);
    long start = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> new Thread(r, "acked-writer"));
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(pool.submit(() -> {
        int i;
        while (!stop.get() && (i = next.getAndIncrement()) < from + count) {
          long wait = start + (i - from) * 1_000_000_000L / perSecond - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
          writeOne(i, targets);
        }
        return null;
      }));
    }
    pool.shutdown();
    try {
      for (Future<?> f : futures) {
        f.get(count / Math.max(1, perSecond) + 300L, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Makes running writers finish their current write and stop. */
  void stop() {
    stop.set(true);
  }

  private void writeOne(int i, Supplier<List<Long>> targets) throws InterruptedException {
    long first = System.nanoTime();
    for (int attempt = 0; System.nanoTime() - first < GIVE_UP_NANOS && !stop.get(); attempt++) {
      List<Long> live = targets.get();
      long id = live.get(Math.floorMod(i + attempt, live.size()));
      try {
        DurabilityProcessTest.write(cluster.node(id).data().withDeadlineAfter(2, TimeUnit.SECONDS), collection,
            i % partitions, i);
        ackedAt.put(i, System.nanoTime());
        return;
      } catch (RuntimeException e) {
        failedAttempts.incrementAndGet();
        Thread.sleep(50);
      }
    }
  }

  Set<Integer> acked() {
    return new TreeSet<>(ackedAt.keySet());
  }

  int ackedCount() {
    return ackedAt.size();
  }

  /**
   * The gap in acknowledgements around {@code instant}: from the last ack before it to the first
   * after it, in ms; -1 when there is no ack after it.
   */
  long ackGapAroundMillis(long instant) {
    ConcurrentSkipListMap<Long, Integer> byTime = new ConcurrentSkipListMap<>();
    ackedAt.forEach((i, t) -> byTime.put(t, i));
    Long before = byTime.floorKey(instant);
    Long after = byTime.ceilingKey(instant);
    if (after == null) {
      return -1;
    }
    return TimeUnit.NANOSECONDS.toMillis(after - (before == null ? instant : before));
  }

  /**
   * From {@code instant} to the first acknowledgement after it of a write to {@code partition}, in
   * ms; -1 when there is none.
   */
  long firstAckAfterMillis(long instant, int partition) {
    long first = Long.MAX_VALUE;
    for (Map.Entry<Integer, Long> e : ackedAt.entrySet()) {
      if (e.getKey() % partitions == partition && e.getValue() > instant && e.getValue() < first) {
        first = e.getValue();
      }
    }
    return first == Long.MAX_VALUE ? -1 : TimeUnit.NANOSECONDS.toMillis(first - instant);
  }

  /** Waits up to {@code within} for a write to {@code partition} acknowledged after {@code instant}; true when one was. */
  boolean awaitAckAfter(long instant, int partition, java.time.Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (firstAckAfterMillis(instant, partition) < 0) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  /** Reads every acknowledged write back through {@code via} (4 readers); fails naming the first missing ones. */
  void assertAllStored(List<Long> via) throws Exception {
    List<Integer> acked = new ArrayList<>(acked());
    List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(4, r -> new Thread(r, "acked-reader"));
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int r = 0; r < 4; r++) {
        int reader = r;
        fs.add(pool.submit(() -> {
          for (int j = reader; j < acked.size(); j += 4) {
            String problem = check(acked.get(j), via.get(j % via.size()));
            if (problem != null) {
              wrong.add(problem);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get(180, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(wrong).as("acknowledged writes not read back (of %d)", acked.size()).isEmpty();
  }

  /**
   * Reads write {@code i} back; UNAVAILABLE (the partition's new leader is still loading, "retry")
   * is retried for up to 10 s, as a client would, since the reads may start right after an election.
   */
  private String check(int i, long via) throws InterruptedException {
    SingleObjectRequest req = SingleObjectRequest.newBuilder().setClsId(collection).setPartitionId(i % partitions)
        .setObjectId("o" + i).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      DataServiceGrpc.DataServiceBlockingStub data = cluster.node(via).data().withDeadlineAfter(10, TimeUnit.SECONDS);
      try {
        ObjData o = data.get(req).getObj();
        String v = o.getEntriesMap().containsKey("k") ? o.getEntriesMap().get("k").getData().toStringUtf8() : null;
        return ("v" + i).equals(v) ? null : "o" + i + " has k=" + v;
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || System.nanoTime() > deadline) {
          return "o" + i + ": " + e.getMessage();
        }
        Thread.sleep(100);
      } catch (RuntimeException e) {
        return "o" + i + ": " + e.getMessage();
      }
    }
  }
}
