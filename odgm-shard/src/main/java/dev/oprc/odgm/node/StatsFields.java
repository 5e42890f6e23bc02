package dev.oprc.odgm.node;

import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.oprc.odgm.metrics.MeterSpec;
import dev.oprc.odgm.metrics.NodeMeterRegistry;
import dev.oprc.odgm.proto.EventStatsProto;
import dev.oprc.odgm.proto.ShardStats;
import java.util.ArrayList;
import java.util.List;

/**
 * The counter fields of the per-shard {@code Stats} reply, filled from the node's meter registry:
 * each field is the value of the meter whose declaration names it ({@link MeterSpec#statsField()}:
 * {@code count} is a {@link ShardStats} field, {@code events.x} one of its {@link EventStatsProto}),
 * so {@code Stats} and {@code /metrics} read the same sources. Immutable, thread-safe.
 */
final class StatsFields {
  static final String EVENTS_PREFIX = "events.";

  private record Field(MeterSpec spec, FieldDescriptor field, boolean inEvents) {}

  private final List<Field> fields;

  private StatsFields(List<Field> fields) {
    this.fields = fields;
  }

  /**
   * The Stats fields of {@code specs} (those with a Stats field).
   *
   * @throws IllegalArgumentException when a declaration names a field the messages do not have or
   *     one that is not an integer
   */
  static StatsFields of(List<MeterSpec> specs) {
    List<Field> out = new ArrayList<>();
    for (MeterSpec spec : specs) {
      String name = spec.statsField();
      if (name.isEmpty()) {
        continue;
      }
      boolean inEvents = name.startsWith(EVENTS_PREFIX);
      FieldDescriptor f = inEvents
          ? EventStatsProto.getDescriptor().findFieldByName(name.substring(EVENTS_PREFIX.length()))
          : ShardStats.getDescriptor().findFieldByName(name);
      if (f == null || f.getJavaType() != FieldDescriptor.JavaType.LONG || f.isRepeated()) {
        throw new IllegalArgumentException("meter '" + spec.name() + "' names Stats field '" + name
            + "', which is not an integer field of ShardStats or (events.) EventStatsProto");
      }
      out.add(new Field(spec, f, inEvents));
    }
    return new StatsFields(List.copyOf(out));
  }

  /** Sets every counter field of {@code sb} (and its {@code events}) to the partition's current values. */
  void fill(ShardStats.Builder sb, NodeMeterRegistry meters, String collection, int partition) {
    EventStatsProto.Builder events = EventStatsProto.newBuilder();
    for (Field f : fields) {
      long v = meters.value(f.spec(), collection, partition);
      if (f.inEvents()) {
        events.setField(f.field(), v);
      } else {
        sb.setField(f.field(), v);
      }
    }
    sb.setEvents(events);
  }
}
