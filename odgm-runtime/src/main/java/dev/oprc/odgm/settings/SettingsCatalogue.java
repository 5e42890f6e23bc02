package dev.oprc.odgm.settings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Every variable a program knows, in groups (each module publishes its own): the source of the
 * README's tables and of the warning for an unknown {@code ODGM_*} / {@code OPRC_*} variable.
 * Immutable and thread-safe.
 */
public final class SettingsCatalogue {
  /** Prefixes of the variables this catalogue is authoritative for. */
  public static final List<String> PREFIXES = List.of("ODGM_", "OPRC_");

  /**
   * Variables Kubernetes sets for a Service named like ours ({@code odgm} gives {@code ODGM_PORT},
   * {@code ODGM_SERVICE_HOST}, {@code ODGM_PORT_8080_TCP_ADDR}, ...): nobody typed them.
   */
  private static final Pattern SERVICE_LINK = Pattern.compile(
      "[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT_\\d+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?)");
  private static final Pattern SERVICE_LINK_URL = Pattern.compile("(tcp|udp|sctp)://.*");

  private final List<SettingGroup> groups;
  private final Map<String, Setting<?>> byName = new LinkedHashMap<>();

  /**
   * A catalogue of {@code groups}.
   *
   * @throws IllegalArgumentException when a variable is declared twice
   */
  public SettingsCatalogue(List<SettingGroup> groups) {
    this.groups = List.copyOf(groups);
    for (SettingGroup g : this.groups) {
      for (Setting<?> s : g.settings()) {
        if (byName.putIfAbsent(s.name(), s) != null) {
          throw new IllegalArgumentException(s.name() + " is declared twice");
        }
      }
    }
  }

  public List<SettingGroup> groups() {
    return groups;
  }

  /** Every declaration, in group order. */
  public List<Setting<?>> all() {
    return List.copyOf(byName.values());
  }

  /** The declaration of {@code name}, if any. */
  public Optional<Setting<?>> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /**
   * One warning per variable of {@code env} with one of our prefixes that nothing declares, naming
   * the nearest known one when one is close (sorted by name). Never throws for an unknown name.
   */
  public List<String> unknownVariableWarnings(Map<String, String> env) {
    List<String> out = new ArrayList<>();
    for (String name : new TreeSet<>(env.keySet())) {
      if (!PREFIXES.stream().anyMatch(name::startsWith) || byName.containsKey(name)
          || serviceLink(name, env.get(name))) {
        continue;
      }
      out.add(nearest(name).map(n -> "unknown variable " + name + "; did you mean " + n + "?")
          .orElse("unknown variable " + name + " is ignored; no known variable is like it"));
    }
    return out;
  }

  private static boolean serviceLink(String name, String value) {
    return SERVICE_LINK.matcher(name).matches()
        || (name.endsWith("_PORT") && value != null && SERVICE_LINK_URL.matcher(value).matches());
  }

  /**
   * The known name nearest to {@code name} (fewest single-character edits, a swap of neighbours
   * counting as one), if it is close: at most a third of {@code name}'s characters after the prefix
   * differ, so that an unrelated name gets no misleading suggestion.
   */
  public Optional<String> nearest(String name) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String known : byName.keySet()) {
      int d = distance(name, known);
      if (d < bestDistance) {
        best = known;
        bestDistance = d;
      }
    }
    int limit = Math.max(1, (name.length() - prefixLength(name)) / 3);
    return best != null && bestDistance <= limit ? Optional.of(best) : Optional.empty();
  }

  private static int prefixLength(String name) {
    return PREFIXES.stream().filter(name::startsWith).mapToInt(String::length).findFirst().orElse(0);
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  /** The README tables: per group a {@code ### title} heading and a variable | default | meaning table. */
  public String markdown() {
    StringBuilder b = new StringBuilder();
    for (SettingGroup g : groups) {
      b.append("### ").append(g.title()).append("\n\n| variable | default | meaning |\n|---|---|---|\n");
      for (Setting<?> s : g.settings()) {
        b.append(row(s)).append('\n');
      }
      b.append('\n');
    }
    return b.toString();
  }

  /** The README row of {@code s}. */
  public static String row(Setting<?> s) {
    return "| `" + s.name() + "` | " + s.defaultText() + " | " + s.doc() + " |";
  }
}
