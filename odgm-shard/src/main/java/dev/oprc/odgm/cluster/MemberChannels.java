package dev.oprc.odgm.cluster;

import dev.oprc.odgm.security.ClientTls;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One cached gRPC channel per member (to its grpcPort), opened on first use, plaintext or TLS as
 * {@link ClientTls} says. Thread-safe; {@link #close()} shuts them all down.
 */
final class MemberChannels implements AutoCloseable {
  private final Membership membership;
  private final Map<Long, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final ChannelCredentials credentials;
  private volatile boolean closed;

  MemberChannels(Membership membership, ClientTls tls) {
    this.membership = membership;
    this.credentials = tls.credentials();
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
        k -> Grpc.newChannelBuilderForAddress(m.host(), m.grpcPort(), credentials).build());
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
