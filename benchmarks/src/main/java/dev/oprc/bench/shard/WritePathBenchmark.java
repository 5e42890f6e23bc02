package dev.oprc.bench.shard;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.events.DeliveryLink;
import dev.oprc.odgm.events.OutboxDispatcher;
import dev.oprc.odgm.events.PayloadFormat;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.shard.Ids;
import dev.oprc.odgm.storage.InMemoryShardStorage;
import dev.oprc.odgm.shard.ObjectShard;
import dev.oprc.odgm.shard.WriteContext;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Write-path cost of {@code ObjectShard.setValue} (a changed value each call, so every call is a
 * real UPDATE): events off (the baseline), events on with no trigger on the object, and events on
 * with one trigger, on the in-memory storage. The delivery link is a no-op, so what is measured is
 * the writer's cost: match, context, payload and envelope encoding, the outbox record in the
 * write's batch and the non-blocking hand-off; publishing and retiring happen on the dispatcher
 * thread. The aux counters report how many dispatches were enqueued and how
 * many were refused because the queue was full, so the "one trigger" figure is not a drop path
 * in disguise.
 *
 * <p>Every mode also burns {@code requestWork} Blackhole tokens per call, standing for the rest of
 * a request (gRPC decode, response): without it the writer outruns the single dispatcher thread,
 * the bounded queue saturates and the benchmark would time the cheap refusal path. The figure to
 * read is the difference between modes, reported as "added" in benchmarks/results/write-path.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WritePathBenchmark {
  @Param({"events_off", "events_on_no_trigger", "events_on_one_trigger"})
  public String mode;

  @Param({"200"})
  public long requestWork;

  private ObjectShard shard;
  private OutboxDispatcher dispatcher;
  private ValData[] values;
  private int i;

  @Setup(Level.Iteration)
  public void setUp() {
    EventConfig cfg = EventConfig.defaults().withPayloadFormat(PayloadFormat.PROTOBUF).withQueueBound(8192)
        .withEnabled(!mode.equals("events_off"));
    InMemoryShardStorage storage = new InMemoryShardStorage(1L << 30);
    dispatcher = cfg.enabled() ? OutboxDispatcher.builder().events(cfg).store(storage).link(NOOP_LINK)
        .name("bench-outbox").start() : null;
    shard = new ObjectShard("bench", 0, 0, storage, new Ids(160), cfg, dispatcher, System::currentTimeMillis);
    ObjData.Builder o = ObjData.newBuilder().putEntries("status", val("init")).putEntries("other", val("x"));
    if (mode.equals("events_on_one_trigger")) {
      o.setEvent(ObjectEvent.newBuilder().putDataTrigger("status", DataTrigger.newBuilder()
          .addOnUpdate(TriggerTarget.newBuilder().setClsId("notify").setPartitionId(0).setFnId("on_status")).build()));
    }
    shard.set("order-1", o.build(), WriteContext.CLIENT);
    values = new ValData[1024];
    for (int k = 0; k < values.length; k++) {
      values[k] = val("value-" + k);
    }
  }

  /** A link that takes every record at once and settles at once (measures the writer, not Zenoh). */
  public static final DeliveryLink NOOP_LINK = new DeliveryLink() {
    @Override
    public boolean tryPublish(String key, byte[] envelope) {
      return true;
    }

    @Override
    public long epoch() {
      return 0;
    }

    @Override
    public boolean up() {
      return true;
    }

    @Override
    public long settleMillis() {
      return 0;
    }
  };

  static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  @TearDown(Level.Iteration)
  public void tearDown(Dispatches counters) {
    if (dispatcher != null) {
      counters.enqueued = dispatcher.stats().matched();
      counters.refused = dispatcher.stats().dropped();
      dispatcher.close(Duration.ofSeconds(30));
    }
  }

  /** Dispatch counters per iteration (reported by JMH next to the timing). */
  @AuxCounters(AuxCounters.Type.EVENTS)
  @State(Scope.Thread)
  public static class Dispatches {
    public long enqueued;
    public long refused;
  }

  @Benchmark
  public long setValue() {
    org.openjdk.jmh.infra.Blackhole.consumeCPU(requestWork);
    return shard.setValue("order-1", "status", values[i++ & 1023], WriteContext.CLIENT);
  }
}
