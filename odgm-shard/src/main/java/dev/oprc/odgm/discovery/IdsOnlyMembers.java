package dev.oprc.odgm.discovery;

import dev.oprc.odgm.cluster.Member;
import dev.oprc.odgm.node.NodeSettings;
import dev.oprc.odgm.settings.ConfigException;
import dev.oprc.odgm.settings.Settings;
import dev.oprc.zenoh.Session;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Upstream's member list, node ids only ({@code ODGM_MEMBERS=1,2,3}), turned into the explicit
 * {@code id=host:raftPort:grpcPort} form the rest of the node reads: this node's entry from
 * {@code ODGM_NODE_ADDR} (host; default this host's address), {@code ODGM_HTTP_PORT} and
 * {@code ODGM_RAFT_PORT}; the others' from their {@link MemberAdvert}s. Stateless.
 */
public final class IdsOnlyMembers {
  private static final Duration REPORT_EVERY = Duration.ofSeconds(10);

  private IdsOnlyMembers() {}

  /** True when {@code env}'s {@code ODGM_MEMBERS} lists node ids only. */
  public static boolean idsOnly(Map<String, String> env) {
    String raw = Settings.of(env).get(NodeSettings.MEMBERS);
    return raw != null && !raw.contains("=") && !raw.isBlank();
  }

  /**
   * {@code env} with every listed id at this node's own addresses, so that the rest of the
   * configuration is checked before anything opens; unchanged unless {@link #idsOnly}.
   */
  public static Map<String, String> provisional(Map<String, String> env) {
    if (!idsOnly(env)) {
      return env;
    }
    Member self = self(env);
    return withMembers(env, ids(env).stream().map(id -> new Member(id, self.host(), self.raftPort(), self.grpcPort()))
        .toList());
  }

  /**
   * {@code env} with the members' advertised addresses once every one is known; unchanged unless
   * {@link #idsOnly}.
   *
   * @throws InterruptedException when the start is abandoned while waiting
   */
  public static Map<String, String> resolve(Map<String, String> env, Session session) throws InterruptedException {
    if (!idsOnly(env)) {
      return env;
    }
    String cluster = Settings.of(env).get(NodeSettings.CLUSTER_ID);
    return withMembers(env, MemberDiscovery.await(session, cluster, self(env), ids(env), REPORT_EVERY));
  }

  /** This node's advert. */
  static Member self(Map<String, String> env) {
    Settings s = Settings.of(env);
    Long id = s.get(NodeSettings.NODE_ID);
    if (id == null) {
      throw new ConfigException(NodeSettings.MEMBERS.name() + " lists node ids only, so " + NodeSettings.NODE_ID.name()
          + " must say which of them this node is");
    }
    int grpc = s.get(NodeSettings.HTTP_PORT);
    if (grpc == 0) {
      throw new ConfigException(NodeSettings.HTTP_PORT.name() + "=0 (ephemeral) cannot be advertised to the members "
          + "of " + NodeSettings.MEMBERS.name() + "; give a port");
    }
    // + 1000, not + 1: nodes on one host often take consecutive gRPC ports
    int raft = s.isSet(NodeSettings.RAFT_PORT) ? s.get(NodeSettings.RAFT_PORT) : grpc + 1000;
    if (raft > 65535 || raft == grpc) {
      throw new ConfigException(NodeSettings.RAFT_PORT.name() + ": the Raft port " + raft + " must differ from the "
          + "gRPC port and be at most 65535");
    }
    return new Member(id, host(s), raft, grpc);
  }

  private static String host(Settings s) {
    String addr = s.get(NodeSettings.NODE_ADDR);
    if (addr != null) {
      String host = URI.create(addr.contains("://") ? addr : "http://" + addr).getHost();
      if (host == null) {
        throw NodeSettings.NODE_ADDR.invalid(addr);
      }
      return host;
    }
    try {
      return InetAddress.getLocalHost().getHostAddress();
    } catch (UnknownHostException e) {
      return InetAddress.getLoopbackAddress().getHostAddress();
    }
  }

  private static List<Long> ids(Map<String, String> env) {
    String raw = Settings.of(env).get(NodeSettings.MEMBERS);
    List<Long> ids = new ArrayList<>();
    for (String part : raw.split(",", -1)) {
      try {
        ids.add(Long.parseUnsignedLong(part.trim()));
      } catch (NumberFormatException e) {
        throw new ConfigException(NodeSettings.MEMBERS.name() + "=" + raw + ": entry '" + part.trim() + "' is neither "
            + "a node id nor id=host:raftPort:grpcPort");
      }
    }
    return ids;
  }

  private static Map<String, String> withMembers(Map<String, String> env, List<Member> members) {
    Map<String, String> out = new HashMap<>(env);
    out.put(NodeSettings.MEMBERS.name(), members.stream().map(Member::toString).collect(Collectors.joining(",")));
    return Map.copyOf(out);
  }
}
