package dev.oprc.odgm.node;

/**
 * A parsed key of ODGM's Zenoh API (upstream's shapes, prefix {@code oprc/{c}/{p}}):
 *
 * <pre>
 * oprc/{c}/{p}/objects/{id}                  GET (query) / PUT, DELETE (sample)
 * oprc/{c}/{p}/objects/{id}/set              SET
 * oprc/{c}/{p}/objects/{id}/batch-set        BATCH_SET
 * oprc/{c}/{p}/objects/{id}/entries/{key}    ENTRY
 * oprc/{c}/{p}/objects/list-objects          LIST_OBJECTS
 * oprc/{c}/{p}/objects/{id}/invokes/{fn}     OBJECT_INVOKE
 * oprc/{c}/{p}/invokes/{fn}                  FN_INVOKE ({p} may be '*': the payload's partition)
 * oprc/{c}/{p}/shards/{shard_id}/capabilities CAPABILITIES
 * </pre>
 *
 * <p>{@code partition} is -1 for a {@code *} partition (allowed for FN_INVOKE only). Immutable.
 */
record ApiKey(Kind kind, String cls, int partition, String objectId, String name) {
  /** The operation a key names. {@code name} is the entry key, function id or shard id. */
  enum Kind { GET, SET, BATCH_SET, ENTRY, LIST_OBJECTS, OBJECT_INVOKE, FN_INVOKE, CAPABILITIES }

  /** The shape a partition chunk {@code *} gets. */
  static final int ANY_PARTITION = -1;

  /**
   * Parses {@code key}; throws IllegalArgumentException naming the key and what is wrong with it.
   */
  static ApiKey parse(String key) {
    String[] s = key.split("/", -1);
    if (s.length < 5 || !"oprc".equals(s[0]) || s[1].isEmpty()) {
      throw new IllegalArgumentException("unsupported key '" + key + "'");
    }
    for (int i = 0; i < s.length; i++) {
      if (i != 2 && (s[i].isEmpty() || s[i].contains("*") || s[i].contains("$"))) {
        throw new IllegalArgumentException("key '" + key + "' has a wildcard or empty chunk '" + s[i] + "'");
      }
    }
    int p = partition(key, s[2]);
    ApiKey k = switch (s[3]) {
      case "objects" -> objects(s, p);
      case "invokes" -> s.length == 5 ? new ApiKey(Kind.FN_INVOKE, s[1], p, null, s[4]) : null;
      case "shards" -> s.length == 6 && "capabilities".equals(s[5])
          ? new ApiKey(Kind.CAPABILITIES, s[1], p, null, s[4]) : null;
      default -> null;
    };
    if (k == null) {
      throw new IllegalArgumentException("unsupported key '" + key + "'");
    }
    if (p == ANY_PARTITION && k.kind != Kind.FN_INVOKE) {
      throw new IllegalArgumentException("key '" + key + "' needs a concrete partition, not '*'");
    }
    return k;
  }

  private static int partition(String key, String chunk) {
    if ("*".equals(chunk)) {
      return ANY_PARTITION;
    }
    int p;
    try {
      p = Integer.parseUnsignedInt(chunk);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid partition '" + chunk + "' in key '" + key + "'");
    }
    if (p < 0) { // above 2^31 - 1: no node has that many partitions (upstream wraps u16 silently)
      throw new IllegalArgumentException("partition '" + chunk + "' out of range in key '" + key + "'");
    }
    return p;
  }

  private static ApiKey objects(String[] s, int p) {
    String c = s[1];
    if (s.length == 5) {
      return "list-objects".equals(s[4]) ? new ApiKey(Kind.LIST_OBJECTS, c, p, null, null)
          : new ApiKey(Kind.GET, c, p, s[4], null);
    }
    if (s.length == 6) {
      return switch (s[5]) {
        case "set" -> new ApiKey(Kind.SET, c, p, s[4], null);
        case "batch-set" -> new ApiKey(Kind.BATCH_SET, c, p, s[4], null);
        default -> null;
      };
    }
    if (s.length == 7) {
      return switch (s[5]) {
        case "entries" -> new ApiKey(Kind.ENTRY, c, p, s[4], s[6]);
        case "invokes" -> new ApiKey(Kind.OBJECT_INVOKE, c, p, s[4], s[6]);
        default -> null;
      };
    }
    return null;
  }

  /** The partition prefix {@code oprc/{c}/{p}}. */
  static String prefix(String cls, int partition) {
    return "oprc/" + cls + "/" + Integer.toUnsignedString(partition);
  }
}
