package dev.oprc.bench.shard;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.events.OutboxConfig;
import dev.oprc.odgm.events.OutboxDispatcher;
import dev.oprc.odgm.events.PayloadFormat;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.shard.Ids;
import dev.oprc.odgm.shard.ObjectShard;
import dev.oprc.odgm.shard.WriteContext;
import dev.oprc.odgm.storage.InMemoryShardStorage;
import dev.oprc.odgm.storage.RocksStorageEngine;
import dev.oprc.odgm.storage.ShardStorage;
import dev.oprc.odgm.storage.SyncMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SetValue with one trigger through the whole write path (match, outbox record, atomic batch,
 * sync, hand-off to the dispatcher, publish on a no-op link, retire) on each storage: memory, and
 * RocksDB with sync none, group and always. Every JMH thread writes its own object (concurrent
 * writers of different objects, as a node serves them). Run with {@code -t 1}, {@code -t 8} and
 * {@code -t 64} for the writer counts; throughput is writes per second over all threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class StorageWriteBenchmark {
  @Param({"memory", "rocksdb_none", "rocksdb_group", "rocksdb_always"})
  public String storage;

  private Path dir;
  private RocksStorageEngine engine;
  private ObjectShard shard;
  private final AtomicInteger threads = new AtomicInteger();

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    EventConfig cfg = EventConfig.defaults().withPayloadFormat(PayloadFormat.JSON);
    Ids ids = new Ids(160);
    ShardStorage st;
    if (storage.equals("memory")) {
      st = new InMemoryShardStorage(1L << 30);
    } else {
      dir = Files.createTempDirectory("odgm-bench-");
      engine = RocksStorageEngine.open(dir, SyncMode.parse(storage.substring("rocksdb_".length()), "storage"));
      st = engine.shard("bench", 0, ev -> TriggerIndex.compile(ev, ids::entryKey), 65_536, 1L << 30);
    }
    OutboxDispatcher d = OutboxDispatcher.builder().events(cfg).config(OutboxConfig.defaults().withMaxBytes(1L << 30))
        .store(st.outbox()).link(WritePathBenchmark.NOOP_LINK).gate(st.durability()).name("bench-outbox").start();
    shard = new ObjectShard("bench", 0, 0, st, ids, cfg, d, System::currentTimeMillis);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    shard.close(30_000);
    if (engine != null) {
      engine.close();
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** One writer's object, with an on_update trigger on "status". */
  @State(Scope.Thread)
  public static class Writer {
    String oid;
    ValData[] values = new ValData[256];
    int i;

    @Setup(Level.Trial)
    public void setUp(StorageWriteBenchmark b) {
      oid = "order-" + b.threads.incrementAndGet();
      b.shard.set(oid, ObjData.newBuilder().putEntries("status", val("init"))
          .setEvent(ObjectEvent.newBuilder().putDataTrigger("status", DataTrigger.newBuilder()
              .addOnUpdate(TriggerTarget.newBuilder().setClsId("notify").setPartitionId(0).setFnId("on_status"))
              .build())).build(), WriteContext.CLIENT);
      for (int k = 0; k < values.length; k++) {
        values[k] = val("value-" + k);
      }
    }
  }

  static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  @Benchmark
  public long setValueWithOneTrigger(Writer w) {
    return shard.setValue(w.oid, "status", w.values[w.i++ & 255], WriteContext.CLIENT);
  }
}
