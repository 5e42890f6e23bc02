package dev.oprc.bench.changes;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.changes.ChangeStream;
import dev.oprc.odgm.node.NodeConfig;
import dev.oprc.odgm.node.OdgmNode;
import dev.oprc.odgm.node.ZenohTransport;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.ValData;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Change streams, in one process on one run (issue 20 §4): a RocksDB node (group sync) in peer mode
 * written by gRPC clients, with {@code ODGM_ZENOH_EVENT_PUBLISH} off and then on (a fresh data dir
 * each); with it on, a {@link ChangeStream} over a real Zenoh link counts the events it receives
 * and their latency (arrival wall time minus the event's {@code timestamp}, ms resolution); then the
 * time a fresh {@link ChangeStream} takes to replay 100k retained events; then off once more (order bias).
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.oprc.bench.changes.ChangeStreamBench [seconds] [writers]}.
 */
public final class ChangeStreamBench {
  private ChangeStreamBench() {}

  /** A node and its Zenoh session, data dir and gRPC channel. */
  private record Node(OdgmNode node, ZenohTransport transport, ManagedChannel channel) implements AutoCloseable {
    @Override
    public void close() {
      channel.shutdownNow();
      node.close();
      transport.close();
    }
  }

  private static Node start(Path dir, boolean publish) throws Exception {
    ZenohTransport t = ZenohTransport.open(Map.of("OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PORT", "0"));
    Map<String, String> env = new HashMap<>(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "rocksdb", "ODGM_DATA_DIR",
        dir.toString(), "ODGM_METRICS_PORT", "0", "ODGM_CHANGE_LOG_MAX_COUNT", "1000000",
        "ODGM_CHANGE_LOG_MAX_BYTES", Long.toString(1L << 30)));
    if (publish) {
      env.put("ODGM_ZENOH_EVENT_PUBLISH", "true");
    }
    CreateCollectionRequest c = CreateCollectionRequest.newBuilder().setName("bench").setPartitionCount(1).build();
    OdgmNode n = OdgmNode.builder().config(NodeConfig.fromEnv(env).withCollections(List.of(c))).transport(t).start();
    return new Node(n, t, ManagedChannelBuilder.forAddress("127.0.0.1", n.port()).usePlaintext().build());
  }

  /** Writes for {@code seconds} with {@code writers} threads; returns the writes acknowledged. */
  private static long write(Node n, int writers, double seconds) throws Exception {
    LongAdder done = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    List<Future<?>> fs = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int id = w;
      fs.add(pool.submit(() -> {
        DataServiceGrpc.DataServiceBlockingStub data = DataServiceGrpc.newBlockingStub(n.channel());
        for (int i = 0; !stop.get(); i++) {
          data.setValue(SetKeyRequest.newBuilder().setClsId("bench").setPartitionId(0).setObjectId("o" + id + "-"
              + (i % 64)).setKey("k").setValue(ValData.newBuilder().setData(ByteString.copyFromUtf8("value-" + i)))
              .build());
          done.increment();
        }
        return null;
      }));
    }
    Thread.sleep((long) (seconds * 1000));
    stop.set(true);
    for (Future<?> f : fs) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    return done.sum();
  }

  private static long timestamp(byte[] json) {
    String t = new String(json, StandardCharsets.UTF_8);
    int i = t.indexOf("\"timestamp\":") + 12;
    return Long.parseLong(t.substring(i, t.indexOf(',', i)));
  }

  private static ZenohTransport client(Node n) {
    return ZenohTransport.open(Map.of("OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PORT", "0", "OPRC_ZENOH_PEERS",
        "tcp/127.0.0.1:" + n.transport().session().listenPort()));
  }

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
    int writers = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    Path root = Files.createTempDirectory("odgm-change-bench");
    long off;
    try (Node n = start(root.resolve("off"), false)) {
      write(n, writers, 2); // warm-up
      off = write(n, writers, seconds);
    }
    ConcurrentHistogram latency = new ConcurrentHistogram(3);
    LongAdder received = new LongAdder();
    long on;
    long last;
    double replaySeconds;
    try (Node n = start(root.resolve("on"), true); ZenohTransport c = client(n)) {
      write(n, writers, 2);
      AtomicBoolean measuring = new AtomicBoolean();
      ChangeStream live = ChangeStream.builder(c.session(), "bench", 0).from(lastSeq(n))
          .listener(ch -> {
            if (measuring.get()) {
              received.increment();
              latency.recordValue(Math.max(0, System.currentTimeMillis() - timestamp(ch.json())));
            }
          }).start();
      try {
        measuring.set(true);
        on = write(n, writers, seconds);
        measuring.set(false);
      } finally {
        live.close();
      }
      while (true) { // at least 100k retained events
        last = lastSeq(n);
        if (last >= 100_000) {
          break;
        }
        write(n, writers, 2);
      }
      long from = last - 100_000;
      long t0 = System.nanoTime();
      try (ChangeStream r = ChangeStream.builder(c.session(), "bench", 0).from(from).listener(ch -> { }).start()) {
        while (r.token() < last) {
          Thread.sleep(1);
        }
      }
      replaySeconds = (System.nanoTime() - t0) / 1e9;
    }
    long offAgain; // off once more, after on: the JIT warms up during the first run
    try (Node n = start(root.resolve("off2"), false)) {
      write(n, writers, 2);
      offAgain = write(n, writers, seconds);
    }
    System.out.printf("writers %d, %.0f s per run%n", writers, seconds);
    System.out.printf("writes/s change log off (after on): %.0f%n", offAgain / seconds);
    System.out.printf("writes/s change log off: %.0f%n", off / seconds);
    System.out.printf("writes/s change log on:  %.0f (%.1f %% of the mean of both off runs)%n", on / seconds,
        200.0 * on / (off + offAgain));
    System.out.printf("events/s reaching the subscriber: %.0f (%d events for %d writes)%n", received.sum() / seconds,
        received.sum(), on);
    System.out.printf("write-to-subscriber latency (ms, event timestamp to arrival): p50 %d, p99 %d, max %d%n",
        latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), latency.getMaxValue());
    System.out.printf("replay of 100000 retained events (seqs %d..%d) by a fresh ChangeStream: %.2f s (%.0f events/s)%n",
        last - 99_999, last, replaySeconds, 100_000 / replaySeconds);
  }

  /** The node's last committed seq of partition 0 (read in process). */
  private static long lastSeq(Node n) {
    return n.node().shards().shard("bench", 0).changeLog().lastSeq();
  }
}
