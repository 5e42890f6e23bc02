package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.DeterministicInvocationIds;
import dev.oprc.odgm.events.EventType;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.EventStatsProto;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.ShardStats;
import dev.oprc.odgm.proto.SingleObjectRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.zenoh.testing.ReceivedSample;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability with real processes: the node is its own JVM on real RocksDB, killed with SIGKILL;
 * the Zenoh router is a real process, paused with SIGSTOP and killed. Every write creates an
 * object whose on_create trigger targets {@code sink/0/fire}; the router's own session records
 * every trigger PUT, so the check is: every acknowledged write is stored, every acknowledged
 * write's trigger arrived at least once, and a trigger that arrived twice carried the same id.
 */
class DurabilityProcessTest {
  private static final String SINK_PREFIX = "oprc/sink/0/async/fire/";
  private static final Pattern SOURCE = Pattern.compile("\"source_object_id\":\"([^\"]+)\"");

  @TempDir
  Path dataDir;
  private ZenohRouterProcess router;
  private NodeProcess node;

  @BeforeEach
  void startRouter() {
    router = ZenohRouterProcess.start(2_000, SINK_PREFIX + "*");
  }

  @AfterEach
  void stopAll() throws Exception {
    if (node != null) {
      node.close();
    }
    router.close();
  }

  private Map<String, String> env(String sync) {
    Map<String, String> env = new HashMap<>();
    env.put("ODGM_COLLECTION", "[{\"name\":\"crash\",\"partitionCount\":2}]");
    env.put("ODGM_DATA_DIR", dataDir.toString());
    env.put("ODGM_STORAGE_SYNC", sync);
    env.put("OPRC_ZENOH_MODE", "client");
    env.put("OPRC_ZENOH_PEERS", router.endpoint());
    env.put("OPRC_ZENOH_LEASE_MS", "2000");
    env.put("ODGM_SHUTDOWN_DRAIN_MS", "1000");
    return env;
  }

  static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  /** Creates object {@code o<i>} (partition i % 2) with entry k and an on_create trigger on k. */
  static void write(DataServiceGrpc.DataServiceBlockingStub data, int i) {
    write(data, "crash", i % 2, i);
  }

  /** Creates object {@code o<i>} of {@code collection} in {@code partition} with entry k and an on_create trigger on k. */
  static void write(DataServiceGrpc.DataServiceBlockingStub data, String collection, int partition, int i) {
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("k", DataTrigger.newBuilder()
        .addOnCreate(TriggerTarget.newBuilder().setClsId("sink").setPartitionId(0).setFnId("fire")).build()).build();
    data.set(SetObjectRequest.newBuilder().setClsId(collection).setPartitionId(partition).setObjectId("o" + i)
        .setObject(ObjData.newBuilder().setEvent(ev).putEntries("k", val("v" + i))).build());
  }

