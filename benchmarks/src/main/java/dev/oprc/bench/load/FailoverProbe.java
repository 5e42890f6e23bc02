package dev.oprc.bench.load;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.ValData;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures a cluster's failover as a client sees it: {@code writers} closed-loop clients write
 * (SetValue, 1 s deadline, a failed call retried on the next live node) while the leader of
 * partition 0 is killed with SIGKILL; the failover time is the gap between the last write
 * acknowledged before the kill and the first one after it. Runs on the calling thread plus its own
 * pool, closed before it returns; not thread-safe.
 */
final class FailoverProbe {
  /** What one kill showed. */
  record Result(int killedNode, long gapMillis, long acked, long failedCalls) {
    String describe() {
      return "leader node " + killedNode + " killed -9: writes resumed after " + gapMillis
          + " ms (last acknowledged write before the kill → first after); " + acked + " writes acknowledged, "
          + failedCalls + " calls failed and were retried";
    }
  }

  private FailoverProbe() {}

  /** Writes for {@code before}, kills the leader, writes for {@code after}; needs a leader of partition 0. */
  static Result run(NodeGroup nodes, String collection, int partitions, int writers, Duration before, Duration after)
      throws Exception {
    int leader = (int) nodes.leader(collection, 0).orElseThrow(() -> new IllegalStateException("no leader"));
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      channels.add(ManagedChannelBuilder.forTarget(nodes.get(i).target()).usePlaintext().build());
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong failed = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(writers, r -> new Thread(r, "failover-writer"));
    List<Future<List<Long>>> acks = new ArrayList<>();
    try {
      for (int w = 0; w < writers; w++) {
        int writer = w;
        acks.add(pool.submit(() -> write(writer, nodes, channels, collection, partitions, stop, failed)));
      }
      Thread.sleep(before.toMillis());
      nodes.get(leader).kill9();
      long killed = System.nanoTime();
      Thread.sleep(after.toMillis());
      stop.set(true);
      TreeSet<Long> all = new TreeSet<>();
      for (Future<List<Long>> f : acks) {
        all.addAll(f.get(30, TimeUnit.SECONDS));
      }
      Long last = all.floor(killed);
      Long first = all.ceiling(killed);
      long gap = first == null ? -1 : TimeUnit.NANOSECONDS.toMillis(first - (last == null ? killed : last));
      return new Result(leader + 1, gap, all.size(), failed.get());
    } finally {
      stop.set(true);
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
      for (ManagedChannel c : channels) {
        c.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
      }
    }
  }

  /** One client's loop; returns the instants (System.nanoTime) of its acknowledged writes. */
  private static List<Long> write(int writer, NodeGroup nodes, List<ManagedChannel> channels, String collection,
      int partitions, AtomicBoolean stop, AtomicLong failed) throws InterruptedException {
    List<Long> acked = new ArrayList<>();
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
        acked.add(System.nanoTime());
      } catch (StatusRuntimeException e) {
        failed.incrementAndGet();
        via++;
        Thread.sleep(20);
      }
    }
    return acked;
  }
}
