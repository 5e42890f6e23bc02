package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.settings.Setting;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's Configuration section is checked against the declarations ({@link NodeSettings#CATALOGUE}):
 * on a failure, paste {@code NodeSettings.CATALOGUE.markdown()} (printed in the message) into it.
 */
class SettingsReadmeTest {
  private static final String SECTION = "## Configuration\n";

  private static String configurationSection() throws IOException {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("README.md"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("README.md above the working directory").isNotNull();
    String readme = Files.readString(dir.resolve("README.md"), StandardCharsets.UTF_8);
    int start = readme.indexOf(SECTION);
    assertThat(start).as("the README's Configuration section").isNotNegative();
    int end = readme.indexOf("\n## ", start + SECTION.length());
    return readme.substring(start, end < 0 ? readme.length() : end + 1);
  }

  /** Rows {@code | `NAME` | default | meaning |} of the section, by name. */
  private static Map<String, String[]> rows(String section) {
    Map<String, String[]> out = new LinkedHashMap<>();
    for (String line : section.lines().toList()) {
      if (line.startsWith("| `") && line.endsWith(" |")) {
        String[] cells = line.substring(2, line.length() - 2).split(" \\| ", 3);
        out.put(cells[0].replace("`", ""), cells);
      }
    }
    return out;
  }

  @Test
  void everyDeclaredVariableIsDocumentedWithItsDefault() throws IOException {
    Map<String, String[]> rows = rows(configurationSection());
    for (Setting<?> s : NodeSettings.CATALOGUE.all()) {
      assertThat(rows).as("README row of %s; expected tables:%n%s", s.name(), NodeSettings.CATALOGUE.markdown())
          .containsKey(s.name());
      assertThat(rows.get(s.name())[1]).as("README default of %s", s.name()).isEqualTo(s.defaultText());
    }
  }

  @Test
  void everyDocumentedVariableIsDeclared() throws IOException {
    assertThat(rows(configurationSection()).keySet())
        .allSatisfy(name -> assertThat(NodeSettings.CATALOGUE.find(name)).as(name + " is declared").isPresent());
  }

  @Test
  void theReadmeTablesAreTheGeneratedOnesOnePerGroupWithTheDeclaredDocs() throws IOException {
    assertThat(configurationSection()).contains(NodeSettings.CATALOGUE.markdown());
  }
}
