package dev.oprc.odgm.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oprc.odgm.settings.ConfigException;
import dev.oprc.odgm.settings.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogFilterTest {
  @Test
  void upstreamsDeploymentDirectivesMapToTheJavaLoggersDoingThatWork() {
    LogFilter f = LogFilter.parse("info,openraft=info,zenoh=info,oprc_odgm=debug");
    assertThat(f.defaultLevel()).isEqualTo("INFO");
    assertThat(f.levels()).containsExactlyInAnyOrderEntriesOf(Map.of("org.apache.ratis", "INFO",
        "dev.oprc.zenoh", "INFO", "dev.oprc.odgm", "DEBUG"));
    assertThat(f.ignored()).isEmpty();
  }

  @Test
  void aJavaLoggerNameIsTakenAsWritten() {
    assertThat(LogFilter.parse("dev.oprc.odgm.events=trace").levels()).containsEntry("dev.oprc.odgm.events", "TRACE");
  }

  @Test
  void zenohsSubCratesMapToTheZenohClient() {
    assertThat(LogFilter.parse("zenoh_transport=warn").levels()).containsEntry("dev.oprc.zenoh", "WARN");
  }

  @Test
  void aBareTargetMeansAllOfItAsRustLogReadsIt() {
    assertThat(LogFilter.parse("oprc_odgm").levels()).containsEntry("dev.oprc.odgm", "TRACE");
  }

  @Test
  void theLastDirectiveForALoggerWins() {
    assertThat(LogFilter.parse("oprc_odgm=debug,oprc_odgm=warn").levels()).containsEntry("dev.oprc.odgm", "WARN");
  }

  @Test
  void levelsAreReadInAnyCase() {
    assertThat(LogFilter.parse("WARN").defaultLevel()).isEqualTo("WARN");
  }

  @Test
  void targetsWithoutAnEquivalentAreListedNotApplied() {
    LogFilter f = LogFilter.parse("tokio=debug,oprc_odgm::events=trace,oprc_odgm[span]=info,/regex/=info");
    assertThat(f.levels()).isEmpty();
    assertThat(f.ignored()).containsExactly("tokio=debug", "oprc_odgm::events=trace", "oprc_odgm[span]=info",
        "/regex/=info");
  }

  @Test
  void anUnknownLevelIsRefusedNamingTheVariableAndItsValue() {
    assertThatThrownBy(() -> Settings.of(Map.of("ODGM_LOG", "info,oprc_odgm=loud")).get(LogSettings.LOG))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ODGM_LOG").hasMessageContaining("oprc_odgm=loud");
  }

  @Test
  void unsetOrBlankKeepsTheConfiguredLevels() {
    assertThat(Settings.of(Map.of("ODGM_LOG", " ")).get(LogSettings.LOG)).isEqualTo(LogFilter.DEFAULT);
  }
}
