package dev.oprc.bench.load;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Command-line options of {@link LoadHarness}, validated on parse. Immutable; thread-safe.
 *
 * @param scenarios     workloads to run, in order
 * @param concurrency   outstanding calls per point (closed loop), in order
 * @param warmup        unmeasured load before every point
 * @param nodeWarmup    extra warm-up before the first point of each scenario (a fresh node's JIT)
 * @param measure       measured phase of every point
 * @param drain         longest wait for outstanding triggers after a point
 * @param objects       object ids the writes, reads and invocations are spread over (at least the largest concurrency)
 * @param channels      gRPC connections the lanes are spread over
 * @param failoverKills leader kills (kill -9, then a restart of the killed node) the failover probe makes after a
 *                      cluster variant's points, followed by one graceful restart of the leader
 * @param barePublishers publisher threads of the bare-publisher baseline run after the scenarios (0: none);
 *                      see {@link BarePublisher}
 * @param partitions    partitions of the collection the harness creates; object i lives in partition i mod n
 * @param collection    the collection name
 * @param triggerFn     function id the triggers target (stateless target {@code collection/partition/fn}); with
 *                      several triggers per object, target {@code t} gets {@code fn-t}
 * @param watchAll      the subscriber watches every trigger target; false: only the last of each write's targets
 * @param target        {@code host:port} of a running node to attach to, or null to start one
 * @param nodePid       the attached node's pid for CPU/RSS/threads, or null
 * @param zenoh         router endpoint for the trigger subscriber when attached, or null (no trigger figures)
 * @param nodeClasspath class path of the node JVM, or null for this harness's own jar
 * @param nodeJvmOpts   extra JVM options of the node
 * @param nodeEnv       extra environment of every node started
 * @param routerConfig  {@code path=json5} settings for the started router
 * @param variants      node configurations to compare; the suite runs once per variant
 * @param outDir        where the markdown and JSON reports go
 * @param name          report file name without extension, or null for {@code load-<UTC time>}
 */
record HarnessOptions(
    List<Scenario> scenarios,
    List<Integer> concurrency,
    Duration warmup,
    Duration nodeWarmup,
    Duration measure,
    Duration drain,
    int objects,
    int channels,
    int partitions,
    String collection,
    String triggerFn,
    boolean watchAll,
    String target,
    Long nodePid,
    String zenoh,
    String nodeClasspath,
    List<String> nodeJvmOpts,
    Map<String, String> nodeEnv,
    List<String> routerConfig,
    List<Variant> variants,
    Path outDir,
    String name,
    int failoverKills,
    int barePublishers) {

  /**
   * A named set of extra node variables, e.g. {@code rocksdb:ODGM_STORAGE=rocksdb,ODGM_STORAGE_SYNC=group},
   * run on {@code nodes} nodes: 1 is a single node; more is a cluster of that many nodes on loopback
   * ({@code ODGM_MEMBERS}) whose collection is {@code shard_type raft} with {@code replica_count = nodes}.
   */
  record Variant(String name, Map<String, String> env, int nodes) {
    Variant {
      Objects.requireNonNull(name, "name");
      env = Map.copyOf(env);
      if (nodes < 1 || nodes > 9) {
        throw new IllegalArgumentException("variant '" + name + "': " + nodes + " nodes is outside 1..9");
      }
    }

    Variant(String name, Map<String, String> env) {
      this(name, env, 1);
    }

    boolean clustered() {
      return nodes > 1;
    }
  }

  static final String USAGE = """
      usage: LoadHarness [options]
        --scenarios a,b,...     default: all (%s)
        --concurrency 1,32,128  outstanding calls per point
        --warmup 5s --measure 10s --drain 5s   (durations: 500ms, 5s, 1m or seconds)
        --node-warmup 5s        extra warm-up before the first point of each scenario (fresh node)
        --quick                 warm-up 2s, node warm-up 2s, measure 4s, drain 3s (overrides the above)
        --objects 1024          object ids the calls are spread over
        --channels 1            gRPC connections
        --partitions 1          partitions of the collection (started nodes only)
        --failover-kills 1      leader kills in a row the failover probe makes per cluster variant (then one
                                graceful leader restart)
        --bare-publisher N      after the scenarios, the baseline: N threads of one bare Java Zenoh session
                                publishing fresh trigger-shaped keys through the same router (0: off)
        --collection bench      collection name
        --trigger-fn sink       function the triggers target (default: one no node hosts)
        --watch last|all        trigger targets the subscriber watches per write (default: the last one)
        --node-env K=V          extra node variable (repeatable)
        --variant NAME:K=V,...  run the suite once per variant with these extra variables (repeatable)
                                (JVM_OPTS=... in a variant: extra node JVM options, space-separated;
                                NODE_CP=... : that variant's node class path, e.g. an earlier build as baseline)
        --cluster-variant NAME:N[:K=V,...]  a variant on N raft nodes (ODGM_MEMBERS on loopback, shard_type raft,
                                replica_count N; lanes spread over the nodes), followed by a leader kill -9
                                that measures failover (repeatable)
        --node-cp PATH          class path of the node JVM (default: this jar)
        --node-jvm-opt OPT      extra node JVM option (repeatable)
        --router-config P=V     Zenoh router setting, json5 value (repeatable), e.g. transport/link/tx/queue/size/data=16
                                (listen/endpoints=["tls/127.0.0.1:PORT"] adds listeners beside the router's tcp one)
        --target host:port      attach to a running node instead of starting one
        --node-pid N            its pid (CPU, RSS, threads)
        --zenoh tcp/host:port   its router, for the trigger subscriber
        --out DIR               default benchmarks/results/load
        --name NAME             report name (NAME.md, NAME.json); default load-<UTC time>
      """.formatted(Scenario.ids());

  HarnessOptions {
    scenarios = List.copyOf(scenarios);
    concurrency = List.copyOf(concurrency);
    nodeJvmOpts = List.copyOf(nodeJvmOpts);
    nodeEnv = Map.copyOf(nodeEnv);
    routerConfig = List.copyOf(routerConfig);
    variants = List.copyOf(variants);
    require(!scenarios.isEmpty(), "--scenarios is empty");
    require(!concurrency.isEmpty(), "--concurrency is empty");
    for (int c : concurrency) {
      require(c >= 1 && c <= 4096, "--concurrency " + c + " is outside 1..4096");
    }
    require(objects >= 1 && objects <= 1_000_000, "--objects " + objects + " is outside 1..1000000");
    require(channels >= 1 && channels <= 64, "--channels " + channels + " is outside 1..64");
    require(partitions >= 1 && partitions <= 1024, "--partitions " + partitions + " is outside 1..1024");
    require(barePublishers >= 0 && barePublishers <= 64, "--bare-publisher " + barePublishers + " is outside 0..64");
    require(barePublishers == 0 || target == null, "--bare-publisher needs the harness's own router (no --target)");
    require(failoverKills >= 0 && failoverKills <= 100, "--failover-kills " + failoverKills + " is outside 0..100");
    require(!measure.isZero() && !measure.isNegative(), "--measure must be positive");
    require(nodePid == null || target != null, "--node-pid needs --target");
    require(zenoh == null || target != null, "--zenoh needs --target (a started node uses the harness's router)");
    require(target == null || variants.size() <= 1, "--variant needs started nodes (no --target)");
    require(target == null || variants.stream().noneMatch(Variant::clustered),
        "--cluster-variant needs started nodes (no --target)");
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** The function id of trigger target {@code t} of {@code n} on every object. */
  String triggerFn(int t, int n) {
    return n == 1 ? triggerFn : triggerFn + "-" + t;
  }

  /** Index of the first trigger target the subscriber watches, of {@code n}. */
  int firstWatched(int n) {
    return watchAll ? 0 : Math.max(0, n - 1);
  }

  /** True when the harness attaches to a node it did not start. */
  boolean attached() {
    return target != null;
  }

  /** The object count actually used: at least one object per lane, so each object has one writer. */
  int effectiveObjects() {
    return Math.max(objects, concurrency.stream().mapToInt(Integer::intValue).max().orElse(1));
  }

  /** Parses {@code args}; throws IllegalArgumentException naming the bad option. */
  static HarnessOptions parse(String[] args) {
    return new Parser(args).parse();
  }

  /** Parses {@code 500ms}, {@code 5s}, {@code 2m} or a plain number of seconds. */
  static Duration duration(String option, String v) {
    try {
      String s = v.trim();
      if (s.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      }
      if (s.endsWith("s")) {
        return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
      }
      if (s.endsWith("m")) {
        return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)) * 60);
      }
      return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " '" + v + "' is not a duration (500ms, 5s, 1m)");
    }
  }

  /** Parses {@code K=V}; the key must look like an environment variable name. */
  static Map.Entry<String, String> envEntry(String option, String kv) {
    int eq = kv.indexOf('=');
    if (eq <= 0 || !kv.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new IllegalArgumentException(option + " '" + kv + "' is not NAME=value");
    }
    return Map.entry(kv.substring(0, eq), kv.substring(eq + 1));
  }

  /** Parses {@code NAME:K=V,K=V}; a comma starts a new pair only when followed by {@code NAME=}. */
  static Variant variant(String v) {
    int colon = v.indexOf(':');
    String name = colon < 0 ? v : v.substring(0, colon);
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("--variant '" + v + "': name must be [A-Za-z0-9._-]+");
    }
    Map<String, String> env = new LinkedHashMap<>();
    if (colon >= 0 && colon < v.length() - 1) {
      for (String kv : v.substring(colon + 1).split(",(?=[A-Za-z_][A-Za-z0-9_]*=)", -1)) {
        Map.Entry<String, String> e = envEntry("--variant", kv);
        env.put(e.getKey(), e.getValue());
      }
    }
    return new Variant(name, env);
  }

  /** Parses {@code NAME:N} or {@code NAME:N:K=V,K=V} (a variant on N raft nodes, N >= 2). */
  static Variant clusterVariant(String v) {
    String[] parts = v.split(":", 3);
    if (parts.length < 2) {
      throw new IllegalArgumentException("--cluster-variant '" + v + "' is not NAME:NODES[:K=V,...]");
    }
    int nodes;
    try {
      nodes = Integer.parseInt(parts[1].trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--cluster-variant '" + v + "': nodes '" + parts[1] + "' is not an integer");
    }
    if (nodes < 2 || nodes > 9) {
      throw new IllegalArgumentException("--cluster-variant '" + v + "': nodes " + nodes + " is outside 2..9");
    }
    Variant base = variant(parts.length == 3 ? parts[0] + ":" + parts[2] : parts[0]);
    return new Variant(base.name(), base.env(), nodes);
  }

  /** Mutable state of one parse; not thread-safe. */
  private static final class Parser {
    private final String[] args;
    private int i;
    private List<Scenario> scenarios = Scenario.standardSuite();
    private List<Integer> concurrency = List.of(1, 32, 128);
    private Duration warmup = Duration.ofSeconds(5);
    private Duration nodeWarmup = Duration.ofSeconds(5);
    private Duration measure = Duration.ofSeconds(10);
    private Duration drain = Duration.ofSeconds(5);
    private boolean quick;
    private int objects = 1024;
    private int channels = 1;
    private int partitions = 1;
    private int failoverKills = 1;
    private int barePublishers;
    private String collection = "bench";
    private String triggerFn = "sink";
    private boolean watchAll;
    private String target;
    private Long nodePid;
    private String zenoh;
    private String nodeClasspath;
    private final List<String> nodeJvmOpts = new ArrayList<>();
    private final Map<String, String> nodeEnv = new LinkedHashMap<>();
    private final List<String> routerConfig = new ArrayList<>();
    private final List<Variant> variants = new ArrayList<>();
    private Path outDir = Path.of("benchmarks", "results", "load");
    private String name;

    Parser(String[] args) {
      this.args = args;
    }

    HarnessOptions parse() {
      for (i = 0; i < args.length; i++) {
        option(args[i]);
      }
      if (quick) {
        warmup = Duration.ofSeconds(2);
        nodeWarmup = Duration.ofSeconds(2);
        measure = Duration.ofSeconds(4);
        drain = Duration.ofSeconds(3);
      }
      List<Variant> vs = variants.isEmpty() ? List.of(new Variant("default", Map.of())) : variants;
      return new HarnessOptions(scenarios, concurrency, warmup, nodeWarmup, measure, drain, objects, channels,
          partitions, collection, triggerFn, watchAll, target, nodePid, zenoh, nodeClasspath, nodeJvmOpts, nodeEnv,
          routerConfig, vs, outDir, name, failoverKills, barePublishers);
    }

    private void option(String o) {
      switch (o) {
        case "--scenarios" -> scenarios = list(value(o)).stream().map(Scenario::of).toList();
        case "--concurrency" -> concurrency = list(value(o)).stream().map(s -> integer(o, s)).toList();
        case "--warmup" -> warmup = duration(o, value(o));
        case "--node-warmup" -> nodeWarmup = duration(o, value(o));
        case "--measure" -> measure = duration(o, value(o));
        case "--drain" -> drain = duration(o, value(o));
        case "--quick" -> quick = true;
        case "--objects" -> objects = integer(o, value(o));
        case "--channels" -> channels = integer(o, value(o));
        case "--partitions" -> partitions = integer(o, value(o));
        case "--failover-kills" -> failoverKills = integer(o, value(o));
        case "--bare-publisher" -> barePublishers = integer(o, value(o));
        case "--collection" -> collection = value(o);
        case "--trigger-fn" -> triggerFn = value(o);
        case "--watch" -> watchAll = switch (value(o)) {
          case "all" -> true;
          case "last" -> false;
          default -> throw new IllegalArgumentException("--watch accepts last or all");
        };
        case "--node-env" -> {
          Map.Entry<String, String> e = envEntry(o, value(o));
          nodeEnv.put(e.getKey(), e.getValue());
        }
        case "--variant" -> variants.add(variant(value(o)));
        case "--cluster-variant" -> variants.add(clusterVariant(value(o)));
        case "--node-cp" -> nodeClasspath = value(o);
        case "--node-jvm-opt" -> nodeJvmOpts.add(value(o));
        case "--router-config" -> {
          String v = value(o);
          if (v.indexOf('=') <= 0) {
            throw new IllegalArgumentException("--router-config '" + v + "' is not path=json5");
          }
          routerConfig.add(v);
        }
        case "--target" -> target = value(o);
        case "--node-pid" -> nodePid = (long) integer(o, value(o));
        case "--zenoh" -> zenoh = value(o);
        case "--out" -> outDir = Path.of(value(o));
        case "--name" -> name = value(o);
        default -> throw new IllegalArgumentException("unknown option '" + o + "'");
      }
    }

    private String value(String option) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return args[++i];
    }

    private static List<String> list(String v) {
      return List.of(v.split(",")).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static int integer(String option, String v) {
      try {
        return Integer.parseInt(v.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " '" + v + "' is not an integer");
      }
    }
  }
}
