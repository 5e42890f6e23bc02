package dev.oprc.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ReportTest {
  private static PointResult point(String variant, String scenario, Long lost) {
    return new PointResult(variant, scenario, 32, 250_000, 0, 10.0, 25_000.4, 1_081.2, 2_780, 4_100, 9_000,
        0.54, 0.41, 0.12, 353.2, 59, lost == null ? null : 1, lost == null ? null : 250_000L, lost == null ? null : 250_000 - lost, lost,
        lost == null ? null : 0L, lost == null ? null : 0L, lost == null ? null : 2_583.0, lost == null ? null : 7_755.0,
        lost == null ? null : 9_999.0, lost == null ? null : 0L, lost == null ? null : 250_000L,
        lost == null ? null : false, lost == null ? null : 250_000L, 0L, 0L, null);
  }

  private static RunInfo run() {
    return new RunInfo("t", "2026-12-01T10:00:00Z", "2026-12-01T10:05:00Z", "java -cp b.jar X --quick", "17.0.15",
        2, "0.5 0.2 0.1", 100, "started", Map.of("warmup", "5000ms"), Map.of(), Map.of("default", Map.of()),
        List.of("a note"));
  }

  @Test
  void mainTable_rowPerPointWithGroupedFigures() {
    String t = Report.mainTable(List.of(point("default", "set-1-trigger", 3L), point("default", "get", null)));
    assertThat(t.lines().toList()).hasSize(4);
    assertThat(t).startsWith("| scenario | conc | calls/s |");
    assertThat(t).contains("| set-1-trigger | 32 | 25,000 | 1,081 | 2,780 | 4,100 | 0 | 0.54 | 353 | 59 | 2,583 "
        + "| 7,755 | 3 of 250,000 |");
    assertThat(t).contains("| get | 32 | 25,000 | 1,081 | 2,780 | 4,100 | 0 | 0.54 | 353 | 59 | — | — | — |");
  }

  @Test
  void lost_saysWhenOnlySomeTargetsWereWatched() {
    assertThat(Report.lost(point("default", "set-10-triggers", 0L))).isEqualTo("0 of 250,000 (1 of 10 targets watched)");
    assertThat(Report.lost(point("default", "set-1-trigger", 0L))).isEqualTo("0 of 250,000");
  }

  @Test
  void mainTable_showsVariantsOnlyWhenThereAreSeveral() {
    String t = Report.mainTable(List.of(point("memory", "get", null), point("rocksdb", "get", null)));
    assertThat(t).startsWith("| variant | scenario |").contains("| rocksdb | get | 32 |");
  }

  @Test
  void markdown_recordsTheCommandAndMachine() {
    String md = Report.markdown(run(), List.of(point("default", "noop", null)));
    assertThat(md).contains("java -cp b.jar X --quick").contains("2 cores").contains("JDK 17.0.15")
        .contains("`warmup=5000ms`").contains("- a note");
  }

  @Test
  void json_hasRunAndPointsInSnakeCase() {
    JsonObject o = JsonParser.parseString(Report.json(run(), List.of(point("default", "noop", null))))
        .getAsJsonObject();
    assertThat(o.getAsJsonObject("run").get("clock_ticks").getAsLong()).isEqualTo(100);
    JsonObject p = o.getAsJsonArray("points").get(0).getAsJsonObject();
    assertThat(p.get("calls_per_second").getAsDouble()).isEqualTo(25_000.4);
    assertThat(p.get("node_cpu_seconds_per10k").getAsDouble()).isEqualTo(0.54);
    assertThat(p.get("lost_triggers").isJsonNull()).isTrue();
  }
}
