package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The node process's logs as upstream's deployments set them: {@code ODGM_LOG} directives and
 * {@code LOG_FORMAT=json}. Each node is stopped (SIGTERM, its shutdown hook runs) and has exited
 * before its log is read, so a line that is absent was never written.
 */
class LoggingProcessTest {
  private static final String DEBUG_LINE = "Zenoh API keys";

  private static String logOf(Map<String, String> env) throws Exception {
    NodeProcess n = NodeProcess.start(env);
    try (n) {
      assertThat(n.shards()).hasSize(1);
    }
    assertThat(n.exited()).as("the node exited, so its log is complete").isTrue();
    return n.output();
  }

  @Test
  void textLinesCarryTimeLevelThreadAndLogger() throws Exception {
    String line = logOf(Map.of("ODGM_STORAGE", "memory")).lines().filter(l -> l.contains("serving gRPC"))
        .findFirst().orElseThrow();
    assertThat(line).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S* INFO +\\[main\\] \\S*OdgmNode - .*");
  }

  @Test
  void debugLinesAreOffByDefault() throws Exception {
    assertThat(logOf(Map.of("ODGM_STORAGE", "memory"))).contains("serving gRPC", "shutting down")
        .doesNotContain(DEBUG_LINE);
  }

  @Test
  void upstreamsDirectiveForTheNodeTurnsOnItsDebugLines() throws Exception {
    String out = logOf(Map.of("ODGM_STORAGE", "memory", "ODGM_LOG", "info,openraft=info,zenoh=info,oprc_odgm=debug"));
    assertThat(out.lines().filter(l -> l.contains(DEBUG_LINE))).singleElement().asString().contains("DEBUG");
  }

  @Test
  void aDefaultLevelOfWarnHidesTheNodesInfoLines() throws Exception {
    String out = logOf(Map.of("ODGM_STORAGE", "memory", "ODGM_LOG", "warn,oprc_odgm::events=debug"));
    assertThat(out).doesNotContain("serving gRPC");
    assertThat(out.lines().filter(l -> l.contains("ODGM_LOG"))).singleElement().asString()
        .contains("WARN", "oprc_odgm::events=debug", "ignored");
  }

  @Test
  void jsonFormatWritesOneObjectPerLine() throws Exception {
    String out = logOf(Map.of("ODGM_STORAGE", "memory", "LOG_FORMAT", "json"));
    List<JsonObject> serving = out.lines().filter(l -> l.startsWith("{") && l.contains("serving gRPC"))
        .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    assertThat(serving).hasSize(1);
    JsonObject line = serving.get(0);
    assertThat(line.get("level").getAsString()).isEqualTo("INFO");
    assertThat(line.get("loggerName").getAsString()).isEqualTo("dev.oprc.odgm.node.OdgmNode");
    assertThat(line.get("threadName").getAsString()).isEqualTo("main");
    assertThat(line.get("timestamp").getAsLong()).isPositive();
    assertThat(line.get("formattedMessage").getAsString()).contains("serving gRPC on port ").doesNotContain("{}");
    assertThat(line.has("message")).as("the SLF4J template is not repeated beside the text").isFalse();
  }
}
