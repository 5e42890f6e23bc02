package dev.oprc.bench.changes;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.node.NodeConfig;
import dev.oprc.odgm.node.OdgmNode;
import dev.oprc.odgm.node.ZenohTransport;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.shard.ObjectShard;
import dev.oprc.odgm.shard.WriteContext;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
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

/**
 * An in-process RocksDB node (group sync, Zenoh peer mode, collection {@code bench} with one
 * partition) with its Zenoh session and a gRPC channel, and the closed-loop gRPC writers the change
 * stream benchmarks drive it with. Not thread-safe: one benchmark thread owns it.
 */
record BenchNode(OdgmNode node, ZenohTransport transport, ManagedChannel channel) implements AutoCloseable {
  /** Starts a node on {@code dir}; {@code publish} sets {@code ODGM_ZENOH_EVENT_PUBLISH} (the change log). */
  static BenchNode start(Path dir, boolean publish) throws java.io.IOException {
    ZenohTransport t = ZenohTransport.open(Map.of("OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PORT", "0"));
    Map<String, String> env = new HashMap<>(Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "rocksdb", "ODGM_DATA_DIR",
        dir.toString(), "ODGM_METRICS_PORT", "0", "ODGM_CHANGE_LOG_MAX_COUNT", "1000000",
        "ODGM_CHANGE_LOG_MAX_BYTES", Long.toString(1L << 30)));
    if (publish) {
      env.put("ODGM_ZENOH_EVENT_PUBLISH", "true");
    }
    CreateCollectionRequest c = CreateCollectionRequest.newBuilder().setName("bench").setPartitionCount(1).build();
    OdgmNode n = OdgmNode.builder().config(NodeConfig.fromEnv(env).withCollections(List.of(c))).transport(t).start();
    return new BenchNode(n, t, ManagedChannelBuilder.forAddress("127.0.0.1", n.port()).usePlaintext().build());
  }

  /** Writes for {@code seconds} with {@code writers} gRPC clients, each on 64 objects of its own; returns the writes acknowledged. */
  long write(int writers, double seconds) throws Exception {
    return write(writers, seconds, false);
  }

  /**
   * Writes for {@code seconds} with {@code writers} threads, each on 64 objects of its own, through
   * gRPC or ({@code direct}) calling the partition's shard in process (no request decoding: the
   * storage and event path alone); returns the writes acknowledged (durable).
   */
  long write(int writers, double seconds, boolean direct) throws Exception {
    LongAdder done = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int id = w;
        fs.add(pool.submit(() -> direct ? writeDirectUntil(id, stop, done) : writeUntil(id, stop, done)));
      }
      Thread.sleep((long) (seconds * 1000));
      stop.set(true);
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
      return done.sum();
    } finally {
      pool.shutdown();
    }
  }

  private Void writeUntil(int writer, AtomicBoolean stop, LongAdder done) {
    DataServiceGrpc.DataServiceBlockingStub data = DataServiceGrpc.newBlockingStub(channel);
    for (int i = 0; !stop.get(); i++) {
      data.setValue(SetKeyRequest.newBuilder().setClsId("bench").setPartitionId(0).setObjectId("o" + writer + "-"
          + (i % 64)).setKey("k").setValue(ValData.newBuilder().setData(ByteString.copyFromUtf8("value-" + i)))
          .build());
      done.increment();
    }
    return null;
  }

  private Void writeDirectUntil(int writer, AtomicBoolean stop, LongAdder done) {
    ObjectShard shard = node.shards().shard("bench", 0);
    for (int i = 0; !stop.get(); i++) {
      shard.setValue("o" + writer + "-" + (i % 64), "k", ValData.newBuilder().setData(ByteString.copyFromUtf8("value-"
          + i)).build(), WriteContext.CLIENT);
      done.increment();
    }
    return null;
  }

  /** A client Zenoh session linked to this node's. */
  ZenohTransport client() {
    return ZenohTransport.open(Map.of("OPRC_ZENOH_MODE", "peer", "OPRC_ZENOH_PORT", "0", "OPRC_ZENOH_PEERS",
        "tcp/127.0.0.1:" + transport.session().listenPort()));
  }

  /** The node's last committed seq of partition 0 (read in process). */
  long lastSeq() {
    return node.shards().shard("bench", 0).changeLog().lastSeq();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    node.close();
    transport.close();
  }
}