  /** Trigger keys seen by the router, per source object id. */
  private Map<String, Set<String>> triggersBySource() throws Exception {
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

  /** Runs writers (each write i once, from {@code from}) until {@code stop} or a write fails; returns {@code acked}. */
  private Set<Integer> writeInto(Set<Integer> acked, int threads, int from, int count, int perSecond,
      BooleanSupplier stop) throws Exception {
    AtomicInteger next = new AtomicInteger(from);
    long start = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    for (int t = 0; t < threads; t++) {
      var unused = pool.submit(() -> { // failures show as missing acknowledged writes
        DataServiceGrpc.DataServiceBlockingStub data = node.data();
        int i;
        while (!stop.getAsBoolean() && (i = next.getAndIncrement()) < from + count) {
          if (perSecond > 0) {
            long due = start + (i - from) * 1_000_000_000L / perSecond;
            long wait = due - System.nanoTime();
            if (wait > 0) {
              TimeUnit.NANOSECONDS.sleep(wait);
            }
          }
          try {
            write(data.withDeadlineAfter(5, TimeUnit.SECONDS), i);
            acked.add(i);
          } catch (RuntimeException e) {
            return null; // the node is gone: this write is not acknowledged
          }
        }
        return null;
      });
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
    return acked;
  }

  private void assertStored(Set<Integer> acked) {
    DataServiceGrpc.DataServiceBlockingStub data = node.data().withDeadlineAfter(120, TimeUnit.SECONDS);
    for (int i : acked) {
      ObjData o = data.get(SingleObjectRequest.newBuilder().setClsId("crash").setPartitionId(i % 2)
          .setObjectId("o" + i).build()).getObj();
      assertThat(o.getEntriesMap().get("k").getData().toStringUtf8()).isEqualTo("v" + i);
    }
  }

  private void assertTriggersDelivered(Set<Integer> acked, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    Map<String, Set<String>> seen = triggersBySource();
    while (!seen.keySet().containsAll(ids(acked)) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      seen = triggersBySource();
    }
    Set<String> missing = new HashSet<>(ids(acked));
    missing.removeAll(seen.keySet());
    assertThat(missing).as("acknowledged writes whose trigger never arrived").isEmpty();
    for (Map.Entry<String, Set<String>> e : seen.entrySet()) {
      assertThat(e.getValue()).as("trigger keys of %s (a duplicate must reuse the id)", e.getKey()).hasSize(1);
    }
  }

  private static Set<String> ids(Set<Integer> acked) {
    Set<String> out = new HashSet<>();
    acked.forEach(i -> out.add("o" + i));
    return out;
  }

  /** Waits until every shard's outbox is empty; returns the summed counters, checked for balance. */
  private EventStatsProto awaitDrained(Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      List<ShardStats> shards = node.shards();
      EventStatsProto.Builder sum = EventStatsProto.newBuilder();
      for (ShardStats s : shards) {
        EventStatsProto e = s.getEvents();
        assertThat(NodeProcess.balanced(e) || e.getPending() > 0).as("counters of %s/%d: %s", s.getCollection(),
            s.getPartitionId(), e).isTrue();
        sum.setEventsMatched(sum.getEventsMatched() + e.getEventsMatched())
            .setRecovered(sum.getRecovered() + e.getRecovered()).setRetired(sum.getRetired() + e.getRetired())
            .setPending(sum.getPending() + e.getPending()).setDropped(sum.getDropped() + e.getDropped())
            .setExpired(sum.getExpired() + e.getExpired()).setFailed(sum.getFailed() + e.getFailed())
            .setRedelivered(sum.getRedelivered() + e.getRedelivered());
      }
      EventStatsProto total = sum.build();
      if (total.getPending() == 0 && NodeProcess.balanced(total)) {
        System.out.println("drained: " + total.toString().replace('\n', ' '));
        return total;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("outbox not drained within " + within + ": " + total + "\n" + node.threadDump());
      }
      Thread.sleep(100);
    }
  }

  @Test
  void killMinus9DuringWritesLosesNoAcknowledgedWriteAndNoTrigger() throws Exception {
    node = NodeProcess.start(env("group"));
    NodeProcess victim = node;
    Set<Integer> acked = ConcurrentHashMap.newKeySet();
    Thread killer = new Thread(() -> {
      try {
        while (acked.size() < 3_000) {
          Thread.sleep(1);
        }
        victim.kill9();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "killer");
    killer.start();
    writeInto(acked, 16, 0, 10_000, 0, () -> false);
    killer.join();
    assertThat(victim.process.isAlive()).isFalse();
    assertThat(acked.size()).isBetween(3_000, 9_999); // the kill landed in the middle of the 10k writes
    victim.close();
    node = NodeProcess.start(env("group"));
    assertStored(acked);
    assertTriggersDelivered(acked, Duration.ofSeconds(60));
    EventStatsProto total = awaitDrained(Duration.ofSeconds(30));
    assertThat(total.getDropped() + total.getExpired() + total.getFailed()).isZero();
  }

  @Test
  void aCrashBetweenCommitAndPublishIsReplayedWithTheSameInvocationId() throws Exception {
    node = NodeProcess.start(env("group"), "-Dodgm.fault.haltAfterCommits=5");
    for (int i = 0; i < 4; i++) {
      write(node.data(), i);
    }
    try {
      write(node.data(), 4); // committed, then the process halts before the record reaches the dispatcher
    } catch (RuntimeException expected) {
      // no acknowledgement: the node is gone
    }
    assertThat(node.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(node.process.exitValue()).isEqualTo(99);
    String expectedId = DeterministicInvocationIds.of("crash", 0, "o4", 1, EventType.DATA_CREATE, "k", 0, null);
    assertThat(triggersBySource()).doesNotContainKey("o4");
    node.close();
    node = NodeProcess.start(env("group"));
    assertTriggersDelivered(Set.of(0, 1, 2, 3, 4), Duration.ofSeconds(30));
    assertThat(triggersBySource().get("o4")).containsExactly(SINK_PREFIX + expectedId);
    assertThat(awaitDrained(Duration.ofSeconds(30)).getRecovered()).isGreaterThanOrEqualTo(1);
  }

  private long routerPid() {
    String endpoint = router.endpoint();
    return ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().map(c -> c.contains(endpoint) && c.contains("router")).orElse(false))
        .findFirst().orElseThrow(() -> new AssertionError("no router process for " + endpoint)).pid();
  }

  private static void signal(String sig, long pid) throws Exception {
    Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
    assertThat(p.waitFor()).isZero();
  }

  /**
   * Waits until {@code acked} holds {@code n} writes; gives up after 2 minutes (the writers have
   * stopped by then, and the test's own assertions report what is missing).
   */
  private static void awaitAcked(Set<Integer> acked, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (acked.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
  }

  /** Waits until the node's log contains {@code text}; fails with the log after {@code within}. */
  private static void awaitLog(NodeProcess n, String text, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!n.output().contains(text)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the node did not log '" + text + "' within " + within + ":\n" + n.output());
      }
      Thread.sleep(50);
    }
  }

  /**
   * The router is frozen (SIGSTOP) after 2,000 acknowledged writes, stays frozen for 10,000 more
   * and until the node's session lease expired (it logs "lease expired"), then resumes while writes go on.
   */
  @Test
  void aRouterPausedPastTheSessionLeaseWhileWritesContinueLosesNoTrigger() throws Exception {
    node = NodeProcess.start(env("group"));
    long pid = routerPid();
    Set<Integer> acked = ConcurrentHashMap.newKeySet();
    NodeProcess writer = node;
    Thread pauser = new Thread(() -> {
      try {
        awaitAcked(acked, 2_000);
        signal("STOP", pid);
        awaitAcked(acked, 12_000);
        awaitLog(writer, "lease expired", Duration.ofSeconds(60));
        signal("CONT", pid);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "pauser");
    pauser.start();
    writeInto(acked, 8, 0, 16_000, 2_000, () -> false);
    pauser.join();
    assertThat(acked).hasSize(16_000); // writes never wait for the router
    assertThat(node.output()).as("the session lease expired while the router was frozen").contains("lease expired");
    assertTriggersDelivered(acked, Duration.ofSeconds(90));
    EventStatsProto total = awaitDrained(Duration.ofSeconds(60));
    assertThat(total.getEventsMatched()).isEqualTo(16_000);
    assertThat(total.getRetired()).isEqualTo(16_000);
    assertThat(total.getDropped() + total.getExpired() + total.getFailed()).isZero();
  }

  /** The router is killed (SIGKILL) after 2,000 acknowledged writes and restarted after 4,000 more. */
  @Test
  void aRouterKilledAndRestartedOnTheSamePortLosesNoTrigger() throws Exception {
    node = NodeProcess.start(env("group"));
    Set<Integer> acked = ConcurrentHashMap.newKeySet();
    Thread killer = new Thread(() -> {
      try {
        awaitAcked(acked, 2_000);
        router.stop(); // SIGKILL
        awaitAcked(acked, 6_000);
        router.restart();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "router-killer");
    killer.start();
    writeInto(acked, 8, 0, 10_000, 2_000, () -> false);
    killer.join();
    assertThat(acked).hasSize(10_000);
    assertTriggersDelivered(acked, Duration.ofSeconds(60));
    EventStatsProto total = awaitDrained(Duration.ofSeconds(60));
    assertThat(total.getRetired()).isEqualTo(10_000);
    assertThat(total.getDropped() + total.getExpired() + total.getFailed()).isZero();
  }

  @Test
  void aDataDirThatIsAFileFailsAtStartWithOneLineNamingIt() throws Exception {
    Path file = Files.writeString(dataDir.resolve("not-a-dir"), "x");
    Map<String, String> env = env("group");
    env.put("ODGM_DATA_DIR", file.toString());
    NodeProcess.Exit exit = NodeProcess.run(env, 60);
    assertThat(exit.code()).isEqualTo(2);
    assertThat(exit.output()).contains("odgm: cannot open data dir '" + file + "': it is not a directory")
        .doesNotContain("\tat ");
  }

  @Test
  void aDataDirLockedByAnotherNodeFailsAtStartAndTheRunningNodeKeepsServing() throws Exception {
    node = NodeProcess.start(env("group"));
    write(node.data(), 1);
    NodeProcess.Exit exit = NodeProcess.run(env("group"), 60);
    assertThat(exit.code()).isEqualTo(2);
    assertThat(exit.output()).contains("odgm: cannot open data dir '" + dataDir + "'").containsIgnoringCase("lock")
        .doesNotContain("\tat ");
    assertStored(Set.of(1));
  }

  @Test
  void aCorruptDataDirFailsAtStartAndIsLeftAsItWas() throws Exception {
    node = NodeProcess.start(env("group"));
    write(node.data(), 1);
    node.close();
    node = null;
    Path current = dataDir.resolve("CURRENT");
    Files.writeString(current, "garbage-that-names-no-manifest\n");
    NodeProcess.Exit exit = NodeProcess.run(env("group"), 60);
    assertThat(exit.code()).isEqualTo(2);
    assertThat(exit.output()).contains("odgm: cannot open data dir '" + dataDir + "'").doesNotContain("\tat ");
    assertThat(Files.readString(current)).isEqualTo("garbage-that-names-no-manifest\n"); // nothing wiped or repaired
  }
}
