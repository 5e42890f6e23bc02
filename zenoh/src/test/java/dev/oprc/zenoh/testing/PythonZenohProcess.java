package dev.oprc.zenoh.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real Zenoh session (eclipse-zenoh 1.10.2, Rust core) in a Python child process running
 * {@code zenoh_peer.py} from the classpath (works from the zenoh test-jar). Samples on the
 * subscribed keys are collected; commands (put, wait for matching subscribers, publisher
 * throughput run, counters) go over stdin as JSON lines. If Python Zenoh is missing, starting it
 * fails with the install hint. Use {@link ZenohRouterProcess} for a router, {@link #client} for a
 * client. Thread-safe; {@link #close()} kills the process.
 */
public class PythonZenohProcess implements AutoCloseable {
    /** The exact install command printed when Python Zenoh is missing. */
    public static final String INSTALL_HINT = "pip install eclipse-zenoh==1.10.2";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static volatile Path script;

    private final List<String> args;
    private final List<ReceivedSample> samples = new ArrayList<>();
    private final List<Map<String, Object>> events = new ArrayList<>();
    /** Replies of the current process; a new queue per launch, so a killed process's last words never reach the next. */
    private volatile BlockingQueue<Map<String, Object>> replies = new LinkedBlockingQueue<>();
    /** Guarded by itself: written by the stdout and stderr reader threads, read by callers. */
    private final StringBuilder stderr = new StringBuilder();
    private Process process;
    private Writer stdin;
    private String zid;

    PythonZenohProcess(List<String> args) {
        this.args = List.copyOf(args);
    }

    /** Starts a Python Zenoh client connected to {@code endpoint}, subscribed to {@code subKeys}. */
    public static PythonZenohProcess client(String endpoint, String... subKeys) {
        List<String> a = new ArrayList<>(List.of("--mode", "client", "--connect", endpoint));
        for (String k : subKeys) {
            a.add("--sub");
            a.add(k);
        }
        PythonZenohProcess p = new PythonZenohProcess(a);
        p.launch();
        return p;
    }

    /**
     * Starts a Python Zenoh peer (gossip and multicast scouting off) listening on {@code listen}
     * (null: no listener) and connecting to {@code connect}, lease {@code leaseMs} (0: default),
     * subscribed to {@code subKeys}.
     */
    public static PythonZenohProcess peer(String listen, List<String> connect, long leaseMs, String... subKeys) {
        return start("peer", listen, connect, leaseMs, subKeys);
    }

    /** Like {@link #peer}, in {@code mode} ({@code peer}, {@code router} or {@code client}). */
    public static PythonZenohProcess start(String mode, String listen, List<String> connect, long leaseMs,
                                           String... subKeys) {
        return start(mode, listen, connect, leaseMs, List.of(), subKeys);
    }

    /**
     * Like {@link #start(String, String, List, long, String...)} with more options for
     * {@code zenoh_peer.py}, such as {@link #tlsOptions}.
     */
    public static PythonZenohProcess start(String mode, String listen, List<String> connect, long leaseMs,
                                           List<String> options, String... subKeys) {
        List<String> a = new ArrayList<>(List.of("--mode", mode));
        a.addAll(options);
        if (listen != null) {
            a.add("--listen");
            a.add(listen);
        }
        for (String c : connect) {
            a.add("--connect");
            a.add(c);
        }
        if (leaseMs > 0) {
            a.add("--lease-ms");
            a.add(Long.toString(leaseMs));
        }
        for (String k : subKeys) {
            a.add("--sub");
            a.add(k);
        }
        PythonZenohProcess p = new PythonZenohProcess(a);
        p.launch();
        return p;
    }

    /**
     * Options giving the Python session the TLS material of Zenoh's {@code transport/link/tls}:
     * {@code rootCa} as trust root, {@code own} (null: none) as listen and connect certificate and
     * key, and {@code enable_mtls} when {@code mtls}.
     */
    public static List<String> tlsOptions(Path rootCa, TestCertificates.Issued own, boolean mtls) {
        List<String> a = new ArrayList<>(List.of("--tls-root-ca-certificate", rootCa.toString()));
        if (own != null) {
            a.addAll(List.of("--tls-listen-certificate", own.cert().toString(), "--tls-listen-private-key",
                    own.key().toString(), "--tls-connect-certificate", own.cert().toString(),
                    "--tls-connect-private-key", own.key().toString()));
        }
        if (mtls) {
            a.add("--tls-enable-mtls");
        }
        return a;
    }

    /** Freezes the process (SIGSTOP): its links stay open but it sends nothing, as a hung peer. */
    public void suspend() {
        signal("STOP");
    }

    /** Lets a {@link #suspend()}ed process run again (SIGCONT). */
    public void resume() {
        signal("CONT");
    }

    private void signal(String sig) {
        Process p = process;
        if (p == null) {
            throw new IllegalStateException("process not running");
        }
        try {
            Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start();
            if (k.waitFor() != 0) {
                throw new IllegalStateException("kill -" + sig + " " + p.pid() + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot signal the Python process", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static synchronized Path script() {
        if (script == null) {
            try (InputStream in = PythonZenohProcess.class.getResourceAsStream("zenoh_peer.py")) {
                if (in == null) {
                    throw new IllegalStateException("zenoh_peer.py not on the classpath next to "
                            + PythonZenohProcess.class.getName());
                }
                Path p = Files.createTempFile("zenoh_peer", ".py");
                Files.write(p, in.readAllBytes());
                p.toFile().deleteOnExit();
                script = p;
            } catch (IOException e) {
                throw new IllegalStateException("cannot extract zenoh_peer.py", e);
            }
        }
        return script;
    }

    synchronized void launch() {
        List<String> cmd = new ArrayList<>(List.of(python(), "-u", script().toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putIfAbsent("RUST_LOG", "warn");
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + cmd.get(0) + " for the Zenoh interop peer (install Python 3 and "
                    + INSTALL_HINT + ")", e);
        }
        BlockingQueue<Map<String, Object>> q = new LinkedBlockingQueue<>();
        replies = q;
        Process proc = process;
        Runtime.getRuntime().addShutdownHook(new Thread(proc::destroyForcibly, "zenoh-py-reaper"));
        stdin = new OutputStreamWriter(proc.getOutputStream(), StandardCharsets.UTF_8);
        Thread out = new Thread(() -> readStdout(proc, q), "zenoh-py-stdout");
        out.setDaemon(true);
        out.start();
        Thread err = new Thread(() -> readStderr(proc), "zenoh-py-stderr");
        err.setDaemon(true);
        err.start();
        Map<String, Object> ready = awaitReply("ready", START_TIMEOUT);
        zid = (String) ready.get("zid");
    }

    private static String python() {
        String p = System.getenv("ZENOH_PYTHON");
        return p != null && !p.isBlank() ? p : "python3";
    }

    private void readStdout(Process proc, BlockingQueue<Map<String, Object>> q) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                Map<String, Object> m;
                try {
                    m = Json.parseObject(line);
                } catch (RuntimeException e) {
                    appendStderr("unparseable stdout: " + line, false);
                    continue;
                }
                if ("sample".equals(m.get("event"))) {
                    ReceivedSample s = new ReceivedSample((String) m.get("key"), stripPrefix((String) m.get("kind")),
                            (String) m.get("encoding"), b64((String) m.get("payload")), b64((String) m.get("attachment")),
                            (String) m.get("timestamp"), stripPrefix((String) m.get("priority")),
                            stripPrefix((String) m.get("congestion")), Boolean.TRUE.equals(m.get("express")));
                    synchronized (samples) {
                        samples.add(s);
                        samples.notifyAll();
                    }
                } else if ("query".equals(m.get("event")) || "liveliness".equals(m.get("event"))) {
                    synchronized (events) {
                        events.add(m);
                        events.notifyAll();
                    }
                } else {
                    q.add(m);
                }
            }
        } catch (IOException e) {
            // process ended
        }
        q.add(Map.of("event", "exited"));
    }

    private void readStderr(Process proc) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                appendStderr(line, true);
            }
        } catch (IOException e) {
            // process ended
        }
    }

    private static String stripPrefix(String s) {
        if (s == null) {
            return null;
        }
        int dot = s.lastIndexOf('.');
        return dot >= 0 ? s.substring(dot + 1) : s;
    }

    private static byte[] b64(String s) {
        return s == null ? null : Base64.getDecoder().decode(s);
    }

    private static String b64(byte[] b) {
        return b == null ? null : Base64.getEncoder().encodeToString(b);
    }

    private Map<String, Object> awaitReply(String event, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Map<String, Object> m;
            try {
                m = left > 0 ? replies.poll(left, TimeUnit.NANOSECONDS) : null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + event);
            }
            if (m == null) {
                throw new IllegalStateException("Python Zenoh peer sent no '" + event + "' within " + timeout.toMillis()
                        + " ms; stderr:\n" + stderr());
            }
            Object ev = m.get("event");
            if (event.equals(ev)) {
                return m;
            }
            if ("fatal".equals(ev) || "exited".equals(ev)) {
                String msg = String.valueOf(m.get("message"));
                String err = stderr();
                if ("exited".equals(ev) && (err.contains("No module named 'zenoh'")
                        || err.contains("ModuleNotFoundError"))) {
                    msg = "python module 'zenoh' missing";
                }
                throw new IllegalStateException("Python Zenoh peer failed (" + msg + "). Install real Zenoh with: "
                        + INSTALL_HINT + "\nstderr:\n" + err);
            }
            if ("error".equals(ev)) {
                throw new IllegalStateException("Python Zenoh peer error: " + m.get("message"));
            }
        }
    }

    private synchronized Map<String, Object> command(String json, String event, Duration timeout) {
        try {
            stdin.write(json);
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            throw new IllegalStateException("Python Zenoh peer is not running; stderr:\n" + stderr(), e);
        }
        return awaitReply(event, timeout);
    }

    /** The Python session's Zenoh id. */
    public String zid() {
        return zid;
    }

    /** Puts one sample from the Python session (BLOCK congestion control). */
    public void put(String key, byte[] payload, String encoding, byte[] attachment) {
        command("{\"op\":\"put\",\"key\":" + Json.quote(key) + ",\"payload\":" + Json.quote(b64(payload))
                + ",\"encoding\":" + Json.quote(encoding) + ",\"attachment\":" + Json.quote(b64(attachment)) + "}",
                "put_done", Duration.ofSeconds(30));
    }

    /** Puts {@code count} samples {@code prefix+i} (i = 0..count-1) on {@code key}. */
    public void putMany(String key, String prefix, int count) {
        command("{\"op\":\"put\",\"key\":" + Json.quote(key) + ",\"payload\":"
                + Json.quote(b64(prefix.getBytes(StandardCharsets.UTF_8))) + ",\"count\":" + count + "}",
                "put_done", Duration.ofMinutes(2));
    }

    /**
     * Puts {@code count} samples {@code prefix+i} on {@code key} with congestion control DROP
     * ({@code drop}) or BLOCK, one {@code session.put} each, as fast as Python can.
     */
    public void putMany(String key, String prefix, int count, boolean drop) {
        command("{\"op\":\"put\",\"key\":" + Json.quote(key) + ",\"payload\":"
                + Json.quote(b64(prefix.getBytes(StandardCharsets.UTF_8))) + ",\"count\":" + count
                + ",\"congestion\":\"" + (drop ? "drop" : "block") + "\"}", "put_done", Duration.ofMinutes(2));
    }

    /** Deletes {@code key} from the Python session. */
    public void delete(String key) {
        command("{\"op\":\"delete\",\"key\":" + Json.quote(key) + "}", "delete_done", Duration.ofSeconds(30));
    }

    /**
     * Waits until a subscriber matching {@code key} is known to the Python session (e.g. a Java
     * subscriber's declaration reached the router). Use keys the Python process does not subscribe
     * to itself, or the answer is trivially true.
     */
    public boolean awaitMatching(String key, Duration timeout) {
        Map<String, Object> r = command("{\"op\":\"wait_matching\",\"key\":" + Json.quote(key) + ",\"timeout_ms\":"
                + timeout.toMillis() + "}", "wait_matching_done", timeout.plusSeconds(10));
        return Boolean.TRUE.equals(r.get("matching"));
    }

    /** Python publisher throughput run: {@code count} puts of {@code size} bytes; returns elapsed nanoseconds. */
    public long publishBench(String key, int size, int count, boolean block) {
        Map<String, Object> r = command("{\"op\":\"pub_bench\",\"key\":" + Json.quote(key) + ",\"size\":" + size
                + ",\"count\":" + count + ",\"congestion\":\"" + (block ? "block" : "drop") + "\"}",
                "pub_bench_done", Duration.ofMinutes(5));
        return ((Number) r.get("elapsed_ns")).longValue();
    }

    /** Counter of samples received on keys starting with the count prefix ({@code bench/}). Immutable. */
    public record Count(long count, long bytes, long firstNanos, long lastNanos, long nowNanos) {
    }

    public Count count() {
        Map<String, Object> r = command("{\"op\":\"count\"}", "count_done", Duration.ofSeconds(30));
        return new Count(((Number) r.get("count")).longValue(), ((Number) r.get("bytes")).longValue(),
                ((Number) r.get("first_ns")).longValue(), ((Number) r.get("last_ns")).longValue(),
                ((Number) r.get("now_ns")).longValue());
    }

    public void resetCount() {
        command("{\"op\":\"reset_count\"}", "reset_count_done", Duration.ofSeconds(30));
    }

    /* ---- queries and liveliness (real Zenoh side) ---- */

    /**
     * Declares a Python queryable on {@code key}. Per query it reports a {@code query} event
     * ({@link #awaitEvents}) and replies depending on the selector parameters: {@code sleep_ms=N}
     * sleeps first; {@code err=X} replies an error {@code py-err:X} (text/plain); {@code size=N}
     * replies N bytes of {@link #pattern(int)}; otherwise it replies {@code "py:" + payload} with
     * the query's encoding and attachment. {@code reply_key=K} replies on K instead of the query key.
     */
    public void declareQueryable(String key, boolean complete) {
        command("{\"op\":\"declare_queryable\",\"key\":" + Json.quote(key) + ",\"complete\":" + complete + "}",
                "declare_queryable_done", Duration.ofSeconds(30));
    }

    public void undeclareQueryable(String key) {
        command("{\"op\":\"undeclare_queryable\",\"key\":" + Json.quote(key) + "}", "undeclare_queryable_done",
                Duration.ofSeconds(30));
    }

    /** One reply as seen by Python: ok (key, payload, encoding, attachment) or err (payload, encoding). Immutable. */
    @SuppressWarnings("ArrayRecordComponent") // bytes as decoded from Python, passed through; never compared or hashed
    public record PyReply(boolean ok, String key, byte[] payload, String encoding, byte[] attachment) {
        public String payloadAsString() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** A Python {@code session.get}; blocks until its final. {@code target} e.g. "ALL" (null: default). */
    public List<PyReply> get(String selector, byte[] payload, String encoding, byte[] attachment, long timeoutMs,
                             String target) {
        return get(selector, payload, encoding, attachment, timeoutMs, target, null, null);
    }

    /**
     * The get upstream's ODGM {@code ObjectProxy} makes ({@code call_zenoh}): consolidation NONE,
     * congestion control BLOCK, target BEST_MATCHING, no encoding.
     */
    public List<PyReply> getLikeObjectProxy(String selector, byte[] payload, long timeoutMs) {
        return get(selector, payload, null, null, timeoutMs, "BEST_MATCHING", "NONE", "block");
    }

    /**
     * A Python {@code session.get} with every option: {@code consolidation} a
     * {@code zenoh.ConsolidationMode} name, {@code congestion} "block" or "drop" (null: defaults).
     */
    public List<PyReply> get(String selector, byte[] payload, String encoding, byte[] attachment, long timeoutMs,
                             String target, String consolidation, String congestion) {
        Map<String, Object> r = command("{\"op\":\"get\",\"selector\":" + Json.quote(selector) + ",\"payload\":"
                + Json.quote(b64(payload)) + ",\"encoding\":" + Json.quote(encoding) + ",\"attachment\":"
                + Json.quote(b64(attachment)) + ",\"timeout_ms\":" + timeoutMs
                + (target != null ? ",\"target\":" + Json.quote(target) : "")
                + (consolidation != null ? ",\"consolidation\":" + Json.quote(consolidation) : "")
                + (congestion != null ? ",\"congestion\":" + Json.quote(congestion) : "") + "}", "get_done",
                Duration.ofMillis(timeoutMs).plusSeconds(30));
        List<PyReply> out = new ArrayList<>();
        for (Object o : (List<?>) r.get("replies")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) o;
            out.add(new PyReply(Boolean.TRUE.equals(m.get("ok")), (String) m.get("key"), b64((String) m.get("payload")),
                    (String) m.get("encoding"), b64((String) m.get("attachment"))));
        }
        return out;
    }

    /**
     * {@code count} concurrent Python gets on {@code selectorBase/i} with payload {@code q<i>};
     * returns counters {@code ok}, {@code err}, {@code bad} (ok reply whose payload is not
     * {@code q<i>}), {@code finals}, {@code elapsed_ms}.
     */
    public Map<String, Object> getMany(String selectorBase, int count, long timeoutMs) {
        return command("{\"op\":\"get_many\",\"selector\":" + Json.quote(selectorBase) + ",\"count\":" + count
                + ",\"timeout_ms\":" + timeoutMs + "}", "get_many_done", Duration.ofMillis(timeoutMs).plusSeconds(60));
    }

    public void declareToken(String key) {
        command("{\"op\":\"liveliness_token\",\"key\":" + Json.quote(key) + "}", "liveliness_token_done",
                Duration.ofSeconds(30));
    }

    public void undeclareToken(String key) {
        command("{\"op\":\"liveliness_undeclare\",\"key\":" + Json.quote(key) + "}", "liveliness_undeclare_done",
                Duration.ofSeconds(30));
    }

    /** Declares a Python liveliness subscriber; its changes arrive as {@code liveliness} events (key, kind). */
    public void livelinessSubscribe(String key, boolean history) {
        command("{\"op\":\"liveliness_sub\",\"key\":" + Json.quote(key) + ",\"history\":" + history + "}",
                "liveliness_sub_done", Duration.ofSeconds(30));
    }

    /** A Python liveliness get: the keys of the alive tokens matching {@code key}. */
    public List<String> livelinessGet(String key, long timeoutMs) {
        Map<String, Object> r = command("{\"op\":\"liveliness_get\",\"key\":" + Json.quote(key)
                + ",\"timeout_ms\":" + timeoutMs + "}", "liveliness_get_done", Duration.ofMillis(timeoutMs).plusSeconds(30));
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) r.get("keys")) {
            out.add((String) o);
        }
        return out;
    }

    /** Waits until at least {@code n} events of type {@code event} match {@code filter}; returns them. */
    public List<Map<String, Object>> awaitEvents(String event, Predicate<Map<String, Object>> filter, int n,
                                                 Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (events) {
            while (true) {
                List<Map<String, Object>> got = events.stream().filter(m -> event.equals(m.get("event")))
                        .filter(filter).toList();
                if (got.size() >= n) {
                    return got;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + n + " '" + event + "' events within " + timeout.toMillis()
                            + " ms, got " + got + "; all events: " + events);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(events, Math.min(left, 100_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted");
                }
            }
        }
    }

    /** Events of type {@code event} received so far. */
    public List<Map<String, Object>> events(String event) {
        synchronized (events) {
            return events.stream().filter(m -> event.equals(m.get("event"))).toList();
        }
    }

    /** The deterministic payload the Python queryable sends for {@code size=n}. */
    public static byte[] pattern(int n) {
        byte[] base = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = base[i & 15];
        }
        return out;
    }

    /** A copy of all samples received so far. */
    public List<ReceivedSample> samples() {
        synchronized (samples) {
            return new ArrayList<>(samples);
        }
    }

    public void clearSamples() {
        synchronized (samples) {
            samples.clear();
        }
    }

    /** Waits until at least {@code n} samples were received; returns them (fails with a message on timeout). */
    public List<ReceivedSample> awaitSamples(int n, Duration timeout) {
        return awaitSamples(n, s -> true, timeout);
    }

    /** Waits until at least {@code n} samples matching {@code filter} were received. */
    public List<ReceivedSample> awaitSamples(int n, Predicate<ReceivedSample> filter, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (samples) {
            while (true) {
                List<ReceivedSample> got = samples.stream().filter(filter).toList();
                if (got.size() >= n) {
                    return got;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + n + " samples within " + timeout.toMillis() + " ms, got "
                            + got.size() + (got.isEmpty() ? "" : " (last: " + got.get(got.size() - 1) + ")"));
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(samples, Math.min(left, 100_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted");
                }
            }
        }
    }

    /** True while the Python process runs. */
    public boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** Kills the Python process (SIGKILL) and waits for it to exit. Idempotent. */
    public synchronized void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Kills and starts the process again with the same arguments (same port for a router). */
    public synchronized void restart() {
        stop();
        launch();
    }

    @Override
    public void close() {
        stop();
    }

    /** Recent stderr of the Python process (diagnostics). */
    public String stderr() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    /** Appends one line; {@code capped}: only while fewer than 64 000 chars are kept. */
    private void appendStderr(String line, boolean capped) {
        synchronized (stderr) {
            if (!capped || stderr.length() < 64_000) {
                stderr.append(line).append('\n');
            }
        }
    }
}
