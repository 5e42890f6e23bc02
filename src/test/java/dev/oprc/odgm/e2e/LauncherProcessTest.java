package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./odgm} launcher as a user runs it, on the node jar the build just made ({@code
 * ODGM_JAR}, so it builds nothing): help, version, exit codes, and the client against a node process.
 */
class LauncherProcessTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  /** One finished {@code ./odgm} run. */
  record Run(int code, String out, String err) {}

  private static Path nodeJar() throws IOException {
    try (Stream<Path> jars = Files.list(ROOT.resolve("odgm-shard/target"))) {
      return jars.filter(p -> p.getFileName().toString().matches("odgm-shard-.*-node\\.jar")).findFirst()
          .orElseThrow(() -> new AssertionError("no odgm-shard/target/odgm-shard-*-node.jar: package odgm-shard "
              + "first (the reactor does it when e2e runs with it)"));
    }
  }

  private static Run odgm(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("odgm").toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("odgm-launcher-", ".out");
    Path err = Files.createTempFile("odgm-launcher-", ".err");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectOutput(out.toFile())
        .redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ODGM_") || k.startsWith("OPRC_"));
    pb.environment().put("ODGM_JAR", nodeJar().toString());
    pb.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("./odgm " + String.join(" ", args) + " did not exit within 120 s");
    }
    Run r = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    return r;
  }

  @Test
  void helpPrintsTheCommandsAndExitsZero() throws Exception {
    for (String help : List.of("--help", "help")) {
      Run r = odgm(help);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("Usage: odgm", "node", "cli");
    }
  }

  @Test
  void nodeHelpListsEveryVariableWithItsDefaultAndStartsNothing() throws Exception {
    Run r = odgm("node", "--help");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("ODGM_HTTP_PORT (default: 8080)", "ODGM_STORAGE", "OPRC_ZENOH_PEERS", "ODGM_LOG");
    assertThat(r.err()).as("no node log").isEmpty();
  }

  @Test
  void versionNamesTheProjectVersionAndCommit() throws Exception {
    Run top = odgm("--version");
    Run node = odgm("node", "--version");
    assertThat(top.code()).isZero();
    assertThat(node.code()).isZero();
    assertThat(top.out().strip()).matches("odgm \\d+\\.\\d+\\.\\d+\\S* \\(commit ([0-9a-f]{12}(-dirty)?|unknown)\\)")
        .isEqualTo(node.out().strip());
  }

  @Test
  void anUnknownCommandPrintsTheUsageLineAndExitsTwo() throws Exception {
    Run r = odgm("frobnicate");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'frobnicate'", "Usage: odgm [-hV] COMMAND");
  }

  @Test
  void theClientTalksToANodeAndExitsNonZeroOnAFailedCall() throws Exception {
    try (NodeProcess n = NodeProcess.start(Map.of("ODGM_STORAGE", "memory"))) {
      String node = "127.0.0.1:" + n.port;
      assertThat(odgm("cli", "--node", node, "put", "example/0/o", "k=v").code()).isZero();
      Run stats = odgm("cli", "stats", "--node", node);
      assertThat(stats.code()).isZero();
      assertThat(stats.out()).contains("\"partition_id\": 0");
      Run fail = odgm("cli", "invoke", "example/0/o", "fail", "--node", node);
      assertThat(fail.code()).as("APP_ERROR").isEqualTo(1);
      assertThat(fail.out()).startsWith("APP_ERROR");
      Run missing = odgm("cli", "get", "example/0/missing", "--node", node);
      assertThat(missing.code()).isEqualTo(1);
      assertThat(missing.err()).contains("odgm: NOT_FOUND");
    }
  }
}
