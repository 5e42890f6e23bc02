package dev.oprc.odgm.cluster;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One entry of {@code ODGM_MEMBERS}: a node id, its host, the port its replication (Raft)
 * transport listens on and its gRPC DataService port (where requests for partitions it owns are
 * forwarded). Immutable.
 */
public record Member(long id, String host, int raftPort, int grpcPort) {
  public Member {
    Objects.requireNonNull(host, "host");
  }

  /** The Raft transport address. */
  public InetSocketAddress raftAddress() {
    return new InetSocketAddress(host, raftPort);
  }

  @Override
  public String toString() {
    return Long.toUnsignedString(id) + "=" + host + ":" + raftPort + ":" + grpcPort;
  }
}
