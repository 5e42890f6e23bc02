package dev.oprc.odgm.events;

import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.TriggerValues;
import java.util.Objects;

/**
 * A validated trigger target with its Zenoh key prefix computed once, when the object's triggers
 * were compiled. The dispatch key is {@code keyPrefix + invocationId}. The target-dependent part
 * of its invocation envelope is encoded at the same time, so a dispatch only writes what depends
 * on the event.
 *
 * <p>Immutable and thread-safe. Equality is by {@link #target()} and {@link #keyPrefix()}.
 */
public final class CompiledTarget {
  private final TriggerTarget target;
  private final String keyPrefix;
  private final CompiledFilter filter; // null: every event passes
  private final TriggerValues values;
  final EnvelopeTemplate envelope;

  public CompiledTarget(TriggerTarget target, String keyPrefix) {
    this(target, keyPrefix, TriggerFilters.Scope.ANY);
  }

  private CompiledTarget(TriggerTarget target, String keyPrefix, TriggerFilters.Scope scope) {
    this.target = Objects.requireNonNull(target, "target");
    this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
    this.filter = target.hasFilter() ? compileFilter(target, scope) : null;
    this.values = target.getIncludeValues();
    if (values == TriggerValues.UNRECOGNIZED) {
      throw new InvalidTriggerTargetException("include_values " + target.getIncludeValuesValue()
          + " is unknown (0 none, 1 new, 2 old, 3 both)");
    }
    if (scope == TriggerFilters.Scope.FUNCTION && values != TriggerValues.TRIGGER_VALUES_NONE) {
      throw new InvalidTriggerTargetException("include_values " + values
          + " is for data triggers; a function trigger's payload is the function's response");
    }
    this.envelope = new EnvelopeTemplate(target);
  }

  private static CompiledFilter compileFilter(TriggerTarget target, TriggerFilters.Scope scope) {
    try {
      return TriggerFilters.compile(target.getFilter(), scope);
    } catch (InvalidTriggerTargetException e) {
      throw new InvalidTriggerTargetException("target fn '" + target.getFnId() + "': " + e.getMessage());
    }
  }

  /** Validates {@code target} (its filter may use any attribute) and computes its key prefix. */
  public static CompiledTarget of(TriggerTarget target) {
    return of(target, TriggerFilters.Scope.ANY);
  }

  /**
   * Validates {@code target}, compiling its filter for events of {@code scope}, and computes its
   * key prefix.
   *
   * @throws InvalidTriggerTargetException naming the bad field, or the bad part of the filter
   */
  public static CompiledTarget of(TriggerTarget target, TriggerFilters.Scope scope) {
    return new CompiledTarget(target, TriggerKeys.keyPrefix(target), scope);
  }

  /** True when the target fires for {@code event}: it has no filter, or its filter passes. Allocation-free. */
  public boolean accepts(EventContext event) {
    return filter == null || filter.test(event);
  }

  /** The compiled filter, or null when the target has none. */
  public CompiledFilter filter() {
    return filter;
  }

  /** Which entry values the target's payload carries. */
  public TriggerValues values() {
    return values;
  }

  /** The target as configured. */
  public TriggerTarget target() {
    return target;
  }

  /** The dispatch key without its final invocation-id segment, ending in '/'. */
  public String keyPrefix() {
    return keyPrefix;
  }

  /** True when the target names an object (stateful invocation). */
  public boolean stateful() {
    return target.hasObjectId();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CompiledTarget c && target.equals(c.target) && keyPrefix.equals(c.keyPrefix);
  }

  @Override
  public int hashCode() {
    return 31 * target.hashCode() + keyPrefix.hashCode();
  }

  @Override
  public String toString() {
    return "CompiledTarget[keyPrefix=" + keyPrefix + ", target=" + target.toString().replace('\n', ' ').trim() + "]";
  }
}
