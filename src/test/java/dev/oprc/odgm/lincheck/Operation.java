package dev.oprc.odgm.lincheck;

import java.util.Objects;

/**
 * One completed (or abandoned) client operation on one key of a versioned register, as a client
 * saw it: when it was invoked, when the answer came (or {@link #UNKNOWN_RETURN} when the outcome
 * is unknown: a timeout or UNAVAILABLE after the request was sent, so it may or may not have taken
 * effect), what it asked and what it got. Immutable.
 *
 * <p>Per kind: {@code READ} carries the value read ({@code null}: the object was absent) and the
 * object version the read returned (0 when absent); {@code WRITE} carries the value written;
 * {@code CAS} carries the value written and, in {@code version}, the expected object version.
 *
 * @param id unique within a history, used in reports
 * @param client the client (thread) that issued it; a client's operations never overlap
 * @param key the object the operation addressed
 * @param kind what it did
 * @param value value read (READ, null = absent) or written (WRITE, CAS)
 * @param version version read (READ) or expected (CAS); 0 for WRITE
 * @param invokedAt nanoseconds on the history's clock when the request was issued
 * @param returnedAt nanoseconds when the answer arrived, {@link #UNKNOWN_RETURN} when none did
 * @param status the outcome
 */
public record Operation(int id, int client, String key, Kind kind, String value, long version, long invokedAt,
    long returnedAt, Status status) {

  /** The response time of an operation whose outcome is unknown: it may take effect at any later time. */
  public static final long UNKNOWN_RETURN = Long.MAX_VALUE;

  /** The operation types of the register. */
  public enum Kind {
    /** GetValue: the value and object version, or absent. */
    READ,
    /** SetValue (or a BatchSetValues without expected version): unconditional write. */
    WRITE,
    /** BatchSetValues with expected_object_version: writes only when the version matches. */
    CAS
  }

  /** The outcome as the client saw it. */
  public enum Status {
    /** Acknowledged (for CAS: the version matched and the write committed). */
    OK,
    /** CAS only: refused because the version did not match (ABORTED); nothing was written. */
    FAILED,
    /** No answer (timeout, UNAVAILABLE after sending): may or may not have taken effect. */
    UNKNOWN
  }

  public Operation {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(status, "status");
    if (kind != Kind.READ && value == null) {
      throw new IllegalArgumentException("operation " + id + ": a " + kind + " needs a value");
    }
    if (status == Status.FAILED && kind != Kind.CAS) {
      throw new IllegalArgumentException("operation " + id + ": only a CAS can fail, not a " + kind);
    }
    if ((status == Status.UNKNOWN) != (returnedAt == UNKNOWN_RETURN)) {
      throw new IllegalArgumentException("operation " + id + ": status " + status + " with returnedAt " + returnedAt);
    }
    if (returnedAt < invokedAt) {
      throw new IllegalArgumentException("operation " + id + ": returned at " + returnedAt
          + " before its invocation at " + invokedAt);
    }
  }

  /** A read that returned {@code value} at object version {@code version} ({@code value} null: absent). */
  public static Operation read(int id, int client, String key, long invokedAt, long returnedAt, String value,
      long version) {
    return new Operation(id, client, key, Kind.READ, value, value == null ? 0 : version, invokedAt, returnedAt,
        Status.OK);
  }

  /** An acknowledged write of {@code value}. */
  public static Operation write(int id, int client, String key, long invokedAt, long returnedAt, String value) {
    return new Operation(id, client, key, Kind.WRITE, value, 0, invokedAt, returnedAt, Status.OK);
  }

  /** A CAS from {@code expected} to {@code value} that succeeded ({@code ok}) or was refused. */
  public static Operation cas(int id, int client, String key, long invokedAt, long returnedAt, long expected,
      String value, boolean ok) {
    return new Operation(id, client, key, Kind.CAS, value, expected, invokedAt, returnedAt,
        ok ? Status.OK : Status.FAILED);
  }

  /** A write whose outcome is unknown. */
  public static Operation unknownWrite(int id, int client, String key, long invokedAt, String value) {
    return new Operation(id, client, key, Kind.WRITE, value, 0, invokedAt, UNKNOWN_RETURN, Status.UNKNOWN);
  }

  /** A CAS whose outcome is unknown. */
  public static Operation unknownCas(int id, int client, String key, long invokedAt, long expected, String value) {
    return new Operation(id, client, key, Kind.CAS, value, expected, invokedAt, UNKNOWN_RETURN, Status.UNKNOWN);
  }

  /** A read whose answer never came (it constrains nothing; the checker ignores it). */
  public static Operation unknownRead(int id, int client, String key, long invokedAt) {
    return new Operation(id, client, key, Kind.READ, null, 0, invokedAt, UNKNOWN_RETURN, Status.UNKNOWN);
  }

  boolean unknown() {
    return status == Status.UNKNOWN;
  }

  /** One line: id, client, interval in ms, what it did and what came back. */
  String describe(long origin) {
    String ret = unknown() ? "        ?" : ms(returnedAt - origin);
    String what = switch (kind) {
      case READ -> unknown() ? "read -> ?" : value == null ? "read -> absent" : "read -> \"" + value + "\" @v" + version;
      case WRITE -> "write \"" + value + "\"" + (unknown() ? " -> ?" : " -> ok");
      case CAS -> "cas v" + version + " -> \"" + value + "\"" + switch (status) {
        case OK -> " -> ok";
        case FAILED -> " -> FAILED (version mismatch)";
        case UNKNOWN -> " -> ?";
      };
    };
    return String.format("#%-5d client %-3d [%s .. %s ms]  %s", id, client, ms(invokedAt - origin), ret, what);
  }

  private static String ms(long nanos) {
    return String.format("%9.3f", nanos / 1e6);
  }
}
