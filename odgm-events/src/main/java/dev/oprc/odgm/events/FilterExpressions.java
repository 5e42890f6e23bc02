package dev.oprc.odgm.events;

import dev.oprc.odgm.proto.FilterAttributes;
import dev.oprc.odgm.proto.FilterList;
import dev.oprc.odgm.proto.TriggerFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A readable text form of trigger filters (the CLI's {@code --when}), parsed into a
 * {@link TriggerFilter}:
 *
 * <pre>
 *   status changed to shipped            new.status differs from old.status, and is "shipped"
 *   status changed from paid to shipped
 *   amount &gt; 1000                        a member of the new JSON value, compared as a number
 *   new.status == "shipped"              the same, written out; old.x reads the old value
 *   key starts with audit.               also: ends with; == and != on any attribute
 *   not created by depth &gt;= 1            depth &lt; 1: only clients' writes (also: depth ≥ 1)
 *   type == update and (a &gt; 1 or b != x) not, and, or, parentheses (not binds tightest)
 * </pre>
 *
 * Names: {@code type subject key fn object cls partition depth fnstatus error} are event
 * attributes, {@code new}/{@code old} the whole value, {@code new.a.b}/{@code old.a.b} a JSON
 * member, and any other name a member of the new value. Literals are bare words, numbers, or
 * "double" / 'single' quoted strings. {@code ==} with a number compares numerically on values.
 * {@code type} accepts {@code create update delete complete error} for the full names.
 *
 * <p>Stateless; thread-safe.
 */
public final class FilterExpressions {
  private static final Set<String> ATTRIBUTES = Set.of("type", "subject", "key", "fn", "object", "cls", "partition",
      "depth", "fnstatus", "error");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "not", "changed", "from", "to", "starts", "ends",
      "with", "created", "by");

  private FilterExpressions() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming the column and what was expected there
   */
  public static TriggerFilter parse(String text) {
    Parser p = new Parser(text, tokenize(text));
    TriggerFilter f = p.or();
    if (p.peek() != null) {
      throw p.error("expected 'and', 'or' or the end");
    }
    return f;
  }

  /** One token and the column (1-based) where it starts. */
  private record Token(String text, boolean quoted, int column) {}

  private static List<Token> tokenize(String s) {
    List<Token> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '"' || c == '\'') {
        int end = s.indexOf(c, i + 1);
        if (end < 0) {
          throw new IllegalArgumentException("filter '" + s + "': unclosed " + c + " at column " + (i + 1));
        }
        out.add(new Token(s.substring(i + 1, end), true, i + 1));
        i = end + 1;
      } else if (c == '(' || c == ')' || c == '≥' || c == '≤') {
        out.add(new Token(String.valueOf(c), false, i + 1));
        i++;
      } else if (c == '=' || c == '!' || c == '<' || c == '>') {
        int len = i + 1 < s.length() && s.charAt(i + 1) == '=' ? 2 : 1;
        out.add(new Token(s.substring(i, i + len), false, i + 1));
        i += len;
      } else {
        int start = i;
        while (i < s.length() && !Character.isWhitespace(s.charAt(i)) && "()\"'=!<>≥≤".indexOf(s.charAt(i)) < 0) {
          i++;
        }
        out.add(new Token(s.substring(start, i), false, start + 1));
      }
    }
    return out;
  }

  /** Recursive descent over the tokens of one expression. Not thread-safe (one per parse). */
  private static final class Parser {
    final String text;
    final List<Token> tokens;
    int pos;

    Parser(String text, List<Token> tokens) {
      this.text = text;
      this.tokens = tokens;
    }

    Token peek() {
      return pos < tokens.size() ? tokens.get(pos) : null;
    }

    boolean accept(String word) {
      Token t = peek();
      if (t != null && !t.quoted() && t.text().equalsIgnoreCase(word)) {
        pos++;
        return true;
      }
      return false;
    }

    void expect(String word) {
      if (!accept(word)) {
        throw error("expected '" + word + "'");
      }
    }

    IllegalArgumentException error(String what) {
      Token t = peek();
      String at = t == null ? "at the end" : "at column " + t.column() + " ('" + t.text() + "')";
      return new IllegalArgumentException("filter '" + text + "': " + what + " " + at);
    }

    TriggerFilter or() {
      List<TriggerFilter> parts = new ArrayList<>(List.of(and()));
      while (accept("or")) {
        parts.add(and());
      }
      return parts.size() == 1 ? parts.get(0)
          : TriggerFilter.newBuilder().setAny(FilterList.newBuilder().addAllFilters(parts)).build();
    }

    TriggerFilter and() {
      List<TriggerFilter> parts = new ArrayList<>(List.of(unary()));
      while (accept("and")) {
        parts.add(unary());
      }
      return parts.size() == 1 ? parts.get(0) : all(parts);
    }

    TriggerFilter unary() {
      if (accept("not")) {
        return not(unary());
      }
      if (accept("(")) {
        TriggerFilter inner = or();
        expect(")");
        return inner;
      }
      if (accept("created")) {
        expect("by");
        Token t = peek();
        if (t == null || !t.text().equals("depth")) {
          throw error("expected 'depth' after 'created by'");
        }
      }
      return condition();
    }

    TriggerFilter condition() {
      Token nameTok = peek();
      if (nameTok == null || nameTok.quoted() || KEYWORDS.contains(nameTok.text().toLowerCase(Locale.ROOT))) {
        throw error("expected a name (an attribute, new.x, old.x or a field of the new value)");
      }
      pos++;
      Name name = Name.of(nameTok.text(), this);
      if (accept("changed")) {
        return changed(name);
      }
      if (accept("starts")) {
        expect("with");
        return attr("prefix", name, literal().text());
      }
      if (accept("ends")) {
        expect("with");
        return attr("suffix", name, literal().text());
      }
      Token op = peek();
      if (op == null) {
        throw error("expected an operator (==, !=, <, <=, >, >=, changed, starts with, ends with)");
      }
      pos++;
      return switch (op.text()) {
        case "==", "=", "is" -> equal(name, literal());
        case "!=" -> not(equal(name, literal()));
        case "<" -> compare("lt", name);
        case "<=", "≤" -> compare("le", name);
        case ">" -> compare("gt", name);
        case ">=", "≥" -> compare("ge", name);
        default -> {
          pos--;
          throw error("expected an operator (==, !=, <, <=, >, >=, changed, starts with, ends with)");
        }
      };
    }

    TriggerFilter changed(Name name) {
      if (name.pointer == null) {
        throw error("'changed' compares values: name new, old or a field such as status, not '" + name.attr + "'");
      }
      List<TriggerFilter> parts = new ArrayList<>();
      parts.add(TriggerFilter.newBuilder().setChanged(name.pointer).build());
      if (accept("from")) {
        parts.add(equal(name.side("old"), literal()));
      }
      if (accept("to")) {
        parts.add(equal(name.side("new"), literal()));
      }
      return parts.size() == 1 ? parts.get(0) : all(parts);
    }

    TriggerFilter equal(Name name, Token lit) {
      if (!lit.quoted() && name.pointer != null && Decimals.Literal.parse(lit.text()) != null) {
        return all(List.of(attr("ge", name, lit.text()), attr("le", name, lit.text())));
      }
      String value = lit.text();
      if (!lit.quoted() && name.pointer == null && name.attr.equals("type") && !value.contains(".")) {
        value = switch (value) {
          case "create", "update", "delete" -> "data." + value;
          case "complete", "error" -> "func." + value;
          default -> value;
        };
      }
      return attr("exact", name, value);
    }

    TriggerFilter compare(String dialect, Name name) {
      Token lit = literal();
      if (Decimals.Literal.parse(lit.text()) == null) {
        pos--;
        throw error("expected a number");
      }
      return attr(dialect, name, lit.text());
    }

    Token literal() {
      Token t = peek();
      if (t == null || (!t.quoted() && "()".contains(t.text()))) {
        throw error("expected a value");
      }
      pos++;
      return t;
    }

    static TriggerFilter attr(String dialect, Name name, String value) {
      FilterAttributes a = FilterAttributes.newBuilder().putAttributes(name.attributeName(), value).build();
      TriggerFilter.Builder b = TriggerFilter.newBuilder();
      switch (dialect) {
        case "exact" -> b.setExact(a);
        case "prefix" -> b.setPrefix(a);
        case "suffix" -> b.setSuffix(a);
        case "lt" -> b.setLt(a);
        case "le" -> b.setLe(a);
        case "gt" -> b.setGt(a);
        case "ge" -> b.setGe(a);
        default -> throw new IllegalStateException(dialect);
      }
      return b.build();
    }

    static TriggerFilter all(List<TriggerFilter> parts) {
      return TriggerFilter.newBuilder().setAll(FilterList.newBuilder().addAllFilters(parts)).build();
    }

    static TriggerFilter not(TriggerFilter f) {
      return TriggerFilter.newBuilder().setNot(f).build();
    }
  }

  /**
   * A name in an expression: an event attribute ({@code pointer == null}), or a side of the
   * entry value ({@code new}/{@code old}) with a JSON pointer ("" = the whole value).
   */
  private record Name(String attr, String pointer) {
    static Name of(String text, Parser p) {
      if (ATTRIBUTES.contains(text)) {
        return new Name(text, null);
      }
      String[] parts = text.split("\\.", -1);
      for (String part : parts) {
        if (part.isEmpty()) {
          throw p.error("empty segment in name '" + text + "'");
        }
      }
      boolean side = parts[0].equals("new") || parts[0].equals("old");
      StringBuilder ptr = new StringBuilder();
      for (int i = side ? 1 : 0; i < parts.length; i++) {
        ptr.append('/').append(parts[i].replace("~", "~0").replace("/", "~1"));
      }
      return new Name(side ? parts[0] : "new", ptr.toString());
    }

    Name side(String s) {
      return new Name(s, pointer);
    }

    String attributeName() {
      return pointer == null ? attr : attr + pointer;
    }
  }
}
