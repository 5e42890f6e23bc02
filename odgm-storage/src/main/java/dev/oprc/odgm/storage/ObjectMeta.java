package dev.oprc.odgm.storage;

import dev.oprc.odgm.events.TriggerIndex;
import java.util.Objects;

/**
 * What a shard keeps about a live object besides its entries: its version, how many entries it
 * has, and its compiled triggers ({@link TriggerIndex#source()} is what is stored).
 *
 * <p>Immutable and thread-safe.
 */
public record ObjectMeta(long version, int entryCount, TriggerIndex triggers) {
  public ObjectMeta {
    Objects.requireNonNull(triggers, "triggers");
    if (version < 1) {
      throw new IllegalArgumentException("version must be >= 1, was " + version);
    }
    if (entryCount < 0) {
      throw new IllegalArgumentException("entryCount must be >= 0, was " + entryCount);
    }
  }
}
