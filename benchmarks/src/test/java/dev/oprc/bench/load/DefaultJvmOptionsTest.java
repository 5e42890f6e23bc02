package dev.oprc.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness starts nodes with the JVM options `./odgm node` uses, read from one file. */
final class DefaultJvmOptionsTest {
  private static final Path REPO = Path.of("..");

  @Test
  void optionsAreOnePerLineWithCommentsAndBlankLinesSkipped(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("opts");
    Files.writeString(f, "# heading\n-Xmx64m\n\n  -XX:+UseSerialGC  \n# trailing\n");
    assertThat(LoadHarness.defaultJvmOptions(f)).containsExactly("-Xmx64m", "-XX:+UseSerialGC");
  }

  @Test
  void aMissingFileMeansNoOptions(@TempDir Path dir) {
    assertThat(LoadHarness.defaultJvmOptions(dir.resolve("absent"))).isEmpty();
  }

  @Test
  void theLauncherAndTheHarnessReadTheSameFileWhichBoundsTheHeap() throws Exception {
    assertThat(Files.readString(REPO.resolve("odgm"))).contains(LoadHarness.JVM_OPTIONS_FILE);
    assertThat(LoadHarness.defaultJvmOptions(REPO.resolve(LoadHarness.JVM_OPTIONS_FILE)))
        .anyMatch(o -> o.startsWith("-Xmx"));
  }
}
