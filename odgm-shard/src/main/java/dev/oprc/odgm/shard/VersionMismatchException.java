package dev.oprc.odgm.shard;

/** A compare-and-set write found a different object version; nothing was written. Maps to gRPC ABORTED. */
public final class VersionMismatchException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long expected;
  private final long actual;

  public VersionMismatchException(String objectId, long expected, long actual) {
    super("version mismatch on object '" + objectId + "': expected " + expected + ", got " + actual, null, false, false);
    this.expected = expected;
    this.actual = actual;
  }

  public long expected() {
    return expected;
  }

  public long actual() {
    return actual;
  }
}
