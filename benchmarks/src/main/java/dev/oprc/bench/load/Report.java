package dev.oprc.bench.load;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a run as a markdown report (the main table, then the secondary counters) and as JSON
 * ({@code {"run": …, "points": […]}}, snake_case fields, nulls kept). Pure functions of their
 * arguments plus {@link #write}; thread-safe.
 */
final class Report {
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls()
      .serializeSpecialFloatingPointValues().setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
      .disableHtmlEscaping().create();
  private static final String NA = "—";

  private Report() {}

  /** Writes {@code dir/name.md} and {@code dir/name.json}; returns the markdown path. */
  static Path write(Path dir, RunInfo run, List<PointResult> points) throws IOException {
    Files.createDirectories(dir);
    Path md = dir.resolve(run.name() + ".md");
    Files.writeString(md, markdown(run, points));
    Files.writeString(dir.resolve(run.name() + ".json"), json(run, points));
    return md;
  }

  static String json(RunInfo run, List<PointResult> points) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("run", run);
    root.put("points", points);
    return GSON.toJson(root) + "\n";
  }

  static String markdown(RunInfo run, List<PointResult> points) {
    StringBuilder b = new StringBuilder();
    b.append("# End-to-end load: ").append(run.name()).append("\n\n");
    b.append("- Started ").append(run.startedUtc()).append(", finished ").append(run.finishedUtc()).append("\n");
    b.append("- Machine: ").append(run.cores()).append(" cores, load average ").append(run.loadAverage())
        .append("; JDK ").append(run.jdk()).append("; CLK_TCK ").append(run.clockTicks()).append("\n");
    b.append("- Node: ").append(run.node()).append("\n");
    b.append("- Settings: ").append(join(run.settings())).append("\n");
    if (!run.nodeEnv().isEmpty()) {
      b.append("- Extra node env: ").append(join(run.nodeEnv())).append("\n");
    }
    run.variants().forEach((name, env) ->
        b.append("- Variant `").append(name).append("`: ").append(env.isEmpty() ? "(no extra env)" : join(env))
            .append("\n"));
    b.append("\nCommand:\n\n```\n").append(run.command()).append("\n```\n\n");
    b.append(mainTable(points));
    b.append("\n").append(counterTable(points));
    if (!run.notes().isEmpty()) {
      b.append("\n");
      run.notes().forEach(n -> b.append("- ").append(n).append("\n"));
    }
    return b.toString();
  }

  /** scenario, concurrency, calls/s, latency percentiles, node cost, trigger latency and loss. */
  static String mainTable(List<PointResult> points) {
    boolean variants = points.stream().map(PointResult::variant).distinct().count() > 1;
    StringBuilder b = new StringBuilder();
    b.append(variants ? "| variant " : "").append("| scenario | conc | calls/s | p50 µs | p99 µs | p99.9 µs "
        + "| errors | node CPU-s / 10k calls | node RSS MiB | node threads | trigger p50 µs | trigger p99 µs "
        + "| lost triggers |\n");
    b.append(variants ? "|---" : "").append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (PointResult p : points) {
      if (variants) {
        b.append("| ").append(p.variant()).append(" ");
      }
      b.append("| ").append(p.scenario())
          .append(" | ").append(p.concurrency())
          .append(" | ").append(grouped(p.callsPerSecond()))
          .append(" | ").append(grouped(p.p50Us()))
          .append(" | ").append(grouped(p.p99Us()))
          .append(" | ").append(grouped(p.p999Us()))
          .append(" | ").append(p.errors())
          .append(" | ").append(fixed(p.nodeCpuSecondsPer10k(), 2))
          .append(" | ").append(fixed(p.nodeRssMib(), 0))
          .append(" | ").append(p.nodeThreads() == null ? NA : p.nodeThreads().toString())
          .append(" | ").append(p.triggerP50Us() == null ? NA : grouped(p.triggerP50Us()))
          .append(" | ").append(p.triggerP99Us() == null ? NA : grouped(p.triggerP99Us()))
          .append(" | ").append(lost(p))
          .append(" |\n");
    }
    return b.toString();
  }

  /** Secondary figures: where else CPU went and which counters explain lost triggers. */
  static String counterTable(List<PointResult> points) {
    StringBuilder b = new StringBuilder();
    b.append("| scenario | conc | harness CPU-s / 10k | router CPU-s / 10k | trigger max µs | duplicate triggers "
        + "| unmatched triggers | node trigger PUTs | subscriber samples | subscriber drops | node queue drops "
        + "| node publish failures |\n");
    b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (PointResult p : points) {
      b.append("| ").append(p.scenario()).append(p.variant().equals("default") ? "" : " (" + p.variant() + ")")
          .append(" | ").append(p.concurrency())
          .append(" | ").append(fixed(p.generatorCpuSecondsPer10k(), 2))
          .append(" | ").append(fixed(p.routerCpuSecondsPer10k(), 2))
          .append(" | ").append(p.triggerMaxUs() == null ? NA : grouped(p.triggerMaxUs()))
          .append(" | ").append(count(p.duplicateTriggers()))
          .append(" | ").append(count(p.unmatchedTriggers()))
          .append(" | ").append(count(p.nodeDispatched()))
          .append(" | ").append(count(p.subscriberSamples()))
          .append(" | ").append(count(p.subscriberDrops()))
          .append(" | ").append(count(p.nodeQueueDrops()))
          .append(" | ").append(count(p.nodePublishFailures()))
          .append(" |\n");
    }
    return b.toString();
  }

  static String lost(PointResult p) {
    if (p.lostTriggers() == null) {
      return NA;
    }
    int total = Scenario.of(p.scenario()).triggers();
    String watched = p.watchedTriggers() != null && p.watchedTriggers() < total
        ? " (" + p.watchedTriggers() + " of " + total + " targets watched)" : "";
    return grouped(p.lostTriggers()) + " of " + grouped(p.triggersExpected()) + watched
        + (Boolean.TRUE.equals(p.subscriberStalled()) ? " (subscriber stalled)" : "");
  }

  static String grouped(double v) {
    return String.format(Locale.ROOT, "%,.0f", v);
  }

  static String fixed(Double v, int decimals) {
    return v == null ? NA : String.format(Locale.ROOT, "%,." + decimals + "f", v);
  }

  private static String count(Long v) {
    return v == null ? NA : grouped(v);
  }

  private static String join(Map<String, String> m) {
    StringBuilder b = new StringBuilder();
    m.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append('`').append(k).append('=').append(v).append('`'));
    return b.toString();
  }
}
