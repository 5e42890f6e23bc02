package dev.oprc.odgm.e2e;

import dev.oprc.odgm.proto.CapabilitiesRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.EventStatsProto;
import dev.oprc.odgm.proto.ShardStats;
import dev.oprc.odgm.proto.StatsRequest;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import dev.oprc.odgm.security.ClientTls;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An ODGM node as its own JVM process (the real {@code OdgmNode.main}, configured by environment),
 * for tests where a crash is the point: {@link #kill9()} sends SIGKILL. Output goes to a log file
 * shown when the node fails to start. A node whose environment sets {@code ODGM_TLS_CERT_FILE} is
 * called over TLS ({@link ClientTls#fromNodeEnv}).
 */
final class NodeProcess implements AutoCloseable {
  final Process process;
  final int port;
  final Path log;
  private final ManagedChannel channel;

  private NodeProcess(Process process, int port, Path log, ClientTls tls) {
    this.process = process;
    this.port = port;
    this.log = log;
    this.channel = channel(port, tls);
  }

  /** A channel to 127.0.0.1:{@code port}, plaintext or TLS as {@code tls} says. */
  static ManagedChannel channel(int port, ClientTls tls) {
    return Grpc.newChannelBuilderForAddress("127.0.0.1", port, tls.credentials()).build();
  }

  /** Runs a node that is expected to exit; returns its exit code and output. */
  static Exit run(Map<String, String> env, long timeoutSeconds) throws Exception {
    Path log = Files.createTempFile("odgm-node-", ".log");
    Process p = builder(NODE_MAIN, env, ZenohRouterProcess.freePort(), log).start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("node did not exit within " + timeoutSeconds + " s:\n" + Files.readString(log));
    }
    return new Exit(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  /** A finished node's exit code and combined output. */
  record Exit(int code, String output) {}

  /** Starts a node with {@code env} (plus a free ODGM_HTTP_PORT) and waits until it serves gRPC. */
  static NodeProcess start(Map<String, String> env, String... jvmArgs) throws Exception {
    return startMain(NODE_MAIN, env, jvmArgs);
  }

  /** Like {@link #start} with another main class (one that runs an {@code OdgmNode} from the environment). */
  static NodeProcess startMain(String mainClass, Map<String, String> env, String... jvmArgs) throws Exception {
    NodeProcess n = launch(mainClass, ZenohRouterProcess.freePort(), env, jvmArgs);
    n.awaitServing(Duration.ofSeconds(60));
    return n;
  }

  /** Like {@link #start} on a given gRPC port (a cluster member's grpcPort in ODGM_MEMBERS). */
  static NodeProcess startOn(int port, Map<String, String> env, String... jvmArgs) throws Exception {
    NodeProcess n = launch(NODE_MAIN, port, env, jvmArgs);
    n.awaitServing(Duration.ofSeconds(60));
    return n;
  }

  /**
   * Starts a node on gRPC port {@code port} without waiting for it (cluster members must all be
   * started before any of them can be ready); follow with {@link #awaitServing}.
   */
  static NodeProcess launch(String mainClass, int port, Map<String, String> env, String... jvmArgs)
      throws IOException {
    Path log = Files.createTempFile("odgm-node-", ".log");
    Process p = builder(mainClass, env, port, log, jvmArgs).start();
    // a node on TLS (ODGM_TLS_CERT_FILE) is called with its own certificate, trusting its CA
    return new NodeProcess(p, port, log, ClientTls.fromNodeEnv(env));
  }

  /** Waits until the node answers Capabilities over gRPC; fails with its log when it exits or times out. */
  void awaitServing(Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      if (!process.isAlive()) {
        channel.shutdownNow();
        throw new AssertionError("node exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        data().withDeadlineAfter(1, TimeUnit.SECONDS).capabilities(CapabilitiesRequest.getDefaultInstance());
        return;
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          close();
          throw new AssertionError("node did not serve gRPC within " + within + ":\n" + Files.readString(log), e);
        }
        Thread.sleep(100);
      }
    }
  }

  private static final String NODE_MAIN = "dev.oprc.odgm.node.OdgmNode";

  private static ProcessBuilder builder(String mainClass, Map<String, String> env, int port, Path log,
      String... jvmArgs) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.addAll(List.of(jvmArgs));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("ODGM_") || k.startsWith("OPRC_"));
    pb.environment().put("ODGM_HTTP_PORT", Integer.toString(port));
    pb.environment().putAll(env);
    // many nodes run at once in the test suites: no metrics port unless a test asks for one
    pb.environment().putIfAbsent("ODGM_METRICS_PORT", "0");
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    return pb;
  }

  DataServiceGrpc.DataServiceBlockingStub data() {
    return DataServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** Every shard's event counters. */
  List<ShardStats> shards() {
    return data().stats(StatsRequest.getDefaultInstance()).getShardsList();
  }

  /** The sum of every shard's counters that the accounting invariant uses. */
  static boolean balanced(EventStatsProto e) {
    return e.getEventsMatched() + e.getRecovered() == e.getRetired() + e.getPending() + e.getDropped()
        + e.getDepthLimited() + e.getExpired() + e.getFailed() + e.getDeadLettered();
  }

  /** SIGKILL, then wait for the process to be gone. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGSTOP: the process is frozen (no thread runs, sockets stay open) until {@link #resume()}. */
  void pause() throws Exception {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause()}. */
  void resume() throws Exception {
    signal("CONT");
  }

  private void signal(String sig) throws Exception {
    Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new AssertionError("kill -" + sig + " " + process.pid() + " failed");
    }
  }

  /** The node's thread stacks (jcmd), for failure messages. */
  String threadDump() {
    try {
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          Long.toString(process.pid()), "Thread.print").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      return out;
    } catch (IOException | InterruptedException e) {
      return "(no thread dump: " + e + ")";
    }
  }

  /** Threads the node's JVM has started since it began (jcmd PerfCounter {@code java.threads.started}). */
  long threadsStarted() throws IOException, InterruptedException {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(process.pid()), "PerfCounter.print").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("java\\.threads\\.started=(\\d+)").matcher(out);
    if (!m.find()) {
      throw new AssertionError("no java.threads.started in jcmd PerfCounter.print: " + out);
    }
    return Long.parseLong(m.group(1));
  }

  /** True once the process has exited. */
  boolean exited() {
    return !process.isAlive();
  }

  String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    try {
      channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
      if (process.isAlive()) {
        process.destroy(); // SIGTERM: the node's shutdown hook drains
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
