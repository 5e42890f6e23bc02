package dev.oprc.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a Linux process's CPU time, resident set and thread count from {@code /proc/PID/stat} and
 * {@code /proc/PID/status}. Parsing is pure (see the {@code parse*} methods); reading returns
 * {@code null} when the process or {@code /proc} is gone. Stateless; thread-safe.
 */
final class ProcStats {
  /** CPU time of a process in clock ticks (utime + stime), its RSS in KiB and its thread count. */
  record Sample(long cpuTicks, long rssKib, int threads) {}

  private ProcStats() {}

  /** Reads the process {@code pid}, or returns null if it cannot be read (exited, no /proc). */
  static Sample read(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
      String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII);
      return new Sample(parseCpuTicks(stat), parseStatusField(status, "VmRSS:"),
          (int) parseStatusField(status, "Threads:"));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The sum of the samples of {@code pids}, or null if one cannot be read. */
  static Sample sum(java.util.List<Long> pids) {
    long ticks = 0;
    long rss = 0;
    int threads = 0;
    for (long pid : pids) {
      Sample s = read(pid);
      if (s == null) {
        return null;
      }
      ticks += s.cpuTicks();
      rss += s.rssKib();
      threads += s.threads();
    }
    return new Sample(ticks, rss, threads);
  }

  /**
   * utime + stime (fields 14 and 15 of {@code /proc/PID/stat}, in clock ticks). The command name
   * (field 2) is in parentheses and may hold spaces or ')' itself, so fields are counted after the
   * last ')'.
   */
  static long parseCpuTicks(String stat) {
    int close = stat.lastIndexOf(')');
    if (close < 0) {
      throw new IllegalArgumentException("not a /proc/PID/stat line: no ')'");
    }
    String[] f = stat.substring(close + 1).trim().split("\\s+", -1);
    // f[0] is field 3 (state), so field n is f[n - 3]
    if (f.length < 13) {
      throw new IllegalArgumentException("not a /proc/PID/stat line: " + f.length + " fields after the name");
    }
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** The first number after {@code name} (e.g. {@code "VmRSS:"} in kB, {@code "Threads:"}), or -1 if absent. */
  static long parseStatusField(String status, String name) {
    for (String line : status.split("\n", -1)) {
      if (line.startsWith(name)) {
        String[] p = line.substring(name.length()).trim().split("\\s+", -1);
        return Long.parseLong(p[0]);
      }
    }
    return -1;
  }

  /** Clock ticks per second ({@code getconf CLK_TCK}); 100 if getconf cannot be run. */
  static long clockTicksPerSecond() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      p.waitFor();
      return Long.parseLong(out);
    } catch (IOException | RuntimeException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }

  /** Reads {@code /proc/loadavg}'s first three fields, or "n/a". */
  static String loadAverage() {
    try {
      String[] p = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+", -1);
      return p[0] + " " + p[1] + " " + p[2];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }
}
