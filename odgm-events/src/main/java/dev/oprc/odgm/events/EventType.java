package dev.oprc.odgm.events;

/**
 * What happened to an object: one of its entries was created, updated or deleted, or a function
 * invoked on it completed or failed. Numbers match upstream's {@code oprc.EventType}.
 *
 * <p>Immutable and thread-safe.
 */
public enum EventType {
  FUNC_COMPLETE(1),
  FUNC_ERROR(2),
  DATA_CREATE(3),
  DATA_UPDATE(4),
  DATA_DELETE(5);

  private static final EventType[] BY_NUMBER = {null, FUNC_COMPLETE, FUNC_ERROR, DATA_CREATE, DATA_UPDATE, DATA_DELETE};

  private final int number;

  EventType(int number) {
    this.number = number;
  }

  /** The wire number ({@code EventInfo.event_type}). */
  public int number() {
    return number;
  }

  /** True for DATA_CREATE, DATA_UPDATE and DATA_DELETE, whose subject is an entry key. */
  public boolean isData() {
    return number >= 3;
  }

  /** The protobuf enum value for this type. */
  public dev.oprc.odgm.proto.EventType toProto() {
    return dev.oprc.odgm.proto.EventType.forNumber(number);
  }

  /**
   * The event type with the given wire number.
   *
   * @throws IllegalArgumentException for 0 (unknown) or any number outside 1..5
   */
  public static EventType fromNumber(int number) {
    if (number < 1 || number >= BY_NUMBER.length) {
      throw new IllegalArgumentException("unknown event type number " + number + " (expected 1..5)");
    }
    return BY_NUMBER[number];
  }
}
