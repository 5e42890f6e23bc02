package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.node.ZenohTransport;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Change streams with real processes: a node on RocksDB with {@code ODGM_ZENOH_EVENT_PUBLISH=true}
 * behind a real Zenoh router, a subscriber process ({@link ChangeSubscriberMain}) killed with
 * SIGKILL and restarted from its token, and the node itself killed with SIGKILL.
 */
class ChangeStreamProcessTest {
  private static final Pattern OID = Pattern.compile("\"object_id\":\"([^\"]+)\"");

  @TempDir
  Path dir;
  private ZenohRouterProcess router;
  private NodeProcess node;
  private NodeProcess subscriber;
  private ZenohTransport client;

  @BeforeEach
  void startRouter() {
    router = ZenohRouterProcess.start(2_000);
  }

  @AfterEach
  void stopAll() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {subscriber, node, client}) {
      if (c != null) {
        c.close();
      }
    }
    router.close();
  }

  private Map<String, String> nodeEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("ODGM_COLLECTION", "[{\"name\":\"cs\",\"partitionCount\":1}]");
    env.put("ODGM_DATA_DIR", dir.resolve("node").toString());
    env.put("ODGM_ZENOH_EVENT_PUBLISH", "true");
    env.put("OPRC_ZENOH_MODE", "client");
    env.put("OPRC_ZENOH_PEERS", router.endpoint());
    env.put("OPRC_ZENOH_LEASE_MS", "2000");
    env.put("ODGM_SHUTDOWN_DRAIN_MS", "1000");
    return env;
  }

  private NodeProcess startSubscriber(Path file) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("CHANGE_FILE", file.toString());
    env.put("CHANGE_CLASS", "cs");
    env.put("CHANGE_PARTITION", "0");
    env.put("OPRC_ZENOH_MODE", "client");
    env.put("OPRC_ZENOH_PEERS", router.endpoint());
    return NodeProcess.launch(ChangeSubscriberMain.class.getName(), ZenohRouterProcess.freePort(), env);
  }

  private static void set(DataServiceGrpc.DataServiceBlockingStub data, int i) {
    data.setValue(SetKeyRequest.newBuilder().setClsId("cs").setPartitionId(0).setObjectId("o" + (i % 97)).setKey("k")
        .setValue(ValData.newBuilder().setData(ByteString.copyFromUtf8("v" + i))).build());
  }

  /** Writes {@code from .. from+count-1} on {@code threads} threads; returns the acknowledged ones. */
  private Set<Integer> write(int from, int count, int threads, Runnable afterEach) throws Exception {
    Set<Integer> acked = ConcurrentHashMap.newKeySet();
    AtomicInteger next = new AtomicInteger(from);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    for (int t = 0; t < threads; t++) {
      var unused = pool.submit(() -> {
        int i;
        while ((i = next.getAndIncrement()) < from + count) {
          try {
            set(node.data().withDeadlineAfter(10, TimeUnit.SECONDS), i);
            acked.add(i);
            afterEach.run();
          } catch (RuntimeException e) {
            return null; // the node is gone: not acknowledged
          }
        }
        return null;
      });
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(300, TimeUnit.SECONDS)).isTrue();
    return acked;
  }

  private static List<Long> lines(Path file) throws Exception {
    List<Long> out = new ArrayList<>();
    if (!Files.exists(file)) {
      return out;
    }
    for (String l : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
      if (!l.isEmpty()) {
        out.add(Long.parseLong(l));
      }
    }
    return out;
  }

  @Test
  void aSubscriberKilledInTheMiddleOf20kWritesAndRestartedFromItsTokenGetsEveryEventOnceInOrder() throws Exception {
    node = NodeProcess.start(nodeEnv());
    Path file = dir.resolve("seqs.txt");
    subscriber = startSubscriber(file);
    AtomicInteger acks = new AtomicInteger();
    Thread killer = new Thread(() -> {
      try {
        while (lines(file).size() < 5_000) {
          Thread.sleep(20);
        }
        subscriber.kill9(); // in the middle of the writes: they go on while no subscriber runs
        while (acks.get() < 12_000) {
          Thread.sleep(20);
        }
        subscriber.close();
        subscriber = startSubscriber(file);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "subscriber-killer");
    killer.start();
    Set<Integer> acked = write(1, 20_000, 8, acks::incrementAndGet);
    killer.join();
    assertThat(acked).hasSize(20_000);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    List<Long> seen = lines(file);
    while (seen.size() < 20_000 && System.nanoTime() < deadline) {
      Thread.sleep(200);
      seen = lines(file);
    }
    List<Long> expected = new ArrayList<>();
    for (long s = 1; s <= 20_000; s++) {
      expected.add(s);
    }
    assertThat(seen).as("seqs the subscriber handed over, across its kill").isEqualTo(expected);
  }

  @Test
  void afterKillMinus9TheSeqContinuesWithoutGapOrRepeatAndKeepsEveryAcknowledgedWrite() throws Exception {
    node = NodeProcess.start(nodeEnv());
    NodeProcess victim = node;
    AtomicInteger acks = new AtomicInteger();
    Thread killer = new Thread(() -> {
      try {
        while (acks.get() < 2_000) {
          Thread.sleep(1);
        }
        victim.kill9();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "node-killer");
    killer.start();
    Set<Integer> acked = new HashSet<>(write(0, 6_000, 8, acks::incrementAndGet));
    killer.join();
    assertThat(acked.size()).isBetween(2_000, 5_999);
    victim.close();
    node = NodeProcess.start(nodeEnv());
    acked.addAll(write(10_000, 500, 4, () -> { }));
    client = ZenohTransport.open(Map.of("OPRC_ZENOH_MODE", "client", "OPRC_ZENOH_PEERS", router.endpoint()));
    List<Long> seqs = new ArrayList<>();
    Set<String> values = new HashSet<>();
    long since = 0;
    while (true) { // pages of 5000: the whole retained log
      List<dev.oprc.odgm.node.NodeTransport.QueryReply> page = client.get("oprc/cs/0/events/**?since=" + since
          + ";limit=5000", null, Duration.ofSeconds(30)).get(60, TimeUnit.SECONDS);
      for (var r : page) {
        assertThat(r.ok()).as("reply %s", new String(r.payload(), StandardCharsets.UTF_8)).isTrue();
        String json = new String(r.payload(), StandardCharsets.UTF_8);
        long seq = Long.parseLong(json.substring(json.lastIndexOf("\"seq\":") + 6, json.length() - 1));
        seqs.add(seq);
        since = seq;
        Matcher m = OID.matcher(json);
        assertThat(m.find()).isTrue();
        values.add(m.group(1) + "@" + json.substring(json.indexOf("\"version\":") + 10, json.indexOf(",\"timestamp\"")));
      }
      if (page.size() < 5_000) {
        break;
      }
    }
    assertThat(seqs).as("gap-free, no repeat").hasSizeGreaterThanOrEqualTo(acked.size());
    for (int i = 0; i < seqs.size(); i++) {
      assertThat(seqs.get(i)).isEqualTo(i + 1L);
    }
    assertThat(values).as("one event per write: (object, version) unique").hasSize(seqs.size());
  }

  private List<dev.oprc.odgm.node.NodeTransport.QueryReply> resume(String selector) throws Exception {
    if (client == null) {
      client = ZenohTransport.open(Map.of("OPRC_ZENOH_MODE", "client", "OPRC_ZENOH_PEERS", router.endpoint()));
    }
    long t0 = System.nanoTime();
    var r = client.get(selector, null, Duration.ofSeconds(30)).get(60, TimeUnit.SECONDS);
    System.out.println("resume " + selector + ": " + r.size() + " replies in "
        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
    return r;
  }

  @Test
  void aTokenOlderThanWhatIsRetainedGetsTheGapReplyThenTheRetainedEvents() throws Exception {
    Map<String, String> env = nodeEnv();
    env.put("ODGM_CHANGE_LOG_MAX_COUNT", "100");
    node = NodeProcess.start(env);
    long w0 = System.nanoTime();
    write(1, 300, 4, () -> { });
    System.out.println("300 writes in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - w0) + " ms");
    List<dev.oprc.odgm.node.NodeTransport.QueryReply> r = resume("oprc/cs/0/events/**?since=5");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while ((r.get(0).ok() || !new String(r.get(0).payload(), StandardCharsets.UTF_8).contains(":201}"))
        && System.nanoTime() < deadline) { // until a trimmer round after the last write (rounds also run during them)
      Thread.sleep(100);
      r = resume("oprc/cs/0/events/**?since=5");
    }
    assertThat(r.get(0).ok()).isFalse();
    assertThat(new String(r.get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("{\"gap\":{\"oldest_seq\":201}}");
    assertThat(r).hasSize(101);
    assertThat(new String(r.get(1).payload(), StandardCharsets.UTF_8)).endsWith("\"seq\":201}");
  }

  @Test
  void aFailedWritePublishesNothing() throws Exception {
    node = NodeProcess.start(nodeEnv());
    client = ZenohTransport.open(Map.of("OPRC_ZENOH_MODE", "client", "OPRC_ZENOH_PEERS", router.endpoint()));
    List<String> live = new java.util.concurrent.CopyOnWriteArrayList<>();
    AutoCloseable sub = client.subscribe("oprc/cs/0/events/**", (k, p) -> live.add(new String(p, StandardCharsets.UTF_8)));
    try {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> node.data().batchSetValues(
          dev.oprc.odgm.proto.BatchSetValuesRequest.newBuilder().setClsId("cs").setPartitionId(0).setObjectId("f")
              .putValues("k", ValData.newBuilder().setData(ByteString.copyFromUtf8("x")).build())
              .setExpectedObjectVersion(7).build()))
          .isInstanceOf(io.grpc.StatusRuntimeException.class).hasMessageContaining("ABORTED");
      set(node.data(), 1); // the marker: o1
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (live.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(live).singleElement().satisfies(e -> assertThat(e).startsWith("{\"object_id\":\"o1\"")
          .endsWith("\"seq\":1}"));
      assertThat(resume("oprc/cs/0/events/**?since=0")).hasSize(1);
    } finally {
      sub.close();
    }
  }
}
