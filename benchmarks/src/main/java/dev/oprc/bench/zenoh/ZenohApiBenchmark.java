package dev.oprc.bench.zenoh;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.node.NodeConfig;
import dev.oprc.odgm.node.OdgmNode;
import dev.oprc.odgm.node.ZenohTransport;
import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.FuncInvokeRoute;
import dev.oprc.odgm.proto.InvocationResponse;
import dev.oprc.odgm.proto.InvocationRoute;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectInvocationRequest;
import dev.oprc.odgm.proto.OprcFunctionGrpc;
import dev.oprc.odgm.proto.ResponseStatus;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.shard.WriteContext;
import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.ConsolidationMode;
import dev.oprc.zenoh.GetOptions;
import dev.oprc.zenoh.QueryTarget;
import dev.oprc.zenoh.Reply;
import dev.oprc.zenoh.Session;
import dev.oprc.zenoh.Zenoh;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ODGM's Zenoh API against its gRPC API, in one run: a real router (Python eclipse-zenoh 1.10.2),
 * an in-process node (in-memory storage) connected to it as a Zenoh client, and clients in this
 * JVM (a pure-Java Zenoh session through the router; a gRPC channel on loopback).
 *
 * <ol>
 *   <li>Sync invoke round trip of {@code local:echo} on an object: a Zenoh get on
 *       {@code oprc/bench/0/objects/o1/invokes/echo} (ObjectProxy's options) vs gRPC
 *       {@code InvokeObj}, one call at a time, alternating blocks of both; p50 / p99 / mean. The
 *       baseline is a bare queryable on the node's own session ({@code bench/raw}) answering inline
 *       on the Zenoh query thread: the same router hops with no ODGM work.
 *   <li>Object GET over Zenoh ({@code oprc/bench/0/objects/o1}), queries/s with 1 and 64 in flight.
 * </ol>
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.oprc.bench.zenoh.ZenohApiBenchmark
 * [calls-per-path] [seconds-per-throughput-run] [json-out]}. Not thread-safe (one main thread).
 */
public final class ZenohApiBenchmark {
  private static final String KEY_INVOKE = "oprc/bench/0/objects/o1/invokes/echo";
  private static final String KEY_GET = "oprc/bench/0/objects/o1";
  private static final String KEY_RAW = "bench/raw";
  private static final GetOptions PROXY = GetOptions.DEFAULT.withConsolidation(ConsolidationMode.NONE)
      .withTarget(QueryTarget.BEST_MATCHING).withTimeout(Duration.ofSeconds(10));

  private ZenohApiBenchmark() {}

