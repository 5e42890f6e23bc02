package dev.oprc.odgm.events;

import com.google.protobuf.ByteString;

/** Events the filter tests evaluate: data events with JSON or text values, and function events. */
final class FilterEvents {
  private FilterEvents() {}

  static EventContext data(EventType type, String key, String newValue, String oldValue, int depth) {
    return new EventContext("orders", 3, "order-1", type, key, 7L, Fixtures.T0, null, null, depth, null,
        newValue == null ? null : ByteString.copyFromUtf8(newValue),
        oldValue == null ? null : ByteString.copyFromUtf8(oldValue), null);
  }

  static EventContext function(EventType type, String fn, String status, String error, int depth) {
    return new EventContext("orders", 3, "order-1", type, fn, 0L, Fixtures.T0, null, error, depth, null,
        null, null, status);
  }

  static final EventContext SHIPPED = data(EventType.DATA_UPDATE, "order",
      "{\"status\":\"shipped\",\"amount\":1500}", "{\"status\":\"paid\",\"amount\":1500}", 0);
  static final EventContext STILL_SHIPPED = data(EventType.DATA_UPDATE, "order",
      "{\"status\": \"shipped\", \"amount\": 1500, \"note\": \"gift\"}", "{\"amount\":1500,\"status\":\"shipped\"}", 0);
  static final EventContext CREATED_BY_FUNCTION = data(EventType.DATA_CREATE, "order",
      "{\"status\":\"new\",\"amount\":20}", null, 1);
  static final EventContext AUDIT_CREATE = data(EventType.DATA_CREATE, "audit.2026-12-01", "login alice", null, 0);
  static final EventContext AUDIT_DELETE = data(EventType.DATA_DELETE, "audit.login", null, "alice", 0);
  static final EventContext PLAIN_NUMBER = data(EventType.DATA_UPDATE, "amount", "1000.5", " 999\n", 0);
  static final EventContext ESCAPED = data(EventType.DATA_UPDATE, "order",
      "{\"status\":\"sh\\u0069pped\",\"tags\":[\"a\",{\"sku\":\"b/c\"}]}", "{\"status\":\"shipped\"}", 2);
  static final EventContext FN_OK = function(EventType.FUNC_COMPLETE, "charge", "OKAY", null, 1);
  static final EventContext FN_ERROR = function(EventType.FUNC_ERROR, "charge", "APP_ERROR",
      "APP_ERROR: card declined", 0);
}
