package dev.oprc.odgm.discovery;

import dev.oprc.odgm.cluster.Member;
import java.util.Optional;

/**
 * The liveliness key a member advertises itself under:
 * {@code oprc/_odgm/<cluster>/members/<id>/<host>/<raftPort>/<grpcPort>}. The addresses live in
 * the key because a token carries nothing else; the token lives as long as the node's Zenoh
 * session, so a node that starts later still finds it. Stateless.
 */
public final class MemberAdvert {
  private MemberAdvert() {}

  /** The key expression matching every member advert of {@code cluster}. */
  public static String all(String cluster) {
    return prefix(cluster) + "*/*/*/*";
  }

  /** The advert key of {@code m}. */
  public static String key(String cluster, Member m) {
    return prefix(cluster) + Long.toUnsignedString(m.id()) + "/" + m.host() + "/" + m.raftPort() + "/" + m.grpcPort();
  }

  /** The member an advert key names, or empty for a key that is not one (another version, junk). */
  public static Optional<Member> parse(String cluster, String key) {
    String prefix = prefix(cluster);
    if (!key.startsWith(prefix)) {
      return Optional.empty();
    }
    String[] parts = key.substring(prefix.length()).split("/", -1);
    if (parts.length != 4 || parts[1].isEmpty()) {
      return Optional.empty();
    }
    try {
      int raft = Integer.parseInt(parts[2]);
      int grpc = Integer.parseInt(parts[3]);
      if (raft < 1 || raft > 65535 || grpc < 1 || grpc > 65535) {
        return Optional.empty();
      }
      return Optional.of(new Member(Long.parseUnsignedLong(parts[0]), parts[1], raft, grpc));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static String prefix(String cluster) {
    return "oprc/_odgm/" + cluster + "/members/";
  }
}
