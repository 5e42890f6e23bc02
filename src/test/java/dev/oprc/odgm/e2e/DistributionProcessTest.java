package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.proto.CapabilitiesRequest;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive ({@code distribution/target/odgm-VERSION-linux-x64.tar.gz}) unpacked
 * and run with no {@code java} on {@code PATH}: its launcher starts a node on its own runtime and
 * the CLI talks to it. Prints the archive's size, the node's start time and its RSS.
 */
class DistributionProcessTest {
  @TempDir
  Path dir;

  private static Path archive() throws IOException {
    Path target = Path.of("").toAbsolutePath().resolve("../distribution/target").normalize();
    try (Stream<Path> files = Files.list(target)) {
      return files.filter(p -> p.getFileName().toString().endsWith("-linux-x64.tar.gz")).findFirst()
          .orElseThrow(() -> new AssertionError("no archive in " + target));
    }
  }

  /** An environment with nothing on PATH: no java (and no other tool) can be found there. */
  private Map<String, String> bareEnv(Map<String, String> extra) throws IOException {
    Path empty = Files.createDirectories(dir.resolve("empty-path"));
    Map<String, String> env = new java.util.HashMap<>(extra);
    env.put("PATH", empty.toString());
    return env;
  }

  private static Process run(Path bin, List<String> args, Map<String, String> env, Path log) throws IOException {
    List<String> cmd = new java.util.ArrayList<>(List.of(bin.toString()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    return pb.start();
  }

  @Test
  void theArchiveRunsANodeAndTheCliWithNoJavaOnPath() throws Exception {
    Path tgz = archive();
    Process untar = new ProcessBuilder("tar", "-xzf", tgz.toString(), "-C", dir.toString()).inheritIO().start();
    assertThat(untar.waitFor()).isZero();
    Path home;
    try (Stream<Path> s = Files.list(dir)) {
      home = s.filter(p -> p.getFileName().toString().startsWith("odgm-")).findFirst().orElseThrow();
    }
    Path bin = home.resolve("bin/odgm");
    int port = ZenohRouterProcess.freePort();
    Map<String, String> env = bareEnv(Map.of("ODGM_STORAGE", "memory", "ODGM_HTTP_PORT", Integer.toString(port),
        "ODGM_METRICS_PORT", "0"));
    Path log = dir.resolve("node.log");
    long started = System.nanoTime();
    Process node = run(bin, List.of("node"), env, log);
    try {
      awaitServing(node, port, log);
      long startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      Path cliLog = dir.resolve("cli.log");
      Process put = run(bin, List.of("cli", "--node", "127.0.0.1:" + port, "put", "example/0/o1", "status=paid"),
          env, cliLog);
      assertThat(put.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(put.exitValue()).as(Files.readString(cliLog)).isZero();
      Process get = run(bin, List.of("cli", "--node", "127.0.0.1:" + port, "get", "example/0/o1"), env, cliLog);
      assertThat(get.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(Files.readString(cliLog)).contains("paid");
      System.out.printf("distribution: archive %s is %.1f MiB; node serving %d ms after launch; RSS %s%n",
          tgz.getFileName(), Files.size(tgz) / 1048576.0, startMillis, rss(node.pid()));
    } finally {
      node.destroy();
      if (!node.waitFor(20, TimeUnit.SECONDS)) {
        node.destroyForcibly();
      }
    }
  }

  private static void awaitServing(Process node, int port, Path log) throws Exception {
    ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (true) {
        assertThat(node.isAlive()).as("the node runs; its log:%n%s", Files.readString(log)).isTrue();
        try {
          DataServiceGrpc.newBlockingStub(ch).withDeadlineAfter(1, TimeUnit.SECONDS)
              .capabilities(CapabilitiesRequest.getDefaultInstance());
          return;
        } catch (RuntimeException e) {
          assertThat(System.nanoTime()).as("serving within 90 s; log:%n%s", Files.readString(log))
              .isLessThan(deadline);
          Thread.sleep(100);
        }
      }
    } finally {
      ch.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    }
  }

  private static String rss(long pid) throws IOException {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.UTF_8).stream()
        .filter(l -> l.startsWith("VmRSS:")).map(l -> l.substring(6).trim()).findFirst().orElse("?");
  }
}
