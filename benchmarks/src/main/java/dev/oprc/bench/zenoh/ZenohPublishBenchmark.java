package dev.oprc.bench.zenoh;

import dev.oprc.zenoh.CongestionControl;
import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.KeyExpr;
import dev.oprc.zenoh.Publisher;
import dev.oprc.zenoh.PutOptions;
import dev.oprc.zenoh.Session;
import dev.oprc.zenoh.Zenoh;
import java.util.concurrent.TimeUnit;
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
 * End-to-end publish throughput through a real Zenoh router (eclipse-zenoh 1.10.2 in Python):
 * one invocation publishes {@value #N} samples (BLOCK, reliable) and waits until the router's own
 * subscriber has counted all of them, so the score is delivered messages per second.
 * {@code javaPublisher} uses the pure-Java client's declared {@link Publisher} (key-expr id on the
 * wire, like a Zenoh publisher); {@code javaSessionPut} uses {@code Session.put} with the full key
 * string in every message; {@code javaFreshFullKeys} and {@code javaScopedFreshSuffix} send
 * trigger-shaped keys (a fresh id per message under one prefix) as full keys or as the declared
 * prefix's id plus the id as suffix; {@code pythonPublisher} uses a Python (Rust-core) client's declared
 * publisher through the same router in the same run. Requires python3 with
 * {@code pip install eclipse-zenoh==1.10.2}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 4)
@Fork(1)
public class ZenohPublishBenchmark {
    static final int N = 50_000;

    @Param({"8", "1024"})
    public int size;

    private PythonZenohPeer router;
    private PythonZenohPeer pythonClient;
    private Session session;
    private Publisher publisher;
    private byte[] payload;
    private final KeyExpr javaKey = KeyExpr.of("bench/java");
    private final KeyExpr plainKey = KeyExpr.of("bench/java-plain");
    private final PutOptions block = PutOptions.DEFAULT.withCongestionControl(CongestionControl.BLOCK);
    private static final String TRIGGER_PREFIX = "bench/cls/0/async/fn";
    private KeyExpr triggerPrefix;
    private long round;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        int port = PythonZenohPeer.freePort();
        router = PythonZenohPeer.router(port);
        String endpoint = "tcp/127.0.0.1:" + port;
        pythonClient = PythonZenohPeer.client(endpoint);
        session = Zenoh.open(Config.client(endpoint));
        publisher = session.declarePublisher(javaKey, block);
        triggerPrefix = session.declareKeyExpr(TRIGGER_PREFIX);
        payload = new byte[size];
        java.util.Arrays.fill(payload, (byte) 'x');
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (session != null) {
            session.close();
        }
        if (pythonClient != null) {
            pythonClient.close();
        }
        if (router != null) {
            router.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void javaPublisher() throws Exception {
        long target = router.count() + N;
        for (int i = 0; i < N; i++) {
            publisher.put(payload);
        }
        router.awaitCount(target, 60_000);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void javaSessionPut() throws Exception {
        long target = router.count() + N;
        for (int i = 0; i < N; i++) {
            session.put(plainKey, payload, block);
        }
        router.awaitCount(target, 60_000);
    }

    /** Trigger-shaped keys: a fresh invocation id under one prefix, the whole key in every message. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void javaFreshFullKeys() throws Exception {
        long target = router.count() + N;
        String base = TRIGGER_PREFIX + "/" + Long.toString(++round, 36) + "-";
        for (int i = 0; i < N; i++) {
            session.put(KeyExpr.of(base + i), payload, block);
        }
        router.awaitCount(target, 60_000);
    }

    /** The same fresh keys, sent as the declared prefix's id plus the id as suffix (what the node does). */
    @Benchmark
    @OperationsPerInvocation(N)
    public void javaScopedFreshSuffix() throws Exception {
        long target = router.count() + N;
        String base = "/" + Long.toString(++round, 36) + "-";
        for (int i = 0; i < N; i++) {
            session.tryPut(triggerPrefix, base + i, payload, block);
        }
        router.awaitCount(target, 60_000);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void pythonPublisher() throws Exception {
        long target = router.count() + N;
        pythonClient.publish("bench/python", size, N);
        router.awaitCount(target, 60_000);
    }
}
