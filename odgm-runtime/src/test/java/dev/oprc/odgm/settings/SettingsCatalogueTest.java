package dev.oprc.odgm.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsCatalogueTest {
  private static final SettingsCatalogue CATALOGUE = new SettingsCatalogue(List.of(
      SettingGroup.of("Events",
          Setting.integer("ODGM_EVENT_DISPATCH_THREADS", 4, 1, 64, "dispatch threads"),
          Setting.integer("ODGM_EVENT_QUEUE_BOUND", 8192, 1, 1 << 24, "queue bound")),
      SettingGroup.of("Node",
          Setting.integer("ODGM_HTTP_PORT", 8080, 0, 65535, "gRPC port"),
          Setting.text("OPRC_ZENOH_PEERS", "unset", "endpoints", "routers")),
      SettingGroup.of("Ignored", Setting.ignored("ODGM_LOG", "upstream's log filter; use the JVM's logging"))));

  @Test
  void theNearestNameOfATypoIsTheIntendedOne() {
    assertThat(CATALOGUE.nearest("ODGM_EVENT_DISPACH_THREADS")).hasValue("ODGM_EVENT_DISPATCH_THREADS");
  }

  @Test
  void aSwapOfNeighboursIsOneEdit() {
    assertThat(SettingsCatalogue.distance("ODGM_HTTP_PROT", "ODGM_HTTP_PORT")).isEqualTo(1);
  }

  @Test
  void anUnrelatedNameHasNoNearestName() {
    assertThat(CATALOGUE.nearest("ODGM_SOMETHING_ELSE_ENTIRELY")).isEmpty();
  }

  @Test
  void anUnknownVariableIsWarnedAboutNamingTheNearestKnownOne() {
    assertThat(CATALOGUE.unknownVariableWarnings(Map.of("ODGM_EVENT_DISPACH_THREADS", "2")))
        .containsExactly("unknown variable ODGM_EVENT_DISPACH_THREADS; did you mean ODGM_EVENT_DISPATCH_THREADS?");
  }

  @Test
  void anUnknownVariableWithNothingNearIsWarnedAboutWithoutASuggestion() {
    assertThat(CATALOGUE.unknownVariableWarnings(Map.of("OPRC_SOMETHING_ELSE_ENTIRELY", "x")))
        .containsExactly("unknown variable OPRC_SOMETHING_ELSE_ENTIRELY is ignored; no known variable is like it");
  }

  @Test
  void declaredAndIgnoredVariablesAndOtherPrefixesAreNotWarnedAbout() {
    assertThat(CATALOGUE.unknownVariableWarnings(Map.of("ODGM_HTTP_PORT", "1", "ODGM_LOG", "debug",
        "OPRC_ZENOH_PEERS", "tcp/r:7447", "PATH", "/bin", "ODGM", "x"))).isEmpty();
  }

  @Test
  void kubernetesServiceLinkVariablesAreNotWarnedAbout() {
    assertThat(CATALOGUE.unknownVariableWarnings(Map.of("ODGM_SERVICE_HOST", "10.0.0.1",
        "ODGM_SERVICE_PORT", "8080", "ODGM_PORT", "tcp://10.0.0.1:8080", "ODGM_PORT_8080_TCP_ADDR", "10.0.0.1")))
        .isEmpty();
  }

  @Test
  void aTypoEndingInPortIsStillWarnedAbout() {
    assertThat(CATALOGUE.unknownVariableWarnings(Map.of("ODGM_HTTP_PRT", "8080", "ODGM_HTTPS_PORT", "8080")))
        .containsExactly("unknown variable ODGM_HTTPS_PORT; did you mean ODGM_HTTP_PORT?",
            "unknown variable ODGM_HTTP_PRT; did you mean ODGM_HTTP_PORT?");
  }

  @Test
  void aVariableDeclaredTwiceIsRefused() {
    Setting<Integer> a = Setting.integer("ODGM_X", 1, 1, 2, "x");
    assertThatThrownBy(() -> new SettingsCatalogue(List.of(SettingGroup.of("a", a), SettingGroup.of("b", a))))
        .hasMessage("ODGM_X is declared twice");
  }

  @Test
  void theMarkdownHasOneTablePerGroupAndOneRowPerVariable() {
    assertThat(CATALOGUE.markdown()).contains("""
        ### Events

        | variable | default | meaning |
        |---|---|---|
        | `ODGM_EVENT_DISPATCH_THREADS` | 4 | dispatch threads |
        | `ODGM_EVENT_QUEUE_BOUND` | 8192 | queue bound |
        """);
  }
}
