package dev.oprc.odgm.lincheck;

import java.util.Objects;

/**
 * The state of one object in the register model: the value of its one entry ({@code null}: the
 * object does not exist) and its object version, with the transitions {@code ObjectShard}
 * implements: every write that changes the value increments the version by one; rewriting the
 * same value leaves it unchanged (ODGM_EVENT_UPDATE_ON_SAME_VALUE=false, the default); an absent
 * object has version 0 and its first write gives version {@code version + 1}; a CAS
 * (BatchSetValues with expected_object_version) writes only when the expected version is the
 * current one and otherwise changes nothing. Immutable.
 *
 * @param value the entry's value, null when the object is absent
 * @param version the object version (0 when absent and never written)
 */
public record RegisterState(String value, long version) {
  /** An object that was never written. */
  public static final RegisterState ABSENT = new RegisterState(null, 0);

  public RegisterState {
    if (version < 0) {
      throw new IllegalArgumentException("version " + version + " < 0");
    }
  }

  /** The state after writing {@code v}: unchanged when it is the current value. */
  RegisterState written(String v) {
    return v.equals(value) ? this : new RegisterState(v, version + 1);
  }

  /**
   * The state after {@code op} when {@code op} can take effect here with the result the client
   * saw, or null when it cannot (a read of another value, a successful CAS on another version...).
   * An operation of unknown outcome always can: a CAS applies when its version matches (that it
   * did not apply at all is the linearization after everything else).
   */
  RegisterState step(Operation op) {
    return switch (op.kind()) {
      case READ -> Objects.equals(op.value(), value) && (value == null || op.version() == version) ? this : null;
      case WRITE -> written(op.value());
      case CAS -> switch (op.status()) {
        case OK -> op.version() == version ? written(op.value()) : null;
        case FAILED -> op.version() != version ? this : null;
        case UNKNOWN -> op.version() == version ? written(op.value()) : this;
      };
    };
  }

  @Override
  public String toString() {
    return value == null ? "absent@v" + version : "\"" + value + "\"@v" + version;
  }
}
