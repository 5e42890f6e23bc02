package dev.oprc.bench.shard;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.events.OutboxConfig;
import dev.oprc.odgm.events.OutboxDispatcher;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.shard.Ids;
import dev.oprc.odgm.shard.ObjectShard;
import dev.oprc.odgm.shard.WriteContext;
import dev.oprc.odgm.storage.RocksStorageEngine;
import dev.oprc.odgm.storage.SyncMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
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
 * What the outbox adds to a write: SetValue on RocksDB with sync none, with no trigger on the
 * object (the baseline) and with one trigger (match, payload, envelope, deterministic id, the
 * record in the same batch, the hand-off). Sampled latency, so p50 and p99 of both are read from
 * one run; the difference of the p50s is the outbox's cost on the write path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class OutboxCostBenchmark {
  @Param({"no_trigger", "one_trigger"})
  public String mode;

  private Path dir;
  private RocksStorageEngine engine;
  private ObjectShard shard;
  private final ValData[] values = new ValData[256];
  private int i;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("odgm-bench-");
    engine = RocksStorageEngine.open(dir, SyncMode.NONE);
    Ids ids = new Ids(160);
    var st = engine.shard("bench", 0, ev -> TriggerIndex.compile(ev, ids::entryKey), 65_536, 1L << 30);
    EventConfig cfg = EventConfig.defaults();
    OutboxDispatcher d = OutboxDispatcher.builder().events(cfg).config(OutboxConfig.defaults().withMaxBytes(1L << 30))
        .store(st.outbox()).link(WritePathBenchmark.NOOP_LINK).gate(st.durability()).name("bench-outbox").start();
    shard = new ObjectShard("bench", 0, 0, st, ids, cfg, d, System::currentTimeMillis);
    ObjData.Builder o = ObjData.newBuilder().putEntries("status", val("init"));
    if (mode.equals("one_trigger")) {
      o.setEvent(ObjectEvent.newBuilder().putDataTrigger("status", DataTrigger.newBuilder()
          .addOnUpdate(TriggerTarget.newBuilder().setClsId("notify").setPartitionId(0).setFnId("on_status")).build()));
    }
    shard.set("order-1", o.build(), WriteContext.CLIENT);
    for (int k = 0; k < values.length; k++) {
      values[k] = val("value-" + k);
    }
  }

  static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    shard.close(30_000);
    engine.close();
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public long setValue() {
    return shard.setValue("order-1", "status", values[i++ & 255], WriteContext.CLIENT);
  }
}
