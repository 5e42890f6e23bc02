package dev.oprc.odgm.cluster;

import dev.oprc.odgm.settings.ConfigException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The static member list of a cluster ({@code ODGM_MEMBERS=id=host:raftPort:grpcPort,...}) and
 * this node's id. An empty member list is a standalone node: it holds and owns every partition,
 * exactly as before clustering existed. Immutable; members sorted by id.
 */
public record Membership(long self, List<Member> members) {
  public static final String MEMBERS = dev.oprc.odgm.node.NodeSettings.MEMBERS.name();

  public Membership {
    members = members.stream().sorted(Comparator.comparingLong(Member::id)).toList();
  }

  /** A standalone node. */
  public static Membership standalone(long self) {
    return new Membership(self, List.of());
  }

  /** True when {@code ODGM_MEMBERS} named other nodes (or at least this one). */
  public boolean clustered() {
    return !members.isEmpty();
  }

  /** The member with {@code id}, if listed. */
  public Optional<Member> member(long id) {
    return members.stream().filter(m -> m.id() == id).findFirst();
  }

  /** Member ids in ascending order. */
  public List<Long> ids() {
    return members.stream().map(Member::id).toList();
  }

  /**
   * Parses {@code raw} (null or blank = standalone) for node {@code self}; {@code httpPort} is
   * {@code ODGM_HTTP_PORT} when it was set, else null.
   *
   * @throws ConfigException naming the bad entry and the accepted form
   */
  public static Membership parse(String raw, long self, Integer httpPort) {
    if (raw == null || raw.isBlank()) {
      return standalone(self);
    }
    Map<Long, Member> byId = new LinkedHashMap<>();
    for (String entry : raw.split(",", -1)) {
      Member m = entry(raw, entry.trim());
      if (byId.putIfAbsent(m.id(), m) != null) {
        throw bad(raw, "node id " + Long.toUnsignedString(m.id()) + " is listed twice");
      }
    }
    Member own = byId.get(self);
    if (own == null) {
      throw bad(raw, "this node's ODGM_NODE_ID " + Long.toUnsignedString(self) + " is not listed");
    }
    if (httpPort != null && httpPort != own.grpcPort()) {
      throw bad(raw, "this node's grpcPort " + own.grpcPort() + " differs from ODGM_HTTP_PORT=" + httpPort);
    }
    return new Membership(self, new ArrayList<>(byId.values()));
  }

  private static Member entry(String raw, String entry) {
    int eq = entry.indexOf('=');
    int c2 = entry.lastIndexOf(':');
    int c1 = c2 < 0 ? -1 : entry.lastIndexOf(':', c2 - 1);
    if (eq <= 0 || c1 <= eq + 1 || c2 <= c1 + 1 || c2 == entry.length() - 1) {
      throw bad(raw, "entry '" + entry + "' is not id=host:raftPort:grpcPort");
    }
    long id;
    try {
      id = Long.parseUnsignedLong(entry.substring(0, eq));
    } catch (NumberFormatException e) {
      throw bad(raw, "entry '" + entry + "' has an invalid node id (accepted: an unsigned 64-bit integer)");
    }
    return new Member(id, entry.substring(eq + 1, c1), port(raw, entry, entry.substring(c1 + 1, c2)),
        port(raw, entry, entry.substring(c2 + 1)));
  }

  private static int port(String raw, String entry, String s) {
    try {
      int p = Integer.parseInt(s);
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw bad(raw, "entry '" + entry + "' has an invalid port '" + s + "' (accepted: 1..65535)");
  }

  private static ConfigException bad(String raw, String why) {
    return new ConfigException(MEMBERS + "=" + raw + ": " + why
        + "; accepted: comma-separated id=host:raftPort:grpcPort including this node");
  }
}
