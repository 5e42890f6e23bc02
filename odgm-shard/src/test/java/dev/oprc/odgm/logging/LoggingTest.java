package dev.oprc.odgm.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** {@link Logging} against the node's own {@code logback.xml} (on this module's class path). */
class LoggingTest {
  private final LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();

  @AfterEach
  void restoreTheLevels() {
    ctx.getLogger("dev.oprc.odgm").setLevel(null);
    ctx.getLogger("org.apache.ratis").setLevel(Level.WARN);
  }

  @Test
  void librariesThatFloodTheLogAreAtWarnByDefault() {
    for (String noisy : List.of("org.apache.ratis", "io.netty", "io.grpc", "org.rocksdb")) {
      assertThat(ctx.getLogger(noisy + ".Something").getEffectiveLevel()).as(noisy).isEqualTo(Level.WARN);
    }
    assertThat(ctx.getLogger("dev.oprc.odgm.node.OdgmNode").getEffectiveLevel()).isEqualTo(Level.INFO);
  }

  @Test
  void namedTargetsGetTheirLevels() {
    List<String> warnings = Logging.apply(LogFilter.parse("openraft=info,oprc_odgm=debug"), LogFormat.TEXT);
    assertThat(warnings).isEmpty();
    assertThat(ctx.getLogger("dev.oprc.odgm.events.X").getEffectiveLevel()).isEqualTo(Level.DEBUG);
    assertThat(ctx.getLogger("org.apache.ratis.server.X").getEffectiveLevel()).isEqualTo(Level.INFO);
  }

  @Test
  void ignoredDirectivesComeBackAsOneWarning() {
    assertThat(Logging.apply(LogFilter.parse("tokio=debug,h3=info"), LogFormat.TEXT)).singleElement().asString()
        .contains("tokio=debug, h3=info");
  }
}
