package dev.oprc.odgm.cluster;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One cached plaintext gRPC channel per member (to its grpcPort), opened on first use. Thread-safe;
 * {@link #close()} shuts them all down.
 */
final class MemberChannels implements AutoCloseable {
  private final Membership membership;
  private final Map<Long, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile boolean closed;

  MemberChannels(Membership membership) {
    this.membership = membership;
  }

  /** The channel to member {@code id}, or null when it is not a member or this is closed. */
  ManagedChannel channel(long id) {
    if (closed) {
      return null;
    }
    Member m = membership.member(id).orElse(null);
    if (m == null) {
      return null;
    }
    return channels.computeIfAbsent(id,
        k -> ManagedChannelBuilder.forAddress(m.host(), m.grpcPort()).usePlaintext().build());
  }

  @Override
  public void close() {
    closed = true;
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
    for (ManagedChannel c : channels.values()) {
      try {
        c.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
