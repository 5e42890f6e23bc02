package dev.oprc.odgm.lincheck;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The WGL search for one key: the history as a doubly linked list of call and return entries in
 * time order; the search repeatedly linearizes the first call it can (the model accepts its
 * result and the resulting configuration is new), lifting the call and its return out of the
 * list, and backtracks when it reaches a return whose call is not yet linearized. Not
 * thread-safe; one instance per check.
 */
final class Wgl {
  /** A call or return entry of the list. */
  private static final class Entry {
    final Operation op;
    final int index; // the operation's index in this key's list
    final boolean call;
    final long time;
    Entry match; // call <-> return
    boolean lifted; // calls: linearized (out of the list)
    Entry prev;
    Entry next;

    Entry(Operation op, int index, boolean call, long time) {
      this.op = op;
      this.index = index;
      this.call = call;
      this.time = time;
    }
  }

  /** A memoized configuration: which operations are linearized, and the state they lead to. */
  private record Config(BitSet linearized, RegisterState state) {}

  /**
   * A linearized call, the state before it, and the unknown CAS calls lifted with it because they
   * became dead (see {@link #liftDead}), to undo on backtrack.
   */
  private record Frame(Entry call, RegisterState before, List<Entry> dead) {}

  private final Entry head = new Entry(null, -1, false, Long.MIN_VALUE);
  private final List<Operation> ops;
  /** Versions seen by the reads and successful CAS not linearized yet, with their counts. */
  private final TreeMap<Long, Integer> pinned = new TreeMap<>();
  /** The calls of unknown-outcome CAS operations, the candidates of {@link #liftDead}. */
  private final List<Entry> unknownCas = new ArrayList<>();

