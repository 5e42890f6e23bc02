package dev.oprc.bench.zenoh;

import dev.oprc.zenoh.CongestionControl;
import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.GetOptions;
import dev.oprc.zenoh.KeyExpr;
import dev.oprc.zenoh.Publisher;
import dev.oprc.zenoh.PutOptions;
import dev.oprc.zenoh.Reply;
import dev.oprc.zenoh.Session;
import dev.oprc.zenoh.Zenoh;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Peer-to-peer against through a router, same run, both ends pure Java: {@code path=peer} connects
 * the publishing/querying session (peer mode) straight to the listening peer that subscribes and
 * answers; {@code path=router} puts a real Zenoh router (eclipse-zenoh 1.10.2, Python binding of
 * the Rust core) between two client sessions. {@code publish}: {@value #N} BLOCK puts of
 * {@value #SIZE} bytes through a declared publisher, until the far subscriber counted all of them
 * (delivered messages per second). {@code queryRoundTrip}: one get answered by the far queryable
 * (time per get, reply collected). Requires python3 with {@code pip install eclipse-zenoh==1.10.2}
 * for the router path.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 4)
@Fork(1)
public class ZenohPeerBenchmark {
    static final int N = 50_000;
    static final int SIZE = 64;

    @Param({"peer", "router"})
    public String path;

    private PythonZenohPeer router;
    private Session far;
    private Session near;
    private Publisher publisher;
    private final AtomicLong received = new AtomicLong();
    private final byte[] payload = new byte[SIZE];
    private final GetOptions get = GetOptions.DEFAULT.withTimeout(Duration.ofSeconds(10));

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        if (path.equals("peer")) {
            far = Zenoh.open(Config.builder().mode(dev.oprc.zenoh.Mode.PEER).listenPort(0).listenHost("127.0.0.1")
                    .build());
            near = Zenoh.open(Config.builder().mode(dev.oprc.zenoh.Mode.PEER)
                    .connect("tcp/127.0.0.1:" + far.listenPort()).build());
        } else {
            int port = PythonZenohPeer.freePort();
            router = PythonZenohPeer.router(port);
            far = Zenoh.open(Config.client("tcp/127.0.0.1:" + port));
            near = Zenoh.open(Config.client("tcp/127.0.0.1:" + port));
        }
        far.declareSubscriber(KeyExpr.of("bench/pub"), s -> received.incrementAndGet());
        far.declareQueryable(KeyExpr.of("bench/q"), q -> q.reply(q.keyExpr(), payload), false);
        publisher = near.declarePublisher(KeyExpr.of("bench/pub"),
                PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK));
        awaitRoute();
    }

    /** Waits until a put and a get cross (a router learns the far side's declarations asynchronously). */
    private void awaitRoute() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (received.get() == 0 || near.get("bench/q", get).collect(Duration.ofSeconds(11)).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no route between the sessions on path " + path);
            }
            publisher.put(payload);
            Thread.sleep(50);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (near != null) {
            near.close();
        }
        if (far != null) {
            far.close();
        }
        if (router != null) {
            router.close();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(N)
    public void publish() throws Exception {
        long target = received.get() + N;
        for (int i = 0; i < N; i++) {
            publisher.put(payload);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (received.get() < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + (received.get() - target + N) + " of " + N + " delivered");
            }
            Thread.onSpinWait();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int queryRoundTrip() throws Exception {
        List<Reply> replies = near.get("bench/q", get).collect(Duration.ofSeconds(11));
        if (replies.size() != 1) {
            throw new IllegalStateException("expected one reply, got " + replies);
        }
        return replies.get(0).payload().length;
    }
}
