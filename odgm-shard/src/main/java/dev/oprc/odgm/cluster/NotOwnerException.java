package dev.oprc.odgm.cluster;

/**
 * A request reached a node that does not own the partition right now (ownership moved between
 * routing and serving, or a raft group lost its leader). Clients get UNAVAILABLE and may retry.
 * Immutable.
 */
public final class NotOwnerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NotOwnerException(String collection, int partition) {
    super("this node does not own partition " + Integer.toUnsignedString(partition) + " of collection '" + collection
        + "' right now (ownership is changing); retry", null, false, false);
  }
}
