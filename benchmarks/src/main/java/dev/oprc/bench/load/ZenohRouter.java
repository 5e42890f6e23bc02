package dev.oprc.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Zenoh router (eclipse-zenoh 1.10.2 for Python: the Rust core in router mode, no plugins) in
 * its own process, listening on {@code tcp/127.0.0.1:<free port>} with scouting off. It exits
 * when told {@code quit} on stdin or when stdin closes. Its output goes to a log file.
 * Thread-safe; {@link #close()} stops the process (5 s grace, then kill).
 */
final class ZenohRouter implements AutoCloseable {
  private static final String SCRIPT = """
      import json, sys
      try:
          import zenoh
      except ImportError:
          print("fatal: python module 'zenoh' missing: python3 -m pip install eclipse-zenoh==1.10.2", flush=True)
          sys.exit(3)
      conf = zenoh.Config()
      conf.insert_json5("mode", json.dumps("router"))
      conf.insert_json5("listen/endpoints", json.dumps([sys.argv[1]]))
      conf.insert_json5("scouting/multicast/enabled", "false")
      conf.insert_json5("scouting/gossip/enabled", "false")
      conf.insert_json5("adminspace/enabled", "false")
      for kv in sys.argv[2:]:
          key, value = kv.split("=", 1)
          if key == "listen/endpoints":  # more listeners (a JSON array) beside the harness's own tcp one
              value = json.dumps([sys.argv[1]] + json.loads(value))
          conf.insert_json5(key, value)
      s = zenoh.open(conf)
      print("ready", flush=True)
      for line in sys.stdin:
          if line.strip() == "quit":
              break
      s.close()
      """;

  private final Process process;
  private final OutputStream stdin;
  private final int port;

  private ZenohRouter(Process process, int port) {
    this.process = process;
    this.stdin = process.getOutputStream();
    this.port = port;
  }

  /**
   * Starts a router on a free loopback port and waits (up to 20 s) until it listens.
   * {@code config} entries are {@code path=json5} settings applied on top (e.g.
   * {@code transport/link/tx/queue/size/data=16}); {@code listen/endpoints=[...]} adds listeners
   * beside the router's own {@code tcp} one (a {@code tls/...} one with the
   * {@code transport/link/tls/*} keys).
   */
  static ZenohRouter start(Path logFile, List<String> config) throws IOException {
    int port = freeLoopbackPort();
    Path script = Files.createTempFile("load_zenoh_router", ".py");
    Files.writeString(script, SCRIPT);
    script.toFile().deleteOnExit();
    List<String> cmd = new ArrayList<>(List.of("python3", "-u", script.toString(), "tcp/127.0.0.1:" + port));
    cmd.addAll(config);
    Process p = new ProcessBuilder(cmd)
        .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .start();
    ZenohRouter r = new ZenohRouter(p, port);
    r.awaitReady();
    return r;
  }

  private void awaitReady() throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String first;
    try {
      first = readLineWithin(out, 20_000);
    } catch (IOException e) {
      close();
      throw e;
    }
    if (!"ready".equals(first)) {
      close();
      throw new IOException("Python Zenoh router did not start (" + first
          + "); install it with: python3 -m pip install eclipse-zenoh==1.10.2");
    }
  }

  /**
   * Reads one line, giving up after {@code millis} (returns null). The reading thread
   * ({@code load-router-ready}, daemon) ends when the line comes or the process's stdout closes.
   */
  private static String readLineWithin(BufferedReader in, long millis) throws IOException {
    java.util.concurrent.CompletableFuture<String> line = new java.util.concurrent.CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        line.complete(in.readLine());
      } catch (IOException e) {
        line.completeExceptionally(e);
      }
    }, "load-router-ready");
    t.setDaemon(true);
    t.start();
    try {
      return line.get(millis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted waiting for the router", e);
    }
  }

  /** A TCP port on 127.0.0.1 that was free a moment ago. */
  static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  String endpoint() {
    return "tcp/127.0.0.1:" + port;
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    try {
      stdin.write("quit\n".getBytes(StandardCharsets.US_ASCII));
      stdin.close();
    } catch (IOException ignored) {
      // already gone
    }
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
