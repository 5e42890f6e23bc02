package dev.oprc.odgm.events;

import java.util.Locale;

/**
 * How a {@code TriggerPayload} is serialized into {@code InvocationRequest.payload}.
 * {@link #JSON} is upstream's default and exact serde shape; {@link #PROTOBUF} is the binary
 * message (which also carries our added object_version and depth fields).
 */
public enum PayloadFormat {
  JSON,
  PROTOBUF;

  /**
   * Parses {@code json} or {@code protobuf} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the value and what is accepted
   */
  public static PayloadFormat parse(String value) {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    return switch (v) {
      case "json" -> JSON;
      case "protobuf", "proto" -> PROTOBUF;
      default -> throw new IllegalArgumentException("'" + value + "' is not a payload format; accepted: json | protobuf");
    };
  }
}
