package dev.oprc.odgm.events;

import java.util.Map;

/**
 * Names of the invocation options ({@code InvocationRequest.options}) that odgm-events adds to
 * every triggered invocation, next to the target's own {@code req_options}.
 *
 * <p>Stateless utility; thread-safe.
 */
public final class TriggerHeaders {
  /** Depth of the event that caused this invocation; the invoked function's writes get depth + 1. */
  public static final String DEPTH = "odgm-trigger-depth";
  /** Version of the source object after the write that fired a data trigger. */
  public static final String OBJECT_VERSION = "odgm-object-version";
  /** Event type number (1..5) of the event that fired the trigger. */
  public static final String EVENT_TYPE = "odgm-event-type";
  /** W3C trace context. */
  public static final String TRACEPARENT = "traceparent";

  private TriggerHeaders() {}

  /**
   * The depth of events caused by an invocation with these options: the invocation's
   * {@link #DEPTH} + 1, or 0 when the invocation was not made by a trigger (no header).
   * A malformed header is treated as a trigger invocation of unknown depth and mapped to
   * {@code Integer.MAX_VALUE / 2}, so loops built from forged headers still stop.
   */
  public static int causedEventDepth(Map<String, String> options) {
    String v = options == null ? null : options.get(DEPTH);
    if (v == null) {
      return 0;
    }
    try {
      int d = Integer.parseInt(v.trim());
      if (d < 0) {
        return Integer.MAX_VALUE / 2;
      }
      return d >= Integer.MAX_VALUE / 2 ? Integer.MAX_VALUE / 2 : d + 1;
    } catch (NumberFormatException e) {
      return Integer.MAX_VALUE / 2;
    }
  }
}
