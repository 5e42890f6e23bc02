package dev.oprc.odgm.node;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Zenoh's JSON5 configuration files with Jackson's lenient features: bare or single-quoted
 * keys, single-quoted strings, {@code //} and {@code /* *}{@code /} comments, trailing commas,
 * JSON5's number forms. Values become {@link Map} (insertion order), {@link List}, {@link String},
 * {@link Boolean}, null, or for numbers their text. A syntax error is an
 * {@link IllegalArgumentException} saying the line and column. Thread-safe (stateless).
 */
final class Json5 {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
      .enable(JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES)
      .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES)
      .enable(JsonReadFeature.ALLOW_TRAILING_COMMA)
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .enable(JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS)
      .enable(JsonReadFeature.ALLOW_LEADING_DECIMAL_POINT_FOR_NUMBERS)
      .enable(JsonReadFeature.ALLOW_TRAILING_DECIMAL_POINT_FOR_NUMBERS)
      .enable(JsonReadFeature.ALLOW_BACKSLASH_ESCAPING_ANY_CHARACTER)
      .build();

  private Json5() {
  }

  /** The document's top-level value. */
  static Object parse(String text) {
    try (JsonParser p = FACTORY.createParser(text)) {
      if (p.nextToken() == null) {
        throw new IllegalArgumentException("line 1, column 1: empty document");
      }
      Object v = value(p);
      if (p.nextToken() != null) {
        throw error(p.currentLocation(), "unexpected '" + p.getText() + "' after the document");
      }
      return v;
    } catch (JsonParseException e) {
      throw error(e.getLocation(), e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e); // a String source: not expected
    }
  }

  /** The value whose first token is current. */
  private static Object value(JsonParser p) throws IOException {
    return switch (p.currentToken()) {
      case START_OBJECT -> object(p);
      case START_ARRAY -> array(p);
      case VALUE_TRUE, VALUE_FALSE -> p.getBooleanValue();
      case VALUE_NULL -> null;
      default -> p.getText(); // strings; numbers as written
    };
  }

  private static Map<String, Object> object(JsonParser p) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      p.nextToken();
      m.put(key, value(p));
    }
    return m;
  }

  private static List<Object> array(JsonParser p) throws IOException {
    List<Object> l = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      l.add(value(p));
    }
    return l;
  }

  private static IllegalArgumentException error(JsonLocation at, String what) {
    String where = at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
    return new IllegalArgumentException(where + what);
  }
}
