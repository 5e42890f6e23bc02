package dev.oprc.odgm.shard;

/** The requested collection, partition, object or entry does not exist; maps to gRPC NOT_FOUND. */
public final class NotFoundException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NotFoundException(String message) {
    super(message, null, false, false);
  }
}
