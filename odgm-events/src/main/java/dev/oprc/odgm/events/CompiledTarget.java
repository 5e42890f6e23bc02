package dev.oprc.odgm.events;

import dev.oprc.odgm.proto.TriggerTarget;
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
  final EnvelopeTemplate envelope;

  public CompiledTarget(TriggerTarget target, String keyPrefix) {
    this.target = Objects.requireNonNull(target, "target");
    this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
    this.envelope = new EnvelopeTemplate(target);
  }

  /** Validates {@code target} and computes its key prefix. */
  public static CompiledTarget of(TriggerTarget target) {
    return new CompiledTarget(target, TriggerKeys.keyPrefix(target));
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