  @SuppressWarnings("try") // the resource is held open for the block's duration, not called
  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    Path out = Path.of(args.length > 2 ? args[2] : "benchmarks/results/zenoh-api.json");
    int port = PythonZenohPeer.freePort();
    String endpoint = "tcp/127.0.0.1:" + port;
    try (PythonZenohPeer router = PythonZenohPeer.router(port);
        OdgmNode node = startNode(endpoint);
        Session client = Zenoh.open(Config.client(endpoint))) {
      ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", node.port()).usePlaintext().build();
      try {
        node.shards().shard("bench", 0).set("o1", ObjData.newBuilder().putEntries("k", ValData.newBuilder()
            .setData(ByteString.copyFromUtf8("value")).build()).build(), WriteContext.CLIENT);
        Session nodeSession = ((ZenohTransport) node.transport()).session();
        nodeSession.declareQueryable(dev.oprc.zenoh.KeyExpr.of(KEY_RAW), q -> q.reply(q.keyExpr(), q.payload()), false);
        awaitQueryable(client);
        String json = run(client, OprcFunctionGrpc.newBlockingStub(ch), calls, seconds);
        Files.writeString(out, json);
        System.out.println(json);
      } finally {
        ch.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
      }
    }
  }

  private static OdgmNode startNode(String endpoint) throws Exception {
    Map<String, String> env = Map.of("ODGM_HTTP_PORT", "0", "ODGM_STORAGE", "memory", "OPRC_ZENOH_MODE", "client",
        "OPRC_ZENOH_PEERS", endpoint);
    CreateCollectionRequest bench = CreateCollectionRequest.newBuilder().setName("bench").setPartitionCount(1)
        .setInvocations(InvocationRoute.newBuilder()
            .putFnRoutes("echo", FuncInvokeRoute.newBuilder().setUrl("local:echo").build())).build();
    return OdgmNode.builder().config(NodeConfig.fromEnv(env).withCollections(List.of(bench)))
        .transport(ZenohTransport.open(env)).start();
  }

  private static void awaitQueryable(Session client) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!client.get(KEY_GET, PROXY).collect(Duration.ofSeconds(11)).isEmpty()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the node's queryable never answered on " + KEY_GET);
  }

  private static String run(Session client, OprcFunctionGrpc.OprcFunctionBlockingStub grpc, int calls, int seconds)
      throws Exception {
    ObjectInvocationRequest req = ObjectInvocationRequest.newBuilder().setClsId("bench").setPartitionId(0)
        .setObjectId("o1").setFnId("echo").setPayload(ByteString.copyFromUtf8("ping-0123456789")).build();
    byte[] reqBytes = req.toByteArray();
    int warm = Math.max(1000, calls / 4);
    long[] z = new long[calls];
    long[] g = new long[calls];
    long[] raw = new long[calls];
    latencies(client, grpc, req, reqBytes, new long[warm], new long[warm], new long[warm]); // JIT warm-up
    latencies(client, grpc, req, reqBytes, z, g, raw);
    getThroughput(client, 1, Math.max(2, seconds / 3)); // warm-up
    double q1 = getThroughput(client, 1, seconds);
    double q64 = getThroughput(client, 64, seconds);
    return json(calls, seconds, z, g, raw, q1, q64);
  }

  /** Alternating blocks of 500 calls of each path, so all see the same machine state. */
  private static void latencies(Session client, OprcFunctionGrpc.OprcFunctionBlockingStub grpc,
      ObjectInvocationRequest req, byte[] reqBytes, long[] z, long[] g, long[] raw) throws Exception {
    GetOptions o = PROXY.withPayload(reqBytes);
    for (int base = 0; base < z.length; base += 500) {
      int end = Math.min(z.length, base + 500);
      for (int i = base; i < end; i++) {
        long t0 = System.nanoTime();
        List<Reply> r = client.get(KEY_RAW, o).collect(Duration.ofSeconds(11));
        raw[i] = System.nanoTime() - t0;
        check(r.size() == 1);
      }
      for (int i = base; i < end; i++) {
        long t0 = System.nanoTime();
        List<Reply> r = client.get(KEY_INVOKE, o).collect(Duration.ofSeconds(11));
        z[i] = System.nanoTime() - t0;
        check(r.size() == 1 && InvocationResponse.parseFrom(r.get(0).payload()).getStatus() == ResponseStatus.OKAY);
      }
      for (int i = base; i < end; i++) {
        long t0 = System.nanoTime();
        InvocationResponse r = grpc.withDeadlineAfter(10, TimeUnit.SECONDS).invokeObj(req);
        g[i] = System.nanoTime() - t0;
        check(r.getStatus() == ResponseStatus.OKAY);
      }
    }
  }

  private static void check(boolean ok) {
    if (!ok) {
      throw new IllegalStateException("unexpected reply");
    }
  }

  /** Object GETs over Zenoh for {@code seconds} with {@code inFlight} outstanding; queries/s. */
  private static double getThroughput(Session client, int inFlight, int seconds) throws Exception {
    Semaphore permits = new Semaphore(inFlight);
    AtomicLong done = new AtomicLong();
    AtomicLong bad = new AtomicLong();
    long t0 = System.nanoTime();
    long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < end) {
      permits.acquire();
      long[] replies = new long[1];
      client.get(KEY_GET, PROXY, r -> replies[0] += r.isOk() ? 1 : 0, () -> {
        if (replies[0] == 1) {
          done.incrementAndGet();
        } else {
          bad.incrementAndGet();
        }
        permits.release();
      });
    }
    permits.acquire(inFlight); // the ones still in flight
    double elapsed = (System.nanoTime() - t0) / 1e9;
    check(bad.get() == 0);
    return done.get() / elapsed;
  }

  private static String json(int calls, int seconds, long[] z, long[] g, long[] raw, double q1, double q64) {
    return String.format(Locale.ROOT, "{%n  \"benchmark\": \"ZenohApiBenchmark\",%n  \"jdk\": \"%s %s\",%n"
        + "  \"cores\": %d,%n  \"calls_per_path\": %d,%n  \"seconds_per_throughput_run\": %d,%n"
        + "  \"invoke_echo_zenoh_us\": %s,%n  \"invoke_echo_grpc_us\": %s,%n  \"raw_zenoh_query_us\": %s,%n"
        + "  \"get_object_zenoh_qps_in_flight_1\": %.0f,%n  \"get_object_zenoh_qps_in_flight_64\": %.0f%n}%n",
        System.getProperty("java.vm.name"), System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(), calls, seconds, stats(z), stats(g), stats(raw), q1, q64);
  }

  private static String stats(long[] ns) {
    long[] s = ns.clone();
    Arrays.sort(s);
    double mean = Arrays.stream(s).average().orElse(0) / 1000.0;
    return String.format(Locale.ROOT, "{\"p50\": %.1f, \"p99\": %.1f, \"p999\": %.1f, \"mean\": %.1f}",
        s[s.length / 2] / 1000.0, s[(int) (s.length * 0.99)] / 1000.0, s[(int) (s.length * 0.999)] / 1000.0, mean);
  }
}
