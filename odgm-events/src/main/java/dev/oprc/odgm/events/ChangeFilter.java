package dev.oprc.odgm.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.TriggerFilter;
import java.io.IOException;
import java.util.Base64;
import java.util.Objects;

/**
 * The trigger filter language applied to change events: a filter written as a trigger's
 * {@code --when} text ({@link FilterExpressions}) or as CloudEvents Subscriptions API JSON
 * ({@link TriggerFilters#fromJson}), compiled for data events. An event passes when one of its
 * changes does: each change is tested as the data event of its key ({@code type} data.create /
 * data.update / data.delete, {@code key} and {@code subject}, {@code object}, {@code cls},
 * {@code partition}, {@code depth} 0, {@code new} when the event carries the value; never
 * {@code old}). Used by a node's resume queries and by {@code ChangeStream} on its live stream.
 *
 * <p>Immutable and thread-safe.
 */
public final class ChangeFilter {
  private static final JsonFactory JSON = new JsonFactory();
  private final CompiledFilter filter;
  private final String text;

  private ChangeFilter(CompiledFilter filter, String text) {
    this.filter = filter;
    this.text = text;
  }

  /**
   * Compiles {@code text}: JSON when it starts with a brace or a bracket, else the readable form.
   *
   * @throws IllegalArgumentException naming what is wrong with it
   */
  public static ChangeFilter parse(String text) {
    Objects.requireNonNull(text, "text");
    String t = text.strip();
    if (t.isEmpty()) {
      throw new IllegalArgumentException("empty change filter");
    }
    TriggerFilter f = t.startsWith("{") || t.startsWith("[") ? TriggerFilters.fromJson(t) : FilterExpressions.parse(t);
    return new ChangeFilter(TriggerFilters.compile(f, TriggerFilters.Scope.DATA), t);
  }

  /**
   * Whether the change event {@code json} (a published event, or a stored body) passes.
   *
   * @throws IllegalArgumentException when it is not a change event
   */
  public boolean test(byte[] json) {
    try (JsonParser p = JSON.createParser(json)) {
      return test(p);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a change event: " + e.getMessage(), e);
    }
  }

  private boolean test(JsonParser p) throws IOException {
    String oid = null;
    String cls = null;
    int partition = 0;
    expect(p.nextToken() == JsonToken.START_OBJECT, "an object");
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      switch (name) {
        case "object_id" -> oid = p.getText();
        case "cls_id" -> cls = p.getText();
        case "partition_id" -> partition = (int) p.getLongValue();
        case "changes" -> {
          expect(oid != null && cls != null, "object_id and cls_id before changes");
          return anyChange(p, cls, partition, oid);
        }
        default -> p.skipChildren();
      }
    }
    return false;
  }

  private boolean anyChange(JsonParser p, String cls, int partition, String oid) throws IOException {
    expect(p.currentToken() == JsonToken.START_ARRAY, "changes as an array");
    while (p.nextToken() == JsonToken.START_OBJECT) {
      String key = null;
      EventType type = null;
      ByteString value = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        switch (name) {
          case "key" -> key = p.getText();
          case "action" -> type = type(p.getText());
          case "value" -> value = ByteString.copyFrom(Base64.getDecoder().decode(p.getText()));
          default -> p.skipChildren();
        }
      }
      expect(key != null && type != null, "a key and an action in each change");
      if (filter.test(new EventContext(cls, partition, oid, type, key, 0, 0, null, null, 0, null, value, null, null))) {
        return true;
      }
    }
    return false;
  }

  private static EventType type(String action) {
    return switch (action) {
      case "create" -> EventType.DATA_CREATE;
      case "update" -> EventType.DATA_UPDATE;
      case "delete" -> EventType.DATA_DELETE;
      default -> throw new IllegalArgumentException("not a change event: unknown action '" + action + "'");
    };
  }

  private static void expect(boolean ok, String what) {
    if (!ok) {
      throw new IllegalArgumentException("not a change event: expected " + what);
    }
  }

  @Override
  public String toString() {
    return text;
  }
}
