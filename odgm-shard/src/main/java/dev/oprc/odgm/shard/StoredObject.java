package dev.oprc.odgm.shard;

import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.proto.ValData;
import java.util.Map;
import java.util.Objects;

/**
 * One object as stored in a shard: its version, whether it is deleted (tombstone), its entries
 * and its compiled triggers. A tombstone keeps the version so a re-created object continues
 * counting from it (versions never go back), and reads as absent.
 *
 * <p>Immutable; {@code entries} is an unmodifiable map. Thread-safe.
 */
public record StoredObject(long version, boolean tombstone, Map<String, ValData> entries, TriggerIndex triggers) {
  public StoredObject {
    Objects.requireNonNull(entries, "entries");
    Objects.requireNonNull(triggers, "triggers");
  }

  /** True when the object exists (not deleted). */
  public boolean live() {
    return !tombstone;
  }
}
