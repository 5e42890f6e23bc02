package dev.oprc.bench.load;

import java.util.List;
import java.util.Map;

/**
 * Where and how a run was taken, written at the head of every report. Immutable; thread-safe.
 *
 * @param name            report name
 * @param startedUtc      ISO-8601 start time
 * @param finishedUtc     ISO-8601 end time (or the time of the last point so far)
 * @param command         the exact command line of the harness JVM
 * @param jdk             java.runtime.version and VM of the harness (the started node uses the same java)
 * @param cores           available processors
 * @param loadAverage     /proc/loadavg at start and at the time of writing
 * @param clockTicks      CLK_TCK used for the CPU figures
 * @param node            "started" (with its class path and JVM options) or "attached to host:port"
 * @param settings        warm-up, measure, drain, objects, channels, partitions, collection, trigger target
 * @param nodeEnv         extra node variables of every variant
 * @param variants        variant name → its extra node variables
 */
record RunInfo(
    String name,
    String startedUtc,
    String finishedUtc,
    String command,
    String jdk,
    int cores,
    String loadAverage,
    long clockTicks,
    String node,
    Map<String, String> settings,
    Map<String, String> nodeEnv,
    Map<String, Map<String, String>> variants,
    List<String> notes) {}
