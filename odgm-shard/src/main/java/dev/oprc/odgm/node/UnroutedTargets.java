package dev.oprc.odgm.node;

import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncTrigger;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.TriggerTarget;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sign that a stored trigger names a function nobody may serve: a target in a collection this
 * node serves whose function has no route there (a typo, or a function the collection does not
 * declare). Such a trigger is still stored, as upstream stores it (an outside subscriber may run
 * the function), but each such target is counted ({@code odgm_trigger_targets_unrouted_total})
 * and the first time a class and function are seen a WARN names them. Targets in collections
 * served elsewhere are not judged. Thread-safe.
 */
final class UnroutedTargets implements Consumer<ObjectEvent> {
  private static final Logger log = LoggerFactory.getLogger(UnroutedTargets.class);
  private static final int MAX_WARNED = 1024; // a bound on the names remembered, not on the count

  private final Predicate<String> served;
  private final BiPredicate<String, String> routed;
  private final LongAdder count = new LongAdder();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  /** {@code served}: whether this node serves a collection; {@code routed}: whether (collection, fn) has a route. */
  UnroutedTargets(Predicate<String> served, BiPredicate<String, String> routed) {
    this.served = served;
    this.routed = routed;
  }

  /** Targets counted so far. */
  long count() {
    return count.sum();
  }

  @Override
  public void accept(ObjectEvent event) {
    for (DataTrigger t : event.getDataTriggerMap().values()) {
      check(t.getOnCreateList());
      check(t.getOnUpdateList());
      check(t.getOnDeleteList());
    }
    for (FuncTrigger t : event.getFuncTriggerMap().values()) {
      check(t.getOnCompleteList());
      check(t.getOnErrorList());
    }
  }

  private void check(List<TriggerTarget> targets) {
    for (TriggerTarget t : targets) {
      String cls = t.getClsId();
      if (!served.test(cls) || routed.test(cls, t.getFnId())) {
        continue;
      }
      count.increment();
      String name = cls + "/" + t.getFnId();
      if (warned.size() < MAX_WARNED && warned.add(name)) {
        log.warn("a trigger names function '{}' of collection '{}', which has no route for it on this node: "
            + "its invocations reach only an outside subscriber of oprc/{}/*/async/{}/*, if there is one",
            t.getFnId(), cls, cls, t.getFnId());
      }
    }
  }
}