  private Wgl(List<Operation> ops) {
    this.ops = ops;
    List<Entry> entries = new ArrayList<>(2 * ops.size());
    for (int i = 0; i < ops.size(); i++) {
      Operation op = ops.get(i);
      Entry c = new Entry(op, i, true, op.invokedAt());
      Entry r = new Entry(op, i, false, op.returnedAt());
      c.match = r;
      r.match = c;
      if (op.unknown() && op.kind() == Operation.Kind.CAS) {
        unknownCas.add(c);
      }
      pin(op);
      entries.add(c);
      entries.add(r);
    }
    // calls before returns at equal times: touching intervals count as concurrent (never a false alarm)
    entries.sort((a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Boolean.compare(b.call, a.call));
    Entry prev = head;
    for (Entry e : entries) {
      prev.next = e;
      e.prev = prev;
      prev = e;
    }
  }

  static LinearizabilityChecker.KeyVerdict check(String key, List<Operation> all, RegisterState initial,
      long maxConfigurations) {
    List<Operation> ops = new ArrayList<>();
    for (Operation op : all) {
      if (!(op.unknown() && op.kind() == Operation.Kind.READ)) {
        ops.add(op);
      }
    }
    return new Wgl(ops).search(key, initial, maxConfigurations);
  }

  private LinearizabilityChecker.KeyVerdict search(String key, RegisterState initial, long maxConfigurations) {
    Set<Config> seen = new HashSet<>();
    Deque<Frame> stack = new ArrayDeque<>();
    BitSet linearized = new BitSet(ops.size());
    RegisterState state = initial;
    List<Operation> best = List.of();
    RegisterState bestState = initial;
    Entry entry = head.next;
    long configurations = 0;
    int known = 0;
    for (Operation op : ops) {
      known += op.unknown() ? 0 : 1;
    }
    while (head.next != null && known > 0) { // only ops of unknown outcome left: they may never have happened
      if (configurations > maxConfigurations) {
        return verdict(key, LinearizabilityChecker.Outcome.UNDECIDED, initial, best, bestState, configurations);
      }
      if (entry.call) {
        RegisterState after = state.step(entry.op);
        boolean advanced = false;
        if (after != null && overtakes(entry.op, after)) {
          after = null; // a pending read or CAS can no longer see the version it saw
        }
        if (after != null) {
          BitSet next = (BitSet) linearized.clone();
          next.set(entry.index);
          lift(entry);
          List<Entry> dead = liftDead(after, next);
          configurations++;
          if (seen.add(new Config(next, after))) {
            known -= entry.op.unknown() ? 0 : 1;
            unpin(entry.op);
            stack.push(new Frame(entry, state, dead));
            state = after;
            linearized = next;
            advanced = true;
            if (stack.size() > best.size()) {
              best = prefix(stack);
              bestState = state;
            }
          } else {
            undo(entry, dead); // this configuration was explored already
          }
        }
        entry = advanced ? head.next : entry.next;
      } else {
        if (stack.isEmpty()) {
          return verdict(key, LinearizabilityChecker.Outcome.NOT_LINEARIZABLE, initial, best, bestState,
              configurations);
        }
        Frame top = stack.pop();
        known += top.call().op.unknown() ? 0 : 1;
        pin(top.call().op);
        state = top.before();
        linearized = (BitSet) linearized.clone();
        linearized.clear(top.call().index);
        for (Entry d : top.dead()) {
          linearized.clear(d.index);
        }
        undo(top.call(), top.dead());
        entry = top.call().next;
      }
    }
    return verdict(key, LinearizabilityChecker.Outcome.LINEARIZABLE, initial, best, bestState, configurations);
  }

  private LinearizabilityChecker.KeyVerdict verdict(String key, LinearizabilityChecker.Outcome outcome,
      RegisterState initial, List<Operation> best, RegisterState bestState, long configurations) {
    return new LinearizabilityChecker.KeyVerdict(key, outcome, initial, ops, best, bestState, configurations);
  }

  private static List<Operation> prefix(Deque<Frame> stack) {
    List<Operation> out = new ArrayList<>(stack.size());
    stack.descendingIterator().forEachRemaining(f -> out.add(f.call().op));
    return out;
  }

  /**
   * Lifts every unknown-outcome CAS still in the list whose expected version is below {@code s}'s:
   * versions never decrease (the model has no delete), so such a CAS can never apply again and is
   * a no-op wherever it is placed; deciding that once, here, keeps the search from exploring every
   * place of every such no-op. Marks them in {@code linearized}; returns them for {@link #undo}.
   */
  private List<Entry> liftDead(RegisterState s, BitSet linearized) {
    List<Entry> dead = null;
    for (Entry e : unknownCas) {
      if (!e.lifted && e.op.version() < s.version()) {
        if (dead == null) {
          dead = new ArrayList<>();
        }
        dead.add(e);
      }
    }
    if (dead == null) {
      return List.of();
    }
    for (Entry e : dead) {
      lift(e);
      linearized.set(e.index);
    }
    return dead;
  }

  /** Puts back {@code call} and the dead calls lifted with it, in reverse order. */
  private static void undo(Entry call, List<Entry> dead) {
    for (int i = dead.size() - 1; i >= 0; i--) {
      unlift(dead.get(i));
    }
    unlift(call);
  }

  /** The version a known read (of a value) or successful CAS saw, or -1: such an op must be placed at exactly it. */
  private static long pinnedVersion(Operation op) {
    boolean pinned = op.status() == Operation.Status.OK
        && ((op.kind() == Operation.Kind.READ && op.value() != null) || op.kind() == Operation.Kind.CAS);
    return pinned ? op.version() : -1;
  }

  private void pin(Operation op) {
    long v = pinnedVersion(op);
    if (v >= 0) {
      pinned.merge(v, 1, Integer::sum);
    }
  }

  private void unpin(Operation op) {
    long v = pinnedVersion(op);
    if (v >= 0) {
      pinned.compute(v, (k, n) -> n == 1 ? null : n - 1);
    }
  }

  /**
   * True when linearizing {@code op} to reach {@code after} leaves some other not yet linearized
   * read or successful CAS pinned to a version below {@code after}'s: versions never decrease, so
   * that op could never be placed. Prunes the subsets of unknown-outcome writes that would run
   * the version ahead of what clients saw.
   */
  private boolean overtakes(Operation op, RegisterState after) {
    long own = pinnedVersion(op);
    for (Map.Entry<Long, Integer> e : pinned.entrySet()) {
      if (e.getKey() >= after.version()) {
        return false;
      }
      if (e.getKey() != own || e.getValue() > 1) {
        return true;
      }
    }
    return false;
  }

  /** Takes a call and its return out of the list. */
  private static void lift(Entry call) {
    call.lifted = true;
    call.prev.next = call.next;
    if (call.next != null) {
      call.next.prev = call.prev;
    }
    Entry ret = call.match;
    ret.prev.next = ret.next;
    if (ret.next != null) {
      ret.next.prev = ret.prev;
    }
  }

  /** Puts them back, in the reverse order of {@link #lift}. */
  private static void unlift(Entry call) {
    call.lifted = false;
    Entry ret = call.match;
    ret.prev.next = ret;
    if (ret.next != null) {
      ret.next.prev = ret;
    }
    call.prev.next = call;
    if (call.next != null) {
      call.next.prev = call;
    }
  }
}
