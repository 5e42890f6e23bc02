package dev.oprc.odgm.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Zenoh router (Python eclipse-zenoh 1.10.2, Rust core) on 127.0.0.1, started by the tests.
 * It also observes every put under {@code oprc/**}, so tests assert on what actually crossed Zenoh.
 * Fails (never skips) with the install hint when Python Zenoh is missing.
 */
final class ZenohRouter implements AutoCloseable {
  /** One sample seen by the router. */
  record Seen(String key, byte[] payload) {}

  private static final Pattern LINE = Pattern.compile("\\{\"key\": \"([^\"]*)\", \"payload_b64\": \"([^\"]*)\"");

  private final int port;
  private final Path script;
  private Process process;
  final List<Seen> seen = new CopyOnWriteArrayList<>();

  private ZenohRouter(int port) throws IOException {
    this.port = port;
    this.script = Files.createTempFile("zenoh_router", ".py");
    try (InputStream in = ZenohRouter.class.getResourceAsStream("/e2e/zenoh_router.py")) {
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  static ZenohRouter start() throws Exception {
    ZenohRouter r = new ZenohRouter(freePort());
    r.launch();
    return r;
  }

  String endpoint() {
    return "tcp/127.0.0.1:" + port;
  }

  void launch() throws Exception {
    seen.clear();
    process = new ProcessBuilder("python3", script.toString(), String.valueOf(port))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    CountDownLatch ready = new CountDownLatch(1);
    Process p = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.equals("READY")) {
            ready.countDown();
            continue;
          }
          Matcher m = LINE.matcher(line);
          if (m.find()) {
            seen.add(new Seen(m.group(1), Base64.getDecoder().decode(m.group(2))));
          }
        }
      } catch (IOException ignored) {
        // process ended
      }
    }, "zenoh-router-stdout");
    reader.setDaemon(true);
    reader.start();
    if (!ready.await(30, TimeUnit.SECONDS)) {
      String hint = p.isAlive() ? "" : " (exit " + p.exitValue() + ")";
      p.destroyForcibly();
      throw new IllegalStateException("Python Zenoh router did not start" + hint
          + ". Install it with: pip install eclipse-zenoh==1.10.2");
    }
  }

  /** Kills the router (link loss for every connected session). */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Waits until {@code n} samples match, returning them (fewer if the timeout ran out). */
  List<Seen> await(int n, Predicate<Seen> p, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<Seen> out = new ArrayList<>();
      for (Seen s : seen) {
        if (p.test(s)) {
          out.add(s);
        }
      }
      if (out.size() >= n || System.nanoTime() > deadline) {
        return out;
      }
      Thread.sleep(10);
    }
  }

  /** Samples whose key starts with {@code prefix}, waiting for {@code n}. */
  List<Seen> await(int n, String prefix) throws InterruptedException {
    return await(n, s -> s.key().startsWith(prefix), Duration.ofSeconds(5));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    if (process != null) {
      process.getOutputStream().close();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
    Files.deleteIfExists(script);
  }
}
