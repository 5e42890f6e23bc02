package dev.oprc.odgm.events;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * One event on one object: the input to trigger matching and the source of every
 * {@code TriggerPayload} built for it.
 *
 * <p>{@code subject} is the entry key for data events and the function id for function events.
 * {@code timestampMillis} is the commit time of the write (or the completion time of the
 * function), not the dispatch time. {@code depth} counts the trigger hops that led to this event:
 * 0 for a client's write, {@code d + 1} for a write made by a function that a trigger invoked at
 * depth {@code d}. {@code payload} (nullable) becomes {@code original_payload}; {@code error}
 * (nullable, function errors only) is reported in {@code EventInfo.context["error"]}.
 * {@code newValue} and {@code oldValue} (nullable, data events only) are the entry's value after
 * and before the write: what trigger filters test and what a target that asks for values gets
 * in its payload. {@code status} (nullable, function events only) is the function's
 * {@code ResponseStatus} name.
 *
 * <p>Immutable and thread-safe, provided callers do not mutate {@code payload} after handing it over.
 */
@SuppressWarnings("ArrayRecordComponent") // bytes are passed through, never compared or hashed
public record EventContext(
    String clsId,
    int partitionId,
    String objectId,
    EventType type,
    String subject,
    long objectVersion,
    long timestampMillis,
    byte[] payload,
    String error,
    int depth,
    String traceparent,
    ByteString newValue,
    ByteString oldValue,
    String status) {

  public EventContext {
    Objects.requireNonNull(clsId, "clsId");
    Objects.requireNonNull(objectId, "objectId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(subject, "subject");
    if (depth < 0) {
      throw new IllegalArgumentException("depth must be >= 0, was " + depth);
    }
  }

  /** A context without entry values or function status (the shape before trigger filters). */
  public EventContext(String clsId, int partitionId, String objectId, EventType type, String subject,
      long objectVersion, long timestampMillis, byte[] payload, String error, int depth, String traceparent) {
    this(clsId, partitionId, objectId, type, subject, objectVersion, timestampMillis, payload, error, depth,
        traceparent, null, null, null);
  }

  /** A data event (create, update or delete of entry {@code key}) with no payload. */
  public static EventContext data(
      String clsId, int partitionId, String objectId, EventType type, String key,
      long objectVersion, long timestampMillis, int depth) {
    if (!type.isData()) {
      throw new IllegalArgumentException("not a data event type: " + type);
    }
    return new EventContext(clsId, partitionId, objectId, type, key, objectVersion, timestampMillis,
        null, null, depth, null);
  }

  /** A function event: FUNC_COMPLETE with the response payload, or FUNC_ERROR with its error text. */
  public static EventContext function(
      String clsId, int partitionId, String objectId, EventType type, String fnId,
      byte[] payload, String error, long timestampMillis, int depth) {
    if (type.isData()) {
      throw new IllegalArgumentException("not a function event type: " + type);
    }
    return new EventContext(clsId, partitionId, objectId, type, fnId, 0L, timestampMillis,
        payload, error, depth, null);
  }

  /** This context with a W3C {@code traceparent} to propagate to the triggered invocations. */
  public EventContext withTraceparent(String traceparent) {
    return new EventContext(clsId, partitionId, objectId, type, subject, objectVersion,
        timestampMillis, payload, error, depth, traceparent, newValue, oldValue, status);
  }

  /** This context with the entry's value after ({@code newValue}) and before ({@code oldValue}) the write. */
  public EventContext withValues(ByteString newValue, ByteString oldValue) {
    return new EventContext(clsId, partitionId, objectId, type, subject, objectVersion,
        timestampMillis, payload, error, depth, traceparent, newValue, oldValue, status);
  }

  /** This context with the function's response status name (OKAY, APP_ERROR, ...). */
  public EventContext withStatus(String status) {
    return new EventContext(clsId, partitionId, objectId, type, subject, objectVersion,
        timestampMillis, payload, error, depth, traceparent, newValue, oldValue, status);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EventContext c
        && partitionId == c.partitionId && objectVersion == c.objectVersion
        && timestampMillis == c.timestampMillis && depth == c.depth
        && clsId.equals(c.clsId) && objectId.equals(c.objectId) && type == c.type
        && subject.equals(c.subject) && java.util.Arrays.equals(payload, c.payload)
        && Objects.equals(error, c.error) && Objects.equals(traceparent, c.traceparent)
        && Objects.equals(newValue, c.newValue) && Objects.equals(oldValue, c.oldValue)
        && Objects.equals(status, c.status);
  }

  @Override
  public int hashCode() {
    return Objects.hash(clsId, partitionId, objectId, type, subject, objectVersion, depth);
  }

  @Override
  public String toString() {
    return "EventContext[" + type + " " + clsId + "/" + Integer.toUnsignedString(partitionId) + "/"
        + objectId + " " + subject + " v" + objectVersion + " depth=" + depth
        + (payload == null ? "" : " payload=" + payload.length + "B")
        + (error == null ? "" : " error=" + error) + "]";
  }
}
