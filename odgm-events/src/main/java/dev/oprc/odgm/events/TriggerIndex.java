package dev.oprc.odgm.events;

import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncTrigger;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.TriggerTarget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * An object's triggers ({@link ObjectEvent}) compiled for O(1) matching: one hash lookup on the
 * entry key or function id, then an array index on the event type. Keys match exactly and
 * case-sensitively (after the optional key normalizer given at compile time); targets come back
 * in list order, duplicates included. Every target is validated at compile time, and its filter
 * compiled: {@link #match} returns targets by key, and the caller asks each one
 * {@link CompiledTarget#accepts} (allocation-free) before it fires.
 *
 * <p>A miss allocates nothing. Immutable and thread-safe; compile once when the triggers are
 * stored and share the instance.
 */
public final class TriggerIndex {
  /** An index with no triggers. */
  public static final TriggerIndex EMPTY = new TriggerIndex(Map.of(), Map.of(), ObjectEvent.getDefaultInstance(), 0);

  private static final List<CompiledTarget> NONE = List.of();

  // slot = EventType.number() - 1: FUNC_COMPLETE=0, FUNC_ERROR=1, DATA_CREATE=2, DATA_UPDATE=3, DATA_DELETE=4
  private final Map<String, List<CompiledTarget>[]> dataTriggers;
  private final Map<String, List<CompiledTarget>[]> funcTriggers;
  private final ObjectEvent source;
  private final int targetCount;
  private volatile byte[] sourceBytes;

  private TriggerIndex(Map<String, List<CompiledTarget>[]> data, Map<String, List<CompiledTarget>[]> func,
      ObjectEvent source, int targetCount) {
    this.dataTriggers = data;
    this.funcTriggers = func;
    this.source = source;
    this.targetCount = targetCount;
  }

  /** Compiles {@code event} with trigger keys used as given. */
  public static TriggerIndex compile(ObjectEvent event) {
    return compile(event, UnaryOperator.identity());
  }

  /**
   * Compiles {@code event}, passing each data-trigger key through {@code keyNormalizer} (the same
   * rule the shard applies to entry keys, so a trigger and a write agree on what a key is).
   *
   * @throws InvalidTriggerTargetException if a target cannot form a valid key, naming it
   * @throws IllegalArgumentException if the normalizer rejects a trigger key
   */
  public static TriggerIndex compile(ObjectEvent event, UnaryOperator<String> keyNormalizer) {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(keyNormalizer, "keyNormalizer");
    if (event.getDataTriggerCount() == 0 && event.getFuncTriggerCount() == 0) {
      return event.equals(ObjectEvent.getDefaultInstance()) ? EMPTY : new TriggerIndex(Map.of(), Map.of(), event, 0);
    }
    int[] count = {0};
    Map<String, List<CompiledTarget>[]> data = new HashMap<>();
    for (Map.Entry<String, DataTrigger> e : event.getDataTriggerMap().entrySet()) {
      String key = keyNormalizer.apply(e.getKey());
      if (key == null) {
        throw new IllegalArgumentException("key normalizer returned null for data_trigger['" + e.getKey() + "']");
      }
      DataTrigger t = e.getValue();
      List<CompiledTarget>[] slots = data.computeIfAbsent(key, k -> newSlots());
      String where = "data_trigger['" + e.getKey() + "']";
      slots[2] = append(slots[2], t.getOnCreateList(), where + ".on_create", count, TriggerFilters.Scope.DATA);
      slots[3] = append(slots[3], t.getOnUpdateList(), where + ".on_update", count, TriggerFilters.Scope.DATA);
      slots[4] = append(slots[4], t.getOnDeleteList(), where + ".on_delete", count, TriggerFilters.Scope.DATA);
    }
    Map<String, List<CompiledTarget>[]> func = new HashMap<>();
    for (Map.Entry<String, FuncTrigger> e : event.getFuncTriggerMap().entrySet()) {
      FuncTrigger t = e.getValue();
      List<CompiledTarget>[] slots = func.computeIfAbsent(e.getKey(), k -> newSlots());
      String where = "func_trigger['" + e.getKey() + "']";
      slots[0] = append(slots[0], t.getOnCompleteList(), where + ".on_complete", count, TriggerFilters.Scope.FUNCTION);
      slots[1] = append(slots[1], t.getOnErrorList(), where + ".on_error", count, TriggerFilters.Scope.FUNCTION);
    }
    // entries whose lists are all empty can never fire: drop them so hasDataTriggers() and
    // hasFuncTriggers() tell the shard truthfully whether a write can fire anything
    data.values().removeIf(TriggerIndex::allEmpty);
    func.values().removeIf(TriggerIndex::allEmpty);
    return new TriggerIndex(Map.copyOf(data), Map.copyOf(func), event, count[0]);
  }

  @SuppressWarnings({"unchecked", "rawtypes"}) // Java cannot create a List<CompiledTarget>[] directly
  private static List<CompiledTarget>[] newSlots() {
    List<CompiledTarget>[] slots = new List[5];
    java.util.Arrays.fill(slots, NONE);
    return slots;
  }

  private static boolean allEmpty(List<CompiledTarget>[] slots) {
    for (List<CompiledTarget> s : slots) {
      if (!s.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  private static List<CompiledTarget> append(List<CompiledTarget> existing, List<TriggerTarget> targets,
      String where, int[] count, TriggerFilters.Scope scope) {
    if (targets.isEmpty()) {
      return existing;
    }
    List<CompiledTarget> out = new ArrayList<>(existing.size() + targets.size());
    out.addAll(existing);
    for (int i = 0; i < targets.size(); i++) {
      try {
        out.add(CompiledTarget.of(targets.get(i), scope));
      } catch (InvalidTriggerTargetException ex) {
        throw new InvalidTriggerTargetException(where + "[" + i + "]: " + ex.getMessage());
      }
    }
    count[0] += targets.size();
    return List.copyOf(out);
  }

  /**
   * The targets to fire for an event of {@code type} on {@code subject} (entry key for data
   * events, function id for function events), in list order; an empty list when none match.
   */
  public List<CompiledTarget> match(EventType type, String subject) {
    Map<String, List<CompiledTarget>[]> map = type.isData() ? dataTriggers : funcTriggers;
    List<CompiledTarget>[] slots = map.get(subject);
    return slots == null ? NONE : slots[type.number() - 1];
  }

  /** True when no target of any kind is configured. */
  public boolean isEmpty() {
    return targetCount == 0;
  }

  /** True when at least one data trigger target exists (a write may fire something). */
  public boolean hasDataTriggers() {
    return !dataTriggers.isEmpty();
  }

  /** True when at least one function trigger target exists. */
  public boolean hasFuncTriggers() {
    return !funcTriggers.isEmpty();
  }

  /** Total number of targets across all triggers. */
  public int targetCount() {
    return targetCount;
  }

  /** The trigger configuration this index was compiled from (returned by Get). */
  public ObjectEvent source() {
    return source;
  }

  /**
   * {@link #source()} serialized, computed once (storage engines write it with every metadata
   * update). The array is shared: callers must not modify it.
   */
  public byte[] sourceBytes() {
    byte[] b = sourceBytes;
    if (b == null) {
      b = source.toByteArray();
      sourceBytes = b; // benign race: every thread computes the same bytes
    }
    return b;
  }

  @Override
  public String toString() {
    return "TriggerIndex[data keys=" + dataTriggers.keySet() + ", functions=" + funcTriggers.keySet()
        + ", targets=" + targetCount + "]";
  }
}
