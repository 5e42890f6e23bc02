package dev.oprc.odgm.events;

import dev.oprc.odgm.proto.TriggerTarget;
import java.util.Objects;

/**
 * Builds and validates the Zenoh keys that triggers are published on:
 * <ul>
 *   <li>stateless: {@code oprc/{cls}/{partition}/async/{fn}/{invocation_id}}</li>
 *   <li>stateful: {@code oprc/{cls}/{partition}/objects/{object_id}/async/{fn}/{invocation_id}}</li>
 * </ul>
 * Each interpolated segment must be a valid single chunk of a Zenoh key expression: not empty,
 * and free of {@code / * $ # ?}. Upstream interpolated blindly; we reject the target instead.
 *
 * <p>Stateless utility; thread-safe.
 */
public final class TriggerKeys {
  private TriggerKeys() {}

  /**
   * Why {@code segment} cannot be used as one key chunk, or {@code null} when it can.
   */
  public static String segmentProblem(String segment) {
    if (segment == null || segment.isEmpty()) {
      return "is empty";
    }
    if (segment.charAt(0) == '@') {
      // Zenoh treats '@'-chunks as verbatim: '*' never matches them, so no receiver would get the put
      return "starts with '@' (a verbatim Zenoh chunk that wildcard subscribers never match)";
    }
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      switch (c) {
        case '/', '*', '$', '#', '?' -> {
          return "contains '" + c + "' at index " + i;
        }
        default -> {
          if (Character.isISOControl(c)) {
            return "contains control character U+" + String.format("%04X", (int) c) + " at index " + i;
          }
        }
      }
    }
    return null;
  }

  /** Checks one key segment, naming it in the error. */
  public static String requireSegment(String what, String segment) {
    String problem = segmentProblem(segment);
    if (problem != null) {
      throw new InvalidTriggerTargetException(
          what + " '" + (segment == null ? "null" : segment) + "' " + problem
              + "; it must be a non-empty Zenoh key chunk without '/', '*', '$', '#', '?'");
    }
    return segment;
  }

  /**
   * The key without its final invocation-id segment, ending in '/'. Validates the target.
   *
   * @throws InvalidTriggerTargetException naming the bad field and value
   */
  public static String keyPrefix(TriggerTarget target) {
    Objects.requireNonNull(target, "target");
    String cls = requireSegment("target cls_id", target.getClsId());
    String fn = requireSegment("target fn_id", target.getFnId());
    String partition = Integer.toUnsignedString(target.getPartitionId());
    if (target.hasObjectId()) {
      String oid = requireSegment("target object_id", target.getObjectId());
      return "oprc/" + cls + "/" + partition + "/objects/" + oid + "/async/" + fn + "/";
    }
    return "oprc/" + cls + "/" + partition + "/async/" + fn + "/";
  }

  /** The full stateless key {@code oprc/{cls}/{p}/async/{fn}/{id}}. */
  public static String statelessKey(String cls, int partition, String fn, String invocationId) {
    return "oprc/" + requireSegment("cls_id", cls) + "/" + Integer.toUnsignedString(partition)
        + "/async/" + requireSegment("fn_id", fn) + "/" + requireSegment("invocation_id", invocationId);
  }

  /** The full stateful key {@code oprc/{cls}/{p}/objects/{oid}/async/{fn}/{id}}. */
  public static String statefulKey(String cls, int partition, String objectId, String fn, String invocationId) {
    return "oprc/" + requireSegment("cls_id", cls) + "/" + Integer.toUnsignedString(partition)
        + "/objects/" + requireSegment("object_id", objectId) + "/async/" + requireSegment("fn_id", fn)
        + "/" + requireSegment("invocation_id", invocationId);
  }
}
