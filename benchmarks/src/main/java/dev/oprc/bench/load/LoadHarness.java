package dev.oprc.bench.load;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.SingleObjectRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * End-to-end load harness for an ODGM node: starts a Zenoh router (Python eclipse-zenoh) and, per
 * variant and scenario, a fresh node JVM connected to it as a Zenoh client (or attaches to a
 * running node with {@code --target}); drives the node's gRPC API with a closed-loop generator at
 * each concurrency; measures write → trigger latency and lost triggers with a Zenoh subscriber on
 * the same router; and writes a markdown and a JSON report. See {@code benchmarks/README.md}.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.oprc.bench.load.LoadHarness [--quick] [options]
 * </pre>
 *
 * <p>Not thread-safe: one harness per JVM, driven by its main thread; {@link #close()} stops the
 * router and the generator's thread.
 */
public final class LoadHarness implements AutoCloseable {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private final HarnessOptions opts;
  private final String name;
  private final Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  private final String loadAverage = ProcStats.loadAverage();
  private final long clockTicks = ProcStats.clockTicksPerSecond();
  private final Path logDir;
  private final List<PointResult> points = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private final List<String> failovers = new ArrayList<>();
  private final List<String> baselines = new ArrayList<>();
  private final ClosedLoop loop = new ClosedLoop();
  private ZenohRouter router;

  LoadHarness(HarnessOptions opts) throws IOException {
    this.opts = opts;
    this.name = opts.name() != null ? opts.name() : "load-" + STAMP.format(started);
    this.logDir = Files.createTempDirectory("odgm-load-" + name + "-");
  }

  public static void main(String[] args) throws Exception {
    HarnessOptions opts;
    try {
      opts = HarnessOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("load: " + e.getMessage());
      System.err.print(HarnessOptions.USAGE);
      System.exit(2);
      return;
    }
    // on Ctrl-C / SIGTERM, stop what this JVM started (node, router); a normal exit has stopped them already
    Runtime.getRuntime().addShutdownHook(new Thread(
        () -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroy), "load-shutdown"));
    int code;
    try (LoadHarness h = new LoadHarness(opts)) {
      Path report = h.run();
      System.out.println("load: report written to " + report + " (+ .json)");
      code = h.failures.isEmpty() ? 0 : 1;
    }
    System.exit(code);
  }

  /** Runs every variant × scenario × concurrency; returns the markdown report's path. */
  Path run() throws Exception {
    System.out.println("load: logs in " + logDir);
    if (!opts.attached()) {
      router = ZenohRouter.start(logDir.resolve("router.log"), opts.routerConfig());
    }
    String endpoint = router != null ? router.endpoint() : opts.zenoh();
    PointRunner runner = new PointRunner(opts, loop, clockTicks, router == null ? null : router.pid(), endpoint);
    Path report = null;
    for (HarnessOptions.Variant v : opts.variants()) {
      for (Scenario s : opts.scenarios()) {
        try {
          runScenario(runner, v, s, endpoint);
        } catch (IOException | RuntimeException e) {
          String f = v.name() + " / " + s.id() + " failed: " + e.getMessage();
          System.err.println("load: " + f);
          failures.add(f);
        }
        report = Report.write(opts.outDir(), runInfo(), points);
      }
    }
    if (opts.barePublishers() > 0) {
      report = runBarePublisher(endpoint);
    }
    System.out.println();
    System.out.print(Report.mainTable(points));
    return report;
  }

  /** The same run's ceiling for trigger PUTs: {@link BarePublisher} through the harness's router. */
  private Path runBarePublisher(String endpoint) throws Exception {
    System.out.println("load: baseline, bare publisher (" + opts.barePublishers() + " thread(s))");
    BarePublisher.Result r = BarePublisher.run(endpoint, opts.collection(), opts.barePublishers(), opts.warmup(),
        opts.measure());
    System.out.println("  " + r.describe());
    baselines.add(r.describe());
    return Report.write(opts.outDir(), runInfo(), points);
  }

  private void runScenario(PointRunner runner, HarnessOptions.Variant v, Scenario s, String endpoint)
      throws Exception {
    System.out.println("load: " + v.name() + " / " + s.id() + " (" + s.description() + ")");
    List<ManagedChannel> channels = new ArrayList<>();
    try (NodeGroup nodes = nodes(v, s, endpoint)) {
      nodes.awaitReady(120_000, opts.collection(), opts.partitions());
      // lanes spread over a cluster's members (channel i -> node i mod n); Stats asked of partition 0's leader
      for (int i = 0; i < Math.max(opts.channels(), nodes.size()); i++) {
        channels.add(nodes.get(i % nodes.size()).channelBuilder().directExecutor().build());
      }
      int adminNode = (int) nodes.leader(opts.collection(), 0).orElse(0);
      DataServiceGrpc.DataServiceBlockingStub admin = DataServiceGrpc.newBlockingStub(channels.get(adminNode));
      ObjectSet objects = new ObjectSet(opts.effectiveObjects(), opts.partitions());
      if (s.needsObjects()) {
        setUpObjects(admin, objects, s.triggers());
      }
      TriggerTracker tracker = new TriggerTracker(objects.size(), s.triggers(), opts.firstWatched(s.triggers()));
      ClosedLoop.Operation op = new Workloads(channels, opts.collection()).forScenario(s, objects, tracker);
      PointRunner.Target target = new PointRunner.Target(v.name(), s, nodes, admin, op, objects, tracker);
      for (int i = 0; i < opts.concurrency().size(); i++) {
        PointResult p = runner.run(target, opts.concurrency().get(i), i == 0);
        points.add(p);
        System.out.println("  " + line(p));
      }
      if (v.clustered()) {
        FailoverProbe.Summary f = FailoverProbe.run(nodes, opts.collection(), opts.partitions(), 16,
            opts.failoverKills(), Duration.ofSeconds(3));
        System.out.println("  failover: " + f.describe());
        failovers.add(v.name() + " / " + s.id() + ": " + f.describe());
      }
    } finally {
      for (ManagedChannel ch : channels) {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** Starts the scenario's node (or cluster), or returns the attached one. */
  private NodeGroup nodes(HarnessOptions.Variant v, Scenario s, String endpoint) throws IOException {
    if (opts.attached()) {
      return NodeGroup.of(NodeProcess.attach(opts.target(), opts.nodePid(), NodeProcess.clientTls(opts.nodeEnv())));
    }
    String cp = nodeClasspath(v);
    if (v.clustered()) {
      Map<String, String> env = nodeEnv(v, s, endpoint, 0);
      env.remove("ODGM_HTTP_PORT");
      Path dir = Files.createDirectories(logDir.resolve(v.name() + "-" + s.id()));
      return NodeGroup.startCluster(v.nodes(), cp, jvmOpts(v), env, dir);
    }
    int port = ZenohRouter.freeLoopbackPort();
    Map<String, String> env = nodeEnv(v, s, endpoint, port);
    // a fresh data dir per node: a shared one (the node's default, ./odgm-data) would carry one point's
    // objects, versions and compaction debt into every later node, baseline or not
    env.putIfAbsent("ODGM_DATA_DIR",
        Files.createDirectories(logDir.resolve("data-" + v.name() + "-" + s.id())).toString());
    Path log = logDir.resolve("node-" + v.name() + "-" + s.id() + ".log");
    return NodeGroup.of(NodeProcess.start(cp, jvmOpts(v), env, port, log));
  }

  /** The variant's {@code NODE_CP} (an earlier build, as the baseline of the same run), else {@code --node-cp}, else this jar. */
  String nodeClasspath(HarnessOptions.Variant v) {
    String own = v.env().get("NODE_CP");
    if (own != null && !own.isBlank()) {
      return own;
    }
    return opts.nodeClasspath() != null ? opts.nodeClasspath() : NodeProcess.ownClasspath();
  }

  /**
   * The node's JVM options as {@code ./odgm node} gives them: the variant's {@code JVM_OPTS}
   * (space-separated) or else the defaults of {@value #JVM_OPTIONS_FILE}, then the
   * {@code --node-jvm-opt}s.
   */
  List<String> jvmOpts(HarnessOptions.Variant v) {
    List<String> out = new java.util.ArrayList<>();
    String own = v.env().get("JVM_OPTS");
    if (own != null) {
      out.addAll(own.isBlank() ? List.of() : List.of(own.trim().split("\\s+")));
    } else {
      out.addAll(defaultJvmOptions(Path.of(JVM_OPTIONS_FILE)));
    }
    out.addAll(opts.nodeJvmOpts());
    return out;
  }

  /** The file with the node's default JVM options, read by {@code ./odgm} too (from the repository root). */
  static final String JVM_OPTIONS_FILE = "odgm.jvm-options";

  /** The options in {@code file} (one per line, '#' comments); none when it does not exist. */
  static List<String> defaultJvmOptions(Path file) {
    if (!Files.exists(file)) {
      return List.of();
    }
    try {
      return Files.readAllLines(file).stream().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read " + file, e);
    }
  }

  /** The harness's variables, then {@code --node-env}, then the variant's (later ones win). */
  Map<String, String> nodeEnv(HarnessOptions.Variant v, Scenario s, String endpoint, int port) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("ODGM_HTTP_PORT", Integer.toString(port));
    env.put("OPRC_ZENOH_MODE", "client");
    env.put("OPRC_ZENOH_PEERS", endpoint);
    env.put("MALLOC_ARENA_MAX", "2"); // as ./odgm node sets it
    env.put("ODGM_EVENTS_ENABLED", Boolean.toString(s.eventsEnabled()));
    env.put("ODGM_COLLECTION", collectionJson(v));
    env.putAll(opts.nodeEnv());
    env.putAll(v.env());
    return env;
  }

  /** The collection; a cluster variant's is shard_type raft over all its nodes. */
  String collectionJson(HarnessOptions.Variant v) {
    String sharding = v.clustered() ? ",\"replica_count\":" + v.nodes() + ",\"shard_type\":\"raft\""
        : ",\"replica_count\":1";
    return "[{\"name\":\"" + opts.collection() + "\",\"partition_count\":" + opts.partitions()
        + sharding + ",\"invocations\":{\"fn_routes\":{\"echo\":{\"url\":\"local:echo\"}}}}]";
  }

  /**
   * Creates every object with entry {@value Workloads#KEY} and, on it, {@code triggers}
   * {@code on_update} targets (none: an empty {@code ObjectEvent}, which clears earlier ones), then
   * reads each object's version, from which the writes continue.
   */
  private void setUpObjects(DataServiceGrpc.DataServiceBlockingStub admin, ObjectSet objects, int triggers) {
    DataServiceGrpc.DataServiceBlockingStub stub = admin.withDeadlineAfter(120, TimeUnit.SECONDS);
    for (int i = 0; i < objects.size(); i++) {
      ObjData obj = ObjData.newBuilder()
          .putEntries(Workloads.KEY, ValData.newBuilder().setData(ByteString.copyFromUtf8("0")).build())
          .setEvent(triggerEvent(objects.partition(i), triggers)).build();
      SetObjectRequest set = SetObjectRequest.newBuilder().setClsId(opts.collection())
          .setPartitionId(objects.partition(i)).setObjectId(objects.id(i)).setObject(obj).build();
      whileUnavailable(() -> stub.set(set));
      SingleObjectRequest get = SingleObjectRequest.newBuilder().setClsId(opts.collection())
          .setPartitionId(objects.partition(i)).setObjectId(objects.id(i)).build();
      ObjData read = whileUnavailable(() -> stub.get(get)).getObj();
      objects.setBaseVersion(i, read.getMetadata().getObjectVersion());
    }
  }

  /**
   * {@code call}, again after 100 ms while it fails UNAVAILABLE (a cluster moves leaders for a few
   * seconds after it starts; UNAVAILABLE means nothing was applied, and the set-up writes are
   * idempotent anyway), for at most a minute.
   */
  private static <T> T whileUnavailable(java.util.function.Supplier<T> call) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (true) {
      try {
        return call.get();
      } catch (io.grpc.StatusRuntimeException e) {
        if (e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE || System.nanoTime() > deadline) {
          throw e;
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted during set-up", e);
      }
    }
  }

  /** {@code n} stateless {@code on_update} targets on {@link Workloads#KEY}, told apart by {@code bench-target}. */
  ObjectEvent triggerEvent(int partition, int n) {
    DataTrigger.Builder dt = DataTrigger.newBuilder();
    for (int t = 0; t < n; t++) {
      dt.addOnUpdate(TriggerTarget.newBuilder().setClsId(opts.collection()).setPartitionId(partition)
          .setFnId(opts.triggerFn(t, n)).putReqOptions(TriggerSubscriber.TARGET_OPTION, Integer.toString(t)));
    }
    return n == 0 ? ObjectEvent.getDefaultInstance()
        : ObjectEvent.newBuilder().putDataTrigger(Workloads.KEY, dt.build()).build();
  }

  private static String line(PointResult p) {
    return String.format(java.util.Locale.ROOT, "c=%-4d %,10.0f calls/s  p50 %,7.0f  p99 %,8.0f  p99.9 %,8.0f µs"
            + "  errors %d  node %s CPU-s/10k  %s",
        p.concurrency(), p.callsPerSecond(), p.p50Us(), p.p99Us(), p.p999Us(), p.errors(),
        Report.fixed(p.nodeCpuSecondsPer10k(), 2),
        p.lostTriggers() == null ? "" : "trigger p50 " + Report.fixed(p.triggerP50Us(), 0) + " p99 "
            + Report.fixed(p.triggerP99Us(), 0) + " µs, lost " + Report.lost(p));
  }

  private RunInfo runInfo() {
    Map<String, Map<String, String>> variants = new LinkedHashMap<>();
    opts.variants().forEach(v -> {
      Map<String, String> shown = new LinkedHashMap<>(v.env());
      if (!opts.attached()) {
        shown.put("node JVM options", String.join(" ", jvmOpts(v))); // what the node really ran with
      }
      variants.put(v.name(), shown);
    });
    String jdk = System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vm.name") + ")";
    String load = loadAverage + " (at the last point: " + ProcStats.loadAverage() + ")";
    return new RunInfo(name, started.toString(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
        commandLine(), jdk, Runtime.getRuntime().availableProcessors(), load, clockTicks, nodeDescription(),
        settings(), opts.nodeEnv(), variants, notes());
  }

  private String nodeDescription() {
    if (opts.attached()) {
      return "attached to " + opts.target() + (opts.nodePid() == null ? " (no pid: no CPU/RSS/threads)"
          : " pid " + opts.nodePid()) + (opts.zenoh() == null ? ", no trigger subscriber" : ", router " + opts.zenoh());
    }
    return "started per scenario: java <the variant's JVM options> -cp "
        + (opts.nodeClasspath() != null ? opts.nodeClasspath() : NodeProcess.ownClasspath()) + " "
        + NodeProcess.MAIN_CLASS + ", Zenoh client of a Python eclipse-zenoh router on 127.0.0.1";
  }

  private Map<String, String> settings() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("source", gitHead());
    m.put("warmup", opts.warmup().toMillis() + "ms");
    m.put("node_warmup", opts.nodeWarmup().toMillis() + "ms (extra, first point of each scenario)");
    m.put("measure", opts.measure().toMillis() + "ms");
    m.put("drain", opts.drain().toMillis() + "ms");
    m.put("concurrency", opts.concurrency().toString());
    m.put("objects", Integer.toString(opts.effectiveObjects()));
    m.put("channels", Integer.toString(opts.channels()));
    m.put("partitions", Integer.toString(opts.partitions()));
    m.put("collection", opts.collection());
    m.put("trigger_target", opts.collection() + "/{partition}/" + opts.triggerFn() + " (stateless, on_update of '"
        + Workloads.KEY + "'; with n triggers: " + opts.triggerFn() + "-0 … -(n-1))");
    if (!opts.routerConfig().isEmpty()) {
      m.put("router_config", String.join(" ", opts.routerConfig()));
    }
    m.put("watched_targets", opts.watchAll() ? "all" : "the last of each write's targets");
    return m;
  }

  private List<String> notes() {
    List<String> notes = new ArrayList<>(List.of(
        "calls/s, p50/p99/p99.9: closed loop, one call outstanding per lane; successful calls completed in the "
            + "measured window; latency = send → response at the client.",
        "node CPU-s / 10k calls: Δ(utime+stime) of the node process over the window (/proc/PID/stat, CLK_TCK), "
            + "per 10,000 successful calls. harness = the generator JVM incl. the trigger subscriber.",
        "node RSS / threads: VmRSS and Threads of /proc/PID/status at the end of the point (after the drain).",
        "trigger latency: write sent → trigger PUT delivered to the harness's Zenoh subscriber (one JVM clock), "
            + "matched by (source_object_id, odgm-object-version, bench-target req_option).",
        "lost triggers: acknowledged writes of the window × watched triggers − distinct matched arrivals, after "
            + "waiting up to the drain time (or 1 s without progress); 'subscriber stalled' = no sample in the "
            + "window's last second (see benchmarks/README.md).",
        "Each scenario gets a fresh node; its points run in the order given, on the same node.",
        "Trigger targets are functions no node hosts (unless --trigger-fn names one), so the figures cover the "
            + "write path, dispatch and Zenoh, not function execution."));
    if (opts.variants().stream().anyMatch(HarnessOptions.Variant::clustered)) {
      notes.add("Cluster variants: N node JVMs on this machine's loopback (ODGM_MEMBERS), collection shard_type raft "
          + "with replica_count N; lanes spread over the members (a call to a follower is forwarded to the leader); "
          + "node CPU, RSS and threads are summed over the members; Stats counters are the leader's.");
    }
    failovers.forEach(f -> notes.add("failover, " + f));
    baselines.forEach(b -> notes.add("baseline, same router, same run: " + b));
    failures.forEach(f -> notes.add("FAILED: " + f));
    if (opts.attached()) {
      notes.add("Attached: one node for every scenario, its own configuration applies; set-events-off writes objects "
          + "without triggers, but events stay as the node was started.");
    }
    return notes;
  }

  /**
   * The source the node was built from: {@code git describe --always} of the working directory,
   * with "+changes" when tracked files outside {@code benchmarks/results} differ from HEAD.
   */
  private static String gitHead() {
    String head = run("git", "describe", "--always");
    if (head == null) {
      return "unknown";
    }
    String diff = run("git", "status", "--porcelain", "--untracked-files=no", "--", ".",
        ":(exclude)benchmarks/results");
    return "git " + head + (diff == null || diff.isEmpty() ? "" : " +changes");
  }

  /** A command's trimmed output, or null if it failed. */
  private static String run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static String commandLine() {
    return ProcessHandle.current().info().commandLine().orElse("java -cp " + System.getProperty("java.class.path")
        + " " + LoadHarness.class.getName());
  }

  @Override
  public void close() {
    try {
      loop.close();
    } finally {
      if (router != null) {
        router.close();
      }
    }
  }
}
