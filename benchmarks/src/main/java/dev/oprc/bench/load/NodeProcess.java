package dev.oprc.bench.load;

import dev.oprc.odgm.proto.CapabilitiesRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.security.ClientTls;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The node under load: either a JVM this harness starts ({@code java -cp … dev.oprc.odgm.node.OdgmNode},
 * configured only by environment variables, output to a log file) or a process it merely attaches
 * to. Inherited {@code ODGM_*} and {@code OPRC_*} variables are removed from a started node's
 * environment so only what the harness passes applies. Thread-safe; {@link #close()} stops a
 * started node (SIGTERM, 20 s for its drain and shutdown, then kill) and leaves an attached one alone.
 * A node whose environment sets {@code ODGM_TLS_CERT_FILE} is called over TLS ({@link #clientTls}).
 */
final class NodeProcess implements AutoCloseable {
  static final String MAIN_CLASS = "dev.oprc.odgm.node.OdgmNode";

  private final String target;
  private final Process process;
  private final Long pid;
  private final Path log;
  private final ClientTls tls;

  private NodeProcess(String target, Process process, Long pid, Path log, ClientTls tls) {
    this.target = target;
    this.process = process;
    this.pid = pid;
    this.log = log;
    this.tls = tls;
  }

  /** How the harness calls a node configured by {@code env}: {@link ClientTls#fromNodeEnv}. */
  static ClientTls clientTls(Map<String, String> env) {
    return ClientTls.fromNodeEnv(env);
  }

  /** A channel builder to this node, plaintext or TLS as its environment says. */
  ManagedChannelBuilder<?> channelBuilder() {
    return Grpc.newChannelBuilder(target, tls.credentials());
  }

  /** How a started node was launched, to launch it again on the same ports and data. */
  private record Launch(String classpath, List<String> jvmOpts, Map<String, String> env, int port, Path log) {}

  private Launch launch; // null for an attached node

  /** Starts this (started, stopped or killed) node again as it was started; a running one is stopped first. */
  NodeProcess restarted() throws IOException {
    if (launch == null) {
      throw new IllegalStateException("an attached node cannot be restarted");
    }
    close();
    return start(launch.classpath(), launch.jvmOpts(), launch.env(), launch.port(), launch.log());
  }

  /** Starts a node JVM serving gRPC on 127.0.0.1:{@code port} (the port is also in {@code env}). */
  static NodeProcess start(String classpath, List<String> jvmOpts, Map<String, String> env, int port, Path log)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOpts);
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(MAIN_CLASS);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("ODGM_") || k.startsWith("OPRC_"));
    pb.environment().putAll(env);
    pb.environment().putIfAbsent("ODGM_METRICS_PORT", "0"); // several nodes per run: no fixed metrics port
    Process p = pb.start();
    NodeProcess n = new NodeProcess("127.0.0.1:" + port, p, p.pid(), log, clientTls(env));
    n.launch = new Launch(classpath, List.copyOf(jvmOpts), Map.copyOf(env), port, log);
    return n;
  }

  /** A node started by someone else at {@code target}, called as {@code tls} says; {@code pid} may be null. */
  static NodeProcess attach(String target, Long pid, ClientTls tls) {
    return new NodeProcess(target, null, pid, null, tls);
  }

  /** The class path of this harness (its shaded jar), which also holds the node. */
  static String ownClasspath() {
    return System.getProperty("java.class.path");
  }

  String target() {
    return target;
  }

  /** The node's pid, or null when attached without {@code --node-pid}. */
  Long pid() {
    return pid;
  }

  /** Waits until Capabilities answers; fails early if a started node exits. */
  void awaitReady(long timeoutMillis) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    ManagedChannel ch = channelBuilder().build();
    try {
      DataServiceGrpc.DataServiceBlockingStub stub = DataServiceGrpc.newBlockingStub(ch);
      while (true) {
        if (process != null && !process.isAlive()) {
          throw new IOException("node exited with code " + process.exitValue() + " before serving (log: " + log + ")");
        }
        try {
          stub.withDeadlineAfter(1, TimeUnit.SECONDS).capabilities(CapabilitiesRequest.getDefaultInstance());
          return;
        } catch (StatusRuntimeException e) {
          if (System.nanoTime() > deadline) {
            throw new IOException("node at " + target + " not serving after " + timeoutMillis + " ms: "
                + e.getStatus());
          }
          Thread.sleep(100);
        }
      }
    } finally {
      ch.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    }
  }

  /** SIGKILL to a started node; returns once it is gone. */
  void kill9() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** True while a started node runs (an attached one counts as running). */
  boolean alive() {
    return process == null || process.isAlive();
  }

  @Override
  public void close() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
