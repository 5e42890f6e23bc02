package dev.oprc.odgm.lincheck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks that a history of operations on versioned registers (one object per key, see
 * {@link RegisterState}) is linearizable: that there is one total order of the operations,
 * consistent with real time (an operation that returned before another was invoked comes first),
 * in which every result is the model's. Keys are independent (linearizability is local), so each
 * key is checked on its own with the Wing–Gong algorithm as improved by Lowe (WGL: depth-first
 * search over the linearization order, memoizing (set of linearized operations, state) pairs so
 * no configuration is explored twice).
 *
 * <p>An operation of unknown outcome is treated as returning at infinity, so it may take effect at
 * any point after its invocation, or never (which is the same as after every other operation).
 * Reads of unknown outcome constrain nothing and are left out.
 *
 * <p>Stateless and thread-safe.
 */
public final class LinearizabilityChecker {
  /** Explored configurations per key after which the check gives up (a test must then fail). */
  static final long DEFAULT_MAX_CONFIGURATIONS = 5_000_000;

  private LinearizabilityChecker() {}

  /** Checks every key, each starting absent. */
  public static Verdict check(List<Operation> history) {
    return check(history, Map.of());
  }

  /** Checks every key, each starting at {@code initial.get(key)} ({@link RegisterState#ABSENT} when missing). */
  public static Verdict check(List<Operation> history, Map<String, RegisterState> initial) {
    Map<String, List<Operation>> byKey = new TreeMap<>();
    for (Operation op : history) {
      byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
    }
    List<KeyVerdict> keys = new ArrayList<>();
    for (Map.Entry<String, List<Operation>> e : byKey.entrySet()) {
      RegisterState init = initial.getOrDefault(e.getKey(), RegisterState.ABSENT);
      keys.add(Wgl.check(e.getKey(), e.getValue(), init, DEFAULT_MAX_CONFIGURATIONS));
    }
    return new Verdict(List.copyOf(history), keys);
  }

  /** The outcome for one key. */
  public enum Outcome {
    LINEARIZABLE,
    NOT_LINEARIZABLE,
    /** The search hit its bound before deciding: treat as a failure, the history is too concurrent. */
    UNDECIDED
  }

  /**
   * One key's verdict: the operations checked (unknown reads removed), the initial state, the
   * longest prefix of a linearization the search found and the state after it, and the number of
   * configurations explored.
   */
  public record KeyVerdict(String key, Outcome outcome, RegisterState initial, List<Operation> operations,
      List<Operation> longestLinearizedPrefix, RegisterState stateAfterPrefix, long configurations) {
    public KeyVerdict {
      operations = List.copyOf(operations);
      longestLinearizedPrefix = List.copyOf(longestLinearizedPrefix);
    }
  }

  /** The verdict of a whole history: linearizable when every key is. */
  public record Verdict(List<Operation> history, List<KeyVerdict> keys) {
    public Verdict {
      history = List.copyOf(history);
      keys = List.copyOf(keys);
    }

    public boolean linearizable() {
      return keys.stream().allMatch(k -> k.outcome() == Outcome.LINEARIZABLE);
    }

    /** A readable account: per key its outcome, and for a failing key every operation and the search's best prefix. */
    public String report() {
      long origin = history.stream().mapToLong(Operation::invokedAt).min().orElse(0);
      StringBuilder b = new StringBuilder();
      b.append(linearizable() ? "LINEARIZABLE" : "NOT LINEARIZABLE").append(": ").append(history.size())
          .append(" operations on ").append(keys.size()).append(" keys (times in ms since the first invocation)\n");
      for (KeyVerdict k : keys) {
        b.append("\nkey ").append(k.key()).append(": ").append(k.outcome()).append(", ").append(k.operations().size())
            .append(" operations, ").append(k.configurations()).append(" configurations explored\n");
        if (k.outcome() != Outcome.LINEARIZABLE) {
          appendFailure(b, k, origin);
        }
      }
      return b.toString();
    }

    private static void appendFailure(StringBuilder b, KeyVerdict k, long origin) {
      b.append("  initial state: ").append(k.initial()).append('\n');
      b.append("  operations by invocation time:\n");
      k.operations().stream().sorted(Comparator.comparingLong(Operation::invokedAt))
          .forEach(op -> b.append("    ").append(op.describe(origin)).append('\n'));
      b.append("  longest linearizable prefix found (").append(k.longestLinearizedPrefix().size())
          .append(" operations), in order:\n");
      k.longestLinearizedPrefix().forEach(op -> b.append("    ").append(op.describe(origin)).append('\n'));
      b.append("  state after it: ").append(k.stateAfterPrefix()).append('\n');
      b.append("  no remaining operation can come next: each is either contradicted by that state or must follow "
          + "an operation that cannot\n");
    }

    /**
     * Writes {@link #report()} to {@code dir/name.txt} and the whole history, one operation per
     * line in {@link HistoryFile}'s format, to {@code dir/name.history.tsv} (creating {@code dir});
     * returns the report.
     */
    public Path writeReport(Path dir, String name) {
      try {
        Files.createDirectories(dir);
        Map<String, RegisterState> initial = new TreeMap<>();
        keys.forEach(k -> initial.put(k.key(), k.initial()));
        HistoryFile.write(dir.resolve(name + ".history.tsv"), history, initial);
        return Files.writeString(dir.resolve(name + ".txt"), report(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the history report under " + dir, e);
      }
    }
  }
}
