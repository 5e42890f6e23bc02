package dev.oprc.odgm.shard;

import dev.oprc.odgm.events.EventMeters;
import dev.oprc.odgm.events.EventType;
import dev.oprc.odgm.metrics.MeterSpec;
import dev.oprc.odgm.metrics.PartitionMeters;
import java.util.ArrayList;
import java.util.List;

/**
 * Binds a shard's counters and gauges to its partition's meters when it opens (basic shards at
 * start, raft shards when this node becomes the leader): the shard's own ({@link #OBJECTS}, the
 * {@code emitted} counters) and its dispatcher's ({@link EventMeters}). With events disabled the
 * event meters read 0, as before. Stateless.
 */
public final class ShardMeters {
  /** Live objects of the partition (Stats' {@code count}). */
  public static final MeterSpec OBJECTS = MeterSpec.gauge("odgm.objects", "live objects").inStats("count");

  /** Every per-partition counter and gauge a shard registers. */
  public static final List<MeterSpec> ALL;

  static {
    List<MeterSpec> all = new ArrayList<>(List.of(OBJECTS, EventMeters.EMITTED_CREATE, EventMeters.EMITTED_UPDATE,
        EventMeters.EMITTED_DELETE));
    all.addAll(EventMeters.DISPATCHER);
    ALL = List.copyOf(all);
  }

  private ShardMeters() {}

  /** Registers {@code shard}'s meters with {@code m} (once, when the shard opens). */
  public static void bind(PartitionMeters m, ObjectShard shard) {
    m.register(OBJECTS, shard::count)
        .register(EventMeters.EMITTED_CREATE, () -> shard.emitted(EventType.DATA_CREATE))
        .register(EventMeters.EMITTED_UPDATE, () -> shard.emitted(EventType.DATA_UPDATE))
        .register(EventMeters.EMITTED_DELETE, () -> shard.emitted(EventType.DATA_DELETE));
    if (shard.dispatcher() != null) {
      shard.dispatcher().registerMeters(m);
    } else {
      for (MeterSpec spec : EventMeters.DISPATCHER) {
        m.register(spec, () -> 0); // events disabled: the series exist and stay 0
      }
      m.timer(EventMeters.DISPATCH_LATENCY);
    }
  }
}
