package dev.oprc.odgm.node;

import dev.oprc.odgm.settings.Setting;
import dev.oprc.odgm.settings.SettingGroup;
import dev.oprc.odgm.settings.SettingsCatalogue;
import java.util.regex.Pattern;

/**
 * {@code odgm node --help}'s list of variables: every declaration of a {@link SettingsCatalogue}
 * (the README's tables come from the same one) with its default and meaning, as plain text for a
 * terminal. Stateless.
 */
final class NodeHelp {
  private static final int WIDTH = 100;
  private static final String INDENT = "      ";
  private static final Pattern LINK = Pattern.compile("\\[([^\\]]+)]\\([^)]*\\)");

  private NodeHelp() {}

  /** Every group of {@code catalogue}: a heading, then per variable its name, default and meaning. */
  static String variables(SettingsCatalogue catalogue) {
    StringBuilder b = new StringBuilder();
    for (SettingGroup g : catalogue.groups()) {
      b.append('\n').append(g.title()).append(":\n");
      for (Setting<?> s : g.settings()) {
        b.append("  ").append(s.name());
        if (!s.ignored()) {
          b.append(" (default: ").append(plain(s.defaultText())).append(')');
        }
        b.append('\n');
        wrap(b, plain(s.doc()));
      }
    }
    return b.toString();
  }

  /** The README's markdown as terminal text: no backticks, links as their text. */
  static String plain(String markdown) {
    return LINK.matcher(markdown).replaceAll("$1").replace("`", "");
  }

  private static void wrap(StringBuilder b, String text) {
    int col = 0;
    for (String word : text.split(" ", -1)) {
      if (col > 0 && col + 1 + word.length() > WIDTH) {
        b.append('\n');
        col = 0;
      }
      if (col == 0) {
        b.append(INDENT).append(word);
        col = INDENT.length() + word.length();
      } else {
        b.append(' ').append(word);
        col += 1 + word.length();
      }
    }
    b.append('\n');
  }
}
