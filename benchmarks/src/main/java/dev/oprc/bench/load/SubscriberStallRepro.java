package dev.oprc.bench.load;

import dev.oprc.zenoh.Config;
import dev.oprc.zenoh.Session;
import dev.oprc.zenoh.Subscriber;
import dev.oprc.zenoh.Zenoh;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reproduces the stall described in {@code benchmarks/README.md}: a Python client publishes
 * {@code bursts × burstSize} 200-byte DROP puts on {@code bench/x/y} (a burst, then 10 ms pause),
 * a Python subscriber and our Java {@link Session} subscriber count them on the same router. With
 * the defaults (about 160k puts/s offered) the Python subscriber receives nearly all; the Java one
 * used to stop receiving for good after the first router-side drop, while its link stayed up (the
 * router never clears the congestion flag of a link opened without QoS; the client now negotiates
 * QoS, see {@code zenoh/README.md} "Router congestion"). Both should now receive about the same.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.oprc.bench.load.SubscriberStallRepro [burstSize=2000] [bursts=500]
 * </pre>
 *
 * <p>Not thread-safe; a one-shot main.
 */
public final class SubscriberStallRepro {
  private static final String PUBLISHER = """
      import json, os, sys, time, zenoh
      def open_client(ep):
          c = zenoh.Config()
          c.insert_json5("mode", '"client"')
          c.insert_json5("connect/endpoints", json.dumps([ep]))
          c.insert_json5("scouting/multicast/enabled", "false")
          return zenoh.open(c)
      ep, burst, bursts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
      sub_session, pub_session = open_client(ep), open_client(ep)
      n = [0]
      def on_sample(s):
          n[0] += 1
      sub = sub_session.declare_subscriber("bench/**", on_sample)
      time.sleep(1)
      pub = pub_session.declare_publisher("bench/x/y", congestion_control=zenoh.CongestionControl.DROP)
      payload = b"x" * 200
      for _ in range(bursts):
          for _ in range(burst):
              pub.put(payload)
          time.sleep(0.01)
      time.sleep(2)
      print(n[0], flush=True)
      os._exit(0)  # closing the sessions can hang the interpreter's exit
      """;

  private SubscriberStallRepro() {}

  @SuppressWarnings("try") // the resource is held open for the block's duration, not called
  public static void main(String[] args) throws IOException, InterruptedException {
    int burst = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int bursts = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    Path dir = Files.createTempDirectory("odgm-stall-repro-");
    Path script = dir.resolve("publisher.py");
    Files.writeString(script, PUBLISHER);
    try (ZenohRouter router = ZenohRouter.start(dir.resolve("router.log"), List.of());
        Session session = Zenoh.open(Config.client(router.endpoint()))) {
      AtomicLong received = new AtomicLong();
      try (Subscriber sub = session.declareSubscriber("bench/**", s -> received.incrementAndGet())) {
        Process py = new ProcessBuilder("python3", "-u", script.toString(), router.endpoint(), "" + burst, "" + bursts)
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String pythonCount = new java.io.BufferedReader(new java.io.InputStreamReader(py.getInputStream(),
            StandardCharsets.UTF_8)).readLine();
        if (!py.waitFor(10, TimeUnit.SECONDS)) {
          py.destroyForcibly();
        }
        System.out.printf("published %,d; python subscriber %s; java subscriber %,d%njava session %s%n",
            (long) burst * bursts, pythonCount, received.get(), session.stats());
      }
    }
  }
}
