package dev.oprc.bench.events;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.CompiledTarget;
import dev.oprc.odgm.events.EventContext;
import dev.oprc.odgm.events.EventType;
import dev.oprc.odgm.events.FilterExpressions;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.TriggerTarget;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of trigger filters on the write path: the match of one changed key against an object's
 * compiled triggers (one target), with a filter that passes and one that rejects, against today's
 * plain match in the same run. Every benchmark runs what the shard runs per changed key: the
 * {@link TriggerIndex#match} lookup, then {@link CompiledTarget#accepts} per target (a null check
 * for a target without a filter). The event (with its entry values, which the write read anyway)
 * is built before, as on the write path.
 *
 * <p>Filters: an attribute filter ({@code not created by depth >= 1}), a JSON member compared as
 * a number ({@code amount > 1000}), and old vs new ({@code status changed to shipped}), on a
 * 60-byte JSON value.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FilterMatchBenchmark {
  String key;
  TriggerIndex plain;
  TriggerIndex depth;
  TriggerIndex amount;
  TriggerIndex changed;
  EventContext pass;
  EventContext reject;

  @Setup
  public void setup() {
    key = new String("order".toCharArray()); // not the literal the index was built from
    plain = index(null);
    depth = index("not created by depth >= 1");
    amount = index("amount > 1000");
    changed = index("status changed to shipped");
    pass = event("{\"id\":\"o-17\",\"status\":\"shipped\",\"amount\":1500,\"items\":3}",
        "{\"id\":\"o-17\",\"status\":\"paid\",\"amount\":1500,\"items\":3}", 0);
    reject = event("{\"id\":\"o-17\",\"status\":\"paid\",\"amount\":20,\"items\":3}",
        "{\"id\":\"o-17\",\"status\":\"paid\",\"amount\":10,\"items\":3}", 1);
    for (TriggerIndex i : new TriggerIndex[] {depth, amount, changed}) {
      if (fired(i, pass) != 1 || fired(i, reject) != 0) {
        throw new IllegalStateException("fixture does not filter as expected: " + i);
      }
    }
  }

  private static TriggerIndex index(String when) {
    TriggerTarget.Builder t = TriggerTarget.newBuilder().setClsId("notify").setPartitionId(0).setFnId("ship");
    if (when != null) {
      t.setFilter(FilterExpressions.parse(when));
    }
    return TriggerIndex.compile(ObjectEvent.newBuilder()
        .putDataTrigger("order", DataTrigger.newBuilder().addOnUpdate(t).build()).build());
  }

  private static EventContext event(String newValue, String oldValue, int depth) {
    return new EventContext("orders", 1, "o-17", EventType.DATA_UPDATE, "order", 7, Fixtures.TIMESTAMP, null, null,
        depth, null, ByteString.copyFromUtf8(newValue), ByteString.copyFromUtf8(oldValue), null);
  }

  /** What the shard does per changed key: match, then ask each target. */
  private int fired(TriggerIndex index, EventContext e) {
    List<CompiledTarget> targets = index.match(EventType.DATA_UPDATE, key);
    int n = 0;
    for (int i = 0; i < targets.size(); i++) {
      if (targets.get(i).accepts(e)) {
        n++;
      }
    }
    return n;
  }

  /** Today's match: the lookup alone (what ObjectShard ran before filters existed). */
  @Benchmark
  public List<CompiledTarget> plainMatch() {
    return plain.match(EventType.DATA_UPDATE, key);
  }

  /** The lookup plus the accepts loop, for a target without a filter. */
  @Benchmark
  public int plainMatchAccepts() {
    return fired(plain, pass);
  }

  @Benchmark
  public int depthFilterPass() {
    return fired(depth, pass);
  }

  @Benchmark
  public int depthFilterReject() {
    return fired(depth, reject);
  }

  @Benchmark
  public int amountFilterPass() {
    return fired(amount, pass);
  }

  @Benchmark
  public int amountFilterReject() {
    return fired(amount, reject);
  }

  @Benchmark
  public int changedFilterPass() {
    return fired(changed, pass);
  }

  @Benchmark
  public int changedFilterReject() {
    return fired(changed, reject);
  }
}
