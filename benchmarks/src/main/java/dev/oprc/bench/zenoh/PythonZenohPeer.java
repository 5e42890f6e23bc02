package dev.oprc.bench.zenoh;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real Zenoh (eclipse-zenoh 1.10.2, Rust core) in a Python process for the publish benchmark:
 * either a router on 127.0.0.1 whose own session counts every sample on {@code bench/**}, or a
 * client that publishes on command. Line protocol on stdin/stdout. Not thread-safe: one JMH
 * thread drives it.
 */
final class PythonZenohPeer implements AutoCloseable {
    private static final String SCRIPT = """
            import json, sys, threading, time
            try:
                import zenoh
            except ImportError:
                print("fatal python module 'zenoh' missing: pip install eclipse-zenoh==1.10.2", flush=True)
                sys.exit(3)
            mode, ep = sys.argv[1], sys.argv[2]
            conf = zenoh.Config()
            conf.insert_json5("mode", json.dumps(mode))
            if mode == "router":
                conf.insert_json5("listen/endpoints", json.dumps([ep]))
            else:
                conf.insert_json5("listen/endpoints", "[]")
                conf.insert_json5("connect/endpoints", json.dumps([ep]))
            conf.insert_json5("scouting/multicast/enabled", "false")
            conf.insert_json5("scouting/gossip/enabled", "false")
            conf.insert_json5("adminspace/enabled", "false")
            s = zenoh.open(conf)
            lock = threading.Lock()
            count = [0]
            def on_sample(sample):
                with lock:
                    count[0] += 1
            sub = s.declare_subscriber("bench/**", on_sample) if mode == "router" else None
            pubs = {}
            print("ready", flush=True)
            for line in sys.stdin:
                p = line.split()
                if not p:
                    continue
                if p[0] == "count":
                    with lock:
                        c = count[0]
                    print(c, flush=True)
                elif p[0] == "pub":
                    key, size, n = p[1], int(p[2]), int(p[3])
                    if key not in pubs:
                        pubs[key] = s.declare_publisher(key, congestion_control=zenoh.CongestionControl.BLOCK)
                    pub = pubs[key]
                    payload = b"x" * size
                    for _ in range(n):
                        pub.put(payload)
                    print("done", flush=True)
                elif p[0] == "quit":
                    break
            s.close()
            """;

    private final Process process;
    private final BufferedReader out;
    private final Writer in;

    private PythonZenohPeer(String mode, String endpoint) throws IOException {
        Path script = Files.createTempFile("zenoh_bench_peer", ".py");
        Files.writeString(script, SCRIPT);
        script.toFile().deleteOnExit();
        ProcessBuilder pb = new ProcessBuilder("python3", "-u", script.toString(), mode, endpoint);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        process = pb.start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        String first = out.readLine();
        if (!"ready".equals(first)) {
            process.destroyForcibly();
            throw new IllegalStateException("Python Zenoh " + mode + " did not start (" + first
                    + "); install with: pip install eclipse-zenoh==1.10.2");
        }
    }

    static PythonZenohPeer router(int port) throws IOException {
        return new PythonZenohPeer("router", "tcp/127.0.0.1:" + port);
    }

    static PythonZenohPeer client(String endpoint) throws IOException {
        return new PythonZenohPeer("client", endpoint);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private String call(String line) throws IOException {
        in.write(line);
        in.write('\n');
        in.flush();
        String r = out.readLine();
        if (r == null) {
            throw new IOException("Python Zenoh peer exited");
        }
        return r;
    }

    /** Samples counted on bench/** so far (router only). */
    long count() throws IOException {
        return Long.parseLong(call("count").trim());
    }

    /** Waits until the router counted at least {@code target} samples. */
    void awaitCount(long target, long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        long c;
        while ((c = count()) < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("router counted " + c + " of " + target + " samples (lost?)");
            }
            Thread.sleep(1);
        }
    }

    /** Publishes {@code n} samples of {@code size} bytes on {@code key} (client only), BLOCK congestion control. */
    void publish(String key, int size, int n) throws IOException {
        String r = call("pub " + key + " " + size + " " + n);
        if (!"done".equals(r)) {
            throw new IllegalStateException("python publish failed: " + r);
        }
    }

    @Override
    public void close() {
        try {
            call("quit");
        } catch (IOException ignored) {
            // already gone
        }
        process.destroyForcibly();
    }
}
