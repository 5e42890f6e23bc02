package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.changes.ChangeStream;
import dev.oprc.odgm.node.NodeTransport;
import dev.oprc.odgm.node.ZenohTransport;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A raft partition's change stream across a leader kill, with real node processes and a real
 * router: the seqs are numbered by the replicated apply, so the new leader continues the same
 * numbering and a {@link ChangeStream} sees every event once, in order.
 */
class RaftChangeStreamProcessTest {
  private static final String COLLECTION = "rcs";

  @TempDir
  Path dir;
  private ZenohRouterProcess router;
  private LocalCluster cluster;
  private ZenohTransport client;
  private ChangeStream stream;

  @BeforeEach
  void startRouter() {
    router = ZenohRouterProcess.start(2_000);
  }

  @AfterEach
  void stopAll() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {stream, client, cluster}) {
      if (c != null) {
        c.close();
      }
    }
    router.close();
  }

  /** Every retained seq of partition 0, read page by page from its current leader. */
  private List<Long> retainedSeqs() throws Exception {
    List<Long> seqs = new ArrayList<>();
    long since = 0;
    while (true) {
      List<NodeTransport.QueryReply> page = client.get("oprc/" + COLLECTION + "/0/events/**?since=" + since
          + ";limit=5000", null, Duration.ofSeconds(30)).get(60, TimeUnit.SECONDS);
      for (NodeTransport.QueryReply r : page) {
        assertThat(r.ok()).as("reply %s", new String(r.payload(), StandardCharsets.UTF_8)).isTrue();
        String json = new String(r.payload(), StandardCharsets.UTF_8);
        since = Long.parseLong(json.substring(json.lastIndexOf("\"seq\":") + 6, json.length() - 1));
        seqs.add(since);
      }
      if (page.size() < 5_000) {
        return seqs;
      }
    }
  }

  @Test
  void theStreamContinuesFromTheNewLeaderWithTheSameSeqNumbering() throws Exception {
    cluster = LocalCluster.start(3, dir, router, RaftClusterProcessTest.raftCollection(COLLECTION, 1),
        Map.of("ODGM_ZENOH_EVENT_PUBLISH", "true"));
    long leader = cluster.awaitLeader(COLLECTION, 0, cluster.ids(), Duration.ofSeconds(60));
    client = ZenohTransport.open(Map.of("OPRC_ZENOH_MODE", "client", "OPRC_ZENOH_PEERS", router.endpoint()));
    List<Long> seen = new CopyOnWriteArrayList<>();
    stream = ChangeStream.builder(client.session(), COLLECTION, 0).listener(c -> seen.add(c.seq())).start();
    AckedWrites writes = new AckedWrites(cluster, COLLECTION, 1);
    ExecutorService runner = Executors.newSingleThreadExecutor(r -> new Thread(r, "acked-writes"));
    Future<?> running = runner.submit(() -> {
      writes.run(4, 0, 1_000_000, 200, cluster::alive);
      return null;
    });
    try {
      assertThat(writes.awaitAckAfter(System.nanoTime(), 0, Duration.ofSeconds(60))).isTrue();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (seen.size() < 200 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(seen).as("events from the first leader").hasSizeGreaterThanOrEqualTo(200);
      cluster.kill9(leader);
      long killed = System.nanoTime();
      assertThat(writes.awaitAckAfter(killed, 0, Duration.ofSeconds(60))).as("writes on the new leader" + cluster.logs())
          .isTrue();
      int before = writes.ackedCount();
      while (writes.ackedCount() < before + 200) {
        Thread.sleep(20);
      }
    } finally {
      writes.stop();
      running.get(120, TimeUnit.SECONDS);
      runner.shutdownNow();
    }
    assertThat(cluster.awaitLeader(COLLECTION, 0, cluster.alive(), Duration.ofSeconds(60))).isNotEqualTo(leader);
    List<Long> retained = retainedSeqs();
    List<Long> expected = new ArrayList<>();
    for (long s = 1; s <= retained.size(); s++) {
      expected.add(s);
    }
    assertThat(retained).as("the new leader's log: one numbering, gap-free").isEqualTo(expected);
    assertThat(retained.size()).as("an event per acknowledged write at least").isGreaterThanOrEqualTo(writes.ackedCount());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (stream.token() < retained.size() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(seen).as("what the stream handed over across the leader change").isEqualTo(expected);
  }
}
