package dev.oprc.odgm.events;

/**
 * Produces the invocation id that ends every trigger key (and lets a receiver deduplicate).
 * Implementations must be thread-safe and must return a valid key chunk (no {@code / * $ # ?}).
 */
@FunctionalInterface
public interface InvocationIdGenerator {
  /** A fresh id for dispatching {@code ctx} to {@code target}. */
  String next(EventContext ctx, CompiledTarget target);

  /** The default: unique per dispatch, see {@link UniqueInvocationIds}. */
  static InvocationIdGenerator unique() {
    return new UniqueInvocationIds();
  }
}
