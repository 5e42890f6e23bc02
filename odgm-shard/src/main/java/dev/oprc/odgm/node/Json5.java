package dev.oprc.odgm.node;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A lenient JSON5 reader for Zenoh configuration files: objects with quoted or bare keys, arrays,
 * single- or double-quoted strings, {@code //} and {@code /* *}{@code /} comments, trailing commas.
 * Values become {@link Map} (insertion order), {@link List}, {@link String}, {@link Boolean}, null,
 * or for numbers their text. A syntax error is an {@link IllegalArgumentException} saying the line
 * and column. Not thread-safe (one instance per document).
 */
final class Json5 {
  private final String text;
  private int pos;

  private Json5(String text) {
    this.text = text;
  }

  /** The document's top-level value. */
  static Object parse(String text) {
    Json5 p = new Json5(text);
    Object v = p.value();
    p.skipBlank();
    if (p.pos < text.length()) {
      throw p.error("unexpected '" + text.charAt(p.pos) + "' after the document");
    }
    return v;
  }

  private Object value() {
    skipBlank();
    if (pos >= text.length()) {
      throw error("unexpected end of the document");
    }
    char c = text.charAt(pos);
    if (c == '{') {
      return object();
    } else if (c == '[') {
      return array();
    } else if (c == '"' || c == '\'') {
      return string();
    }
    String word = word();
    return switch (word) {
      case "true" -> true;
      case "false" -> false;
      case "null" -> null;
      default -> word; // a number, kept as text
    };
  }

  private Map<String, Object> object() {
    Map<String, Object> m = new LinkedHashMap<>();
    pos++; // '{'
    while (true) {
      skipBlank();
      if (peek() == '}') {
        pos++;
        return m;
      }
      String key = peek() == '"' || peek() == '\'' ? string() : word();
      skipBlank();
      expect(':');
      m.put(key, value());
      if (!separator('}')) {
        return m;
      }
    }
  }

  private List<Object> array() {
    List<Object> l = new ArrayList<>();
    pos++; // '['
    while (true) {
      skipBlank();
      if (peek() == ']') {
        pos++;
        return l;
      }
      l.add(value());
      if (!separator(']')) {
        return l;
      }
    }
  }

  /** After a member: true when another may follow (a comma was read), false when {@code close} was. */
  private boolean separator(char close) {
    skipBlank();
    char c = peek();
    pos++;
    if (c == ',') {
      return true;
    }
    if (c != close) {
      pos--;
      throw error("expected ',' or '" + close + "'");
    }
    return false;
  }

  private String string() {
    char quote = text.charAt(pos++);
    StringBuilder b = new StringBuilder();
    while (pos < text.length() && text.charAt(pos) != quote) {
      char c = text.charAt(pos++);
      if (c == '\\' && pos < text.length()) {
        c = unescape(text.charAt(pos++));
      } else if (c == '\n') {
        throw error("line break in a string");
      }
      b.append(c);
    }
    if (pos >= text.length()) {
      throw error("unterminated string");
    }
    pos++;
    return b.toString();
  }

  private char unescape(char c) {
    return switch (c) {
      case 'n' -> '\n';
      case 't' -> '\t';
      case 'r' -> '\r';
      case 'b' -> '\b';
      case 'f' -> '\f';
      case 'u' -> {
        if (pos + 4 > text.length()) {
          throw error("bad \\u escape");
        }
        char u = (char) Integer.parseInt(text.substring(pos, pos + 4), 16);
        pos += 4;
        yield u;
      }
      default -> c;
    };
  }

  /** A bare key, number or keyword. */
  private String word() {
    int start = pos;
    while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || "_$.+-".indexOf(text.charAt(pos))
        >= 0)) {
      pos++;
    }
    if (pos == start) {
      throw error(pos < text.length() ? "unexpected '" + text.charAt(pos) + "'" : "unexpected end of the document");
    }
    return text.substring(start, pos);
  }

  private void expect(char c) {
    if (peek() != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  private char peek() {
    if (pos >= text.length()) {
      throw error("unexpected end of the document");
    }
    return text.charAt(pos);
  }

  private void skipBlank() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (Character.isWhitespace(c) || c == '\uFEFF') {
        pos++;
      } else if (text.startsWith("//", pos)) {
        int nl = text.indexOf('\n', pos);
        pos = nl < 0 ? text.length() : nl + 1;
      } else if (text.startsWith("/*", pos)) {
        int end = text.indexOf("*/", pos + 2);
        if (end < 0) {
          throw error("unterminated comment");
        }
        pos = end + 2;
      } else {
        return;
      }
    }
  }

  private IllegalArgumentException error(String what) {
    int line = 1;
    int col = 1;
    for (int i = 0; i < Math.min(pos, text.length()); i++) {
      if (text.charAt(i) == '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
    return new IllegalArgumentException("line " + line + ", column " + col + ": " + what);
  }
}
