package dev.oprc.odgm.events;

import dev.oprc.odgm.proto.TriggerTarget;
import java.util.Objects;

/**
 * A validated trigger target with its Zenoh key prefix computed once, when the object's triggers
 * were compiled. The dispatch key is {@code keyPrefix + invocationId}.
 *
 * <p>Immutable and thread-safe.
 */
public record CompiledTarget(TriggerTarget target, String keyPrefix) {
  public CompiledTarget {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(keyPrefix, "keyPrefix");
  }

  /** Validates {@code target} and computes its key prefix. */
  public static CompiledTarget of(TriggerTarget target) {
    return new CompiledTarget(target, TriggerKeys.keyPrefix(target));
  }

  /** True when the target names an object (stateful invocation). */
  public boolean stateful() {
    return target.hasObjectId();
  }
}
