package dev.oprc.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class HarnessOptionsTest {
  @Test
  void defaults_areTheStandardSuite() {
    HarnessOptions o = HarnessOptions.parse(new String[0]);
    assertThat(o.scenarios()).containsExactly(Scenario.values());
    assertThat(o.concurrency()).containsExactly(1, 32, 128);
    assertThat(o.warmup()).isEqualTo(Duration.ofSeconds(5));
    assertThat(o.measure()).isEqualTo(Duration.ofSeconds(10));
    assertThat(o.attached()).isFalse();
    assertThat(o.variants()).extracting(HarnessOptions.Variant::name).containsExactly("default");
  }

  @Test
  void quick_shortensThePoints() {
    HarnessOptions o = HarnessOptions.parse(new String[] {"--quick"});
    assertThat(o.warmup()).isEqualTo(Duration.ofSeconds(2));
    assertThat(o.measure()).isEqualTo(Duration.ofSeconds(4));
  }

  @Test
  void parsesListsDurationsAndRepeatedEnv() {
    HarnessOptions o = HarnessOptions.parse(new String[] {"--scenarios", "noop, set-10-triggers", "--concurrency",
        "4,8", "--measure", "1500ms", "--warmup", "1", "--node-env", "ODGM_STORAGE=memory", "--node-env",
        "ODGM_DATA_DIR=/tmp/x=y"});
    assertThat(o.scenarios()).containsExactly(Scenario.NOOP, Scenario.SET_10_TRIGGERS);
    assertThat(o.concurrency()).containsExactly(4, 8);
    assertThat(o.measure()).isEqualTo(Duration.ofMillis(1500));
    assertThat(o.warmup()).isEqualTo(Duration.ofSeconds(1));
    assertThat(o.nodeEnv()).containsEntry("ODGM_STORAGE", "memory").containsEntry("ODGM_DATA_DIR", "/tmp/x=y");
  }

  @Test
  void variant_splitsPairsOnlyBeforeAName() {
    HarnessOptions.Variant v = HarnessOptions.variant(
        "rocks:ODGM_STORAGE=rocksdb,ODGM_COLLECTION=[{\"a\":1,\"b\":2}],ODGM_STORAGE_SYNC=group");
    assertThat(v.name()).isEqualTo("rocks");
    assertThat(v.env()).isEqualTo(Map.of("ODGM_STORAGE", "rocksdb", "ODGM_COLLECTION", "[{\"a\":1,\"b\":2}]",
        "ODGM_STORAGE_SYNC", "group"));
    assertThat(HarnessOptions.variant("plain").env()).isEmpty();
  }

  @Test
  void triggerTargets_getDistinctFunctionsWhenSeveral() {
    HarnessOptions o = HarnessOptions.parse(new String[0]);
    assertThat(o.triggerFn(0, 1)).isEqualTo("sink");
    assertThat(o.triggerFn(9, 10)).isEqualTo("sink-9");
    assertThat(o.firstWatched(10)).isEqualTo(9);
    assertThat(HarnessOptions.parse(new String[] {"--watch", "all"}).firstWatched(10)).isZero();
  }

  @Test
  void effectiveObjects_coversEveryLane() {
    HarnessOptions o = HarnessOptions.parse(new String[] {"--objects", "10", "--concurrency", "1,64"});
    assertThat(o.effectiveObjects()).isEqualTo(64);
  }

  @Test
  void rejectsBadInputNamingTheOption() {
    for (List<String> bad : List.of(List.of("--concurrency", "0"), List.of("--measure", "soon"),
        List.of("--scenarios", "nope"), List.of("--node-env", "=x"), List.of("--node-pid", "1"),
        List.of("--frobnicate"), List.of("--warmup"))) {
      assertThatThrownBy(() -> HarnessOptions.parse(bad.toArray(String[]::new)))
          .as(bad.toString()).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad.get(0));
    }
  }

  @Test
  void clusterVariant_namesItsNodeCountAndVariables() {
    HarnessOptions.Variant v = HarnessOptions.clusterVariant("raft3:3:ODGM_RAFT_READ_LEASE=false");
    assertThat(v.name()).isEqualTo("raft3");
    assertThat(v.nodes()).isEqualTo(3);
    assertThat(v.clustered()).isTrue();
    assertThat(v.env()).containsExactly(Map.entry("ODGM_RAFT_READ_LEASE", "false"));
    assertThat(HarnessOptions.clusterVariant("r:2").env()).isEmpty();
  }

  @Test
  void clusterVariant_refusesABadNodeCountNamingIt() {
    assertThatThrownBy(() -> HarnessOptions.clusterVariant("r:one"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'one' is not an integer");
    assertThatThrownBy(() -> HarnessOptions.clusterVariant("r:1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nodes 1 is outside 2..9");
    assertThatThrownBy(() -> HarnessOptions.clusterVariant("r"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NAME:NODES");
  }
}
