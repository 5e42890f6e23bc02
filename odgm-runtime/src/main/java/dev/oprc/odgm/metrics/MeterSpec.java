package dev.oprc.odgm.metrics;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The declaration of one meter: its Micrometer name ({@code odgm.events.matched}, exported as
 * {@code odgm_events_matched_total}), help text, kind, unit, how a collection's partitions combine
 * on {@code /metrics}, and the field of the per-shard gRPC {@code Stats} reply that carries the
 * same value, if any. Each meter of the node is declared once as a constant of this type; the
 * {@link NodeMeterRegistry} creates it from the declaration. Immutable.
 *
 * @param name dotted lower-case Micrometer name
 * @param help one-line description (the Prometheus HELP)
 * @param kind counter, gauge or timer
 * @param unit Micrometer base unit appended to the exported name ({@code seconds}), or empty
 * @param merge how the values of a collection's open partitions combine into its series
 * @param scale multiplier from the source's value to the exported one (1, or 0.001 for ms as seconds)
 * @param statsField the per-shard Stats field with the source's (unscaled) value: a field of
 *     {@code ShardStats} ({@code count}) or of its {@code events} message ({@code events.filtered_out});
 *     empty when the meter is not in Stats
 * @param buckets a timer's histogram upper bounds (null: {@link NodeMeterRegistry#LATENCY_BUCKETS})
 */
public record MeterSpec(String name, String help, Kind kind, String unit, Merge merge, double scale,
    String statsField, java.util.List<java.time.Duration> buckets) {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(\\.[a-z0-9]+)*");

  /** What a meter measures. */
  public enum Kind { COUNTER, GAUGE, TIMER }

  /** How the partitions of one collection combine into the collection's series. */
  public enum Merge { SUM, MAX }

  public MeterSpec {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(merge, "merge");
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("meter name '" + name + "' is not dotted lower case (e.g. odgm.events.matched)");
    }
    if (help == null || help.isBlank()) {
      throw new IllegalArgumentException("meter '" + name + "' has no help text");
    }
    unit = unit == null ? "" : unit;
    statsField = statsField == null ? "" : statsField;
    buckets = buckets == null ? NodeMeterRegistry.LATENCY_BUCKETS : java.util.List.copyOf(buckets);
    if (!(scale > 0)) {
      throw new IllegalArgumentException("meter '" + name + "': scale " + scale + " is not positive");
    }
  }

  /** A counter summed over partitions, without a Stats field. */
  public static MeterSpec counter(String name, String help) {
    return new MeterSpec(name, help, Kind.COUNTER, "", Merge.SUM, 1, "", null);
  }

  /** A gauge summed over partitions, without a Stats field. */
  public static MeterSpec gauge(String name, String help) {
    return new MeterSpec(name, help, Kind.GAUGE, "", Merge.SUM, 1, "", null);
  }

  /** A timer (histogram with {@link NodeMeterRegistry#LATENCY_BUCKETS}), exported in seconds. */
  public static MeterSpec timer(String name, String help) {
    return new MeterSpec(name, help, Kind.TIMER, "seconds", Merge.SUM, 1, "", null);
  }

  /** This meter, carried by Stats field {@code field} ({@code count}, {@code events.matched}). */
  public MeterSpec inStats(String field) {
    return new MeterSpec(name, help, kind, unit, merge, scale, field, buckets);
  }

  /** This meter, exported in {@code unit} after multiplying the source's value by {@code scale}. */
  public MeterSpec unit(String unit, double scale) {
    return new MeterSpec(name, help, kind, unit, merge, scale, statsField, buckets);
  }

  /** This meter, exporting the largest value of a collection's partitions instead of their sum. */
  public MeterSpec max() {
    return new MeterSpec(name, help, kind, unit, Merge.MAX, scale, statsField, buckets);
  }

  /** This timer with histogram buckets {@code upperBounds} instead of {@link NodeMeterRegistry#LATENCY_BUCKETS}. */
  public MeterSpec buckets(java.time.Duration... upperBounds) {
    if (kind != Kind.TIMER || upperBounds.length == 0) {
      throw new IllegalArgumentException("meter '" + name + "': buckets are for timers, at least one");
    }
    return new MeterSpec(name, help, kind, unit, merge, scale, statsField, java.util.List.of(upperBounds));
  }

  /**
   * The metric family name a Prometheus parser reports for this meter ({@code odgm_events_matched}
   * for the counter sampled as {@code odgm_events_matched_total}).
   */
  public String family() {
    String base = name.replace('.', '_').toLowerCase(Locale.ROOT);
    return unit.isEmpty() || base.endsWith("_" + unit) ? base : base + "_" + unit;
  }
}
