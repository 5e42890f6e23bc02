package dev.oprc.bench.events;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.oprc.odgm.events.CompiledTarget;
import dev.oprc.odgm.events.EventContext;
import dev.oprc.odgm.events.EventType;
import dev.oprc.odgm.events.InvocationEnvelopes;
import dev.oprc.odgm.events.InvocationIdGenerator;
import dev.oprc.odgm.events.PayloadFormat;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.events.TriggerPayloadCodec;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Micro-benchmarks of the event core, one per step of the path from a write to the bytes of a
 * Zenoh PUT, mirroring upstream's {@code bench_event.rs}, plus two baselines measured in the same
 * run: {@link #baselineNoop} (the harness floor: return a field) and {@link #baselineHashMapGet}
 * (one {@code HashMap.get} on the same key, the floor for any hash-based match).
 *
 * <p>All inputs live in fields of a {@link State} object, so the JIT cannot constant-fold them;
 * results are returned, so JMH sinks them into its blackhole.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EventCoreBenchmark {
  // --- inputs (non-final fields: no constant folding) ---
  String cls = "test_class";
  int partition = 1;
  String objectId = "12345";
  String numericKey = "42";
  String stringKey = "status";
  byte[] tenBytes = "0123456789".getBytes(StandardCharsets.UTF_8);
  byte[] threeBytes = "hot".getBytes(StandardCharsets.UTF_8);
  long timestamp = Fixtures.TIMESTAMP;
  long version = 7L;

  String hitKey;
  String missKey;
  TriggerIndex index;
  Map<String, Object> hashMap;

  EventContext payloadCtx;
  TriggerPayloadCodec jsonCodec;
  TriggerPayloadCodec protobufCodec;

  CompiledTarget statefulTarget;
  CompiledTarget statelessTarget;
  ByteString payloadBytes;
  InvocationIdGenerator ids;

  @Setup
  public void setup() {
    // fresh copies so the keys are not the interned literals the index was built from
    hitKey = new String(Fixtures.HIT_KEY.toCharArray());
    missKey = new String(Fixtures.MISS_KEY.toCharArray());
    index = TriggerIndex.compile(Fixtures.objectEvent());
    hashMap = new HashMap<>();
    hashMap.put(Fixtures.HIT_KEY, index);
    hashMap.put("process", index);

    payloadCtx = Fixtures.dataUpdate();
    jsonCodec = new TriggerPayloadCodec(PayloadFormat.JSON);
    protobufCodec = new TriggerPayloadCodec(PayloadFormat.PROTOBUF);

    statefulTarget = CompiledTarget.of(Fixtures.statefulTarget());
    statelessTarget = CompiledTarget.of(Fixtures.statelessTarget());
    payloadBytes = UnsafeByteOperations.unsafeWrap(jsonCodec.encode(payloadCtx));
    ids = InvocationIdGenerator.unique();
    if (index.match(EventType.DATA_CREATE, hitKey).size() != 2
        || !index.match(EventType.DATA_CREATE, missKey).isEmpty()) {
      throw new IllegalStateException("fixture does not match as expected");
    }
  }

  // --- baselines ---

  /** Harness floor: return a field (what every benchmark below pays at least). */
  @Benchmark
  public Object baselineNoop() {
    return index;
  }

  /** One HashMap.get on the hit key: the floor for a hash-based match. */
  @Benchmark
  public Object baselineHashMapGet() {
    return hashMap.get(hitKey);
  }

  // --- event context creation (upstream: event_context_creation / _str_key) ---

  @Benchmark
  public EventContext contextCreateNumericKey() {
    return new EventContext(cls, partition, objectId, EventType.DATA_UPDATE, numericKey, version, timestamp,
        tenBytes, null, 0, null);
  }

  @Benchmark
  public EventContext contextCreateStringKey() {
    return new EventContext(cls, partition, objectId, EventType.DATA_UPDATE, stringKey, version, timestamp,
        threeBytes, null, 0, null);
  }

  // --- match (upstream: trigger_collection) ---

  /** DATA_CREATE on the key that has two targets. */
  @Benchmark
  public List<CompiledTarget> matchHit() {
    return index.match(EventType.DATA_CREATE, hitKey);
  }

  /** DATA_CREATE on a key with no trigger: must allocate nothing. */
  @Benchmark
  public List<CompiledTarget> matchMiss() {
    return index.match(EventType.DATA_CREATE, missKey);
  }

  // --- payload serialization (upstream: payload_serialization_json / _protobuf) ---

  @Benchmark
  public byte[] payloadJson() {
    return jsonCodec.encode(payloadCtx);
  }

  @Benchmark
  public byte[] payloadProtobuf() {
    return protobufCodec.encode(payloadCtx);
  }

  // --- envelope (no upstream counterpart) ---

  /**
   * ObjectInvocationRequest around the JSON payload, with one req_option and our headers, for a
   * compiled target (what the dispatcher does per target).
   */
  @Benchmark
  public byte[] envelopeStateful() {
    return InvocationEnvelopes.build(payloadCtx, statefulTarget, payloadBytes);
  }

  /** InvocationRequest around the JSON payload, with our headers. */
  @Benchmark
  public byte[] envelopeStateless() {
    return InvocationEnvelopes.build(payloadCtx, statelessTarget, payloadBytes);
  }

  // --- a dispatcher worker's whole job for one event, minus the queue and the publisher ---

  /**
   * Match, JSON payload once, then key (prefix + fresh invocation id) and envelope for each of the
   * two targets: what the write path's event assembly does per event, minus filters, the write's
   * batch and the PUT.
   */
  @Benchmark
  public void dispatchPathTwoTargets(Blackhole bh) {
    List<CompiledTarget> targets = index.match(EventType.DATA_CREATE, hitKey);
    ByteString payload = UnsafeByteOperations.unsafeWrap(jsonCodec.encode(payloadCtx));
    for (int i = 0; i < targets.size(); i++) {
      CompiledTarget t = targets.get(i);
      bh.consume(t.keyPrefix() + ids.next(payloadCtx, t));
      bh.consume(InvocationEnvelopes.build(payloadCtx, t, payload));
    }
  }
}
