package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.zenoh.testing.ReceivedSample;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The trigger PUTs the test router's own session received on {@link #SINK_PREFIX}, grouped by
 * the source object named in their JSON payload: the evidence for "every acknowledged write's
 * trigger arrived at least once, and a duplicate carried the same invocation id". Stateless.
 */
final class TriggerLog {
  /** Where the on_create trigger of {@link DurabilityProcessTest#write} lands (cls sink, partition 0, fn fire). */
  static final String SINK_PREFIX = "oprc/sink/0/async/fire/";
  private static final Pattern SOURCE = Pattern.compile("\"source_object_id\":\"([^\"]+)\"");

  private TriggerLog() {}

  /** Trigger keys seen by the router, per source object id. */
  static Map<String, Set<String>> bySource(ZenohRouterProcess router) throws Exception {
    Map<String, Set<String>> out = new HashMap<>();
    for (ReceivedSample s : router.samples()) {
      if (!s.key().startsWith(SINK_PREFIX)) {
        continue;
      }
      String json = InvocationRequest.parseFrom(s.payload()).getPayload().toString(StandardCharsets.UTF_8);
      Matcher m = SOURCE.matcher(json);
      assertThat(m.find()).as("source_object_id in %s", json).isTrue();
      out.computeIfAbsent(m.group(1), k -> new HashSet<>()).add(s.key());
    }
    return out;
  }

  /** Number of trigger PUTs received (duplicates included). */
  static long puts(ZenohRouterProcess router) throws Exception {
    return router.samples().stream().filter(s -> s.key().startsWith(SINK_PREFIX)).count();
  }

  /**
   * Waits up to {@code within} until a trigger of every write in {@code acked} arrived; then
   * asserts none is missing and every source's triggers used a single invocation id.
   */
  static void assertDeliveredOnceById(ZenohRouterProcess router, Set<Integer> acked, Duration within)
      throws Exception {
    Set<String> expected = new HashSet<>();
    acked.forEach(i -> expected.add("o" + i));
    long deadline = System.nanoTime() + within.toNanos();
    Map<String, Set<String>> seen = bySource(router);
    while (!seen.keySet().containsAll(expected) && System.nanoTime() < deadline) {
      Thread.sleep(250);
      seen = bySource(router);
    }
    Set<String> missing = new HashSet<>(expected);
    missing.removeAll(seen.keySet());
    assertThat(missing).as("acknowledged writes whose trigger never arrived (of %d)", expected.size()).isEmpty();
    for (Map.Entry<String, Set<String>> e : seen.entrySet()) {
      assertThat(e.getValue()).as("trigger keys of %s (a duplicate must reuse the id)", e.getKey()).hasSize(1);
    }
  }
}
