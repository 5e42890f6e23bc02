package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.DataServiceGrpc;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.EmptyResponse;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.SetKeyRequest;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.SingleKeyRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.proto.ValueResponse;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 3-node raft cluster of real processes with one member frozen (SIGSTOP) and resumed: what was
 * sent to it while it was frozen must not take effect after its callers gave up, and a leader
 * frozen past its lease must not run async invocations the new leader runs.
 */
class RaftPauseProcessTest {
  private static final String COLLECTION = "fo";
  /** A basic collection with one partition per node (partition n - 1 on node n): markers per node. */
  private static final String MARKERS = "mk";
  private static final Pattern INVOKED = Pattern.compile("invoked (\\w+)/(\\d+)/log .*?id=(\\S+)");
  private static final Metadata.Key<String> ABSOLUTE_DEADLINE =
      Metadata.Key.of("odgm-deadline-ms", Metadata.ASCII_STRING_MARSHALLER);

  private static final long ZENOH_LEASE_MS = 30_000;

  @TempDir
  Path dir;
  private ZenohRouterProcess router;
  private LocalCluster cluster;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    // Zenoh sessions outlive a 10 s freeze (as with Zenoh's default lease): the router keeps a frozen
    // node's subscriptions and queues their samples in its socket, which the node reads when it resumes
    router = ZenohRouterProcess.start(ZENOH_LEASE_MS, "oprc/none/*");
    String log = "\"invocations\":{\"fnRoutes\":{\"log\":{\"url\":\"local:log\"}}}";
    String collections = "[{\"name\":\"" + COLLECTION + "\",\"partitionCount\":1,\"replicaCount\":3,"
        + "\"shardType\":\"raft\"," + log + "},"
        + "{\"name\":\"" + MARKERS + "\",\"partitionCount\":3,\"shardType\":\"basic\","
        + "\"shardAssignments\":[{\"primary\":1},{\"primary\":2},{\"primary\":3}]," + log + "}]";
    // one invocation thread: a node runs its async invocations in the order they arrived
    // leader spread off: no rebalance moves a partition's leader while a test freezes the one it found
    cluster = LocalCluster.start(3, dir, router, collections, Map.of("ODGM_INVOKE_THREADS", "1",
        "OPRC_ZENOH_LEASE_MS", Long.toString(ZENOH_LEASE_MS), "ODGM_RAFT_LEADER_SPREAD", "false"));
  }

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (cluster != null) {
      cluster.close();
    }
    router.close();
  }

  private DataServiceGrpc.DataServiceFutureStub futureStub(long node) {
    ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", cluster.member(node).grpcPort()).usePlaintext()
        .build();
    channels.add(ch);
    return DataServiceGrpc.newFutureStub(ch);
  }

  private static SetKeyRequest setValue(String objectId, String value) {
    return SetKeyRequest.newBuilder().setClsId(COLLECTION).setPartitionId(0).setObjectId(objectId).setKey("k")
        .setValue(ValData.newBuilder().setData(ByteString.copyFromUtf8(value))).build();
  }

  private ValueResponse read(long via, String objectId) {
    return cluster.data(via).withDeadlineAfter(60, TimeUnit.SECONDS).getValue(SingleKeyRequest.newBuilder().setClsId(COLLECTION).setPartitionId(0)
        .setObjectId(objectId).setKey("k").build());
  }

  /**
   * The paused-follower case: writes sent to a frozen follower time out; newer values are
   * then written and acknowledged through the other nodes; when the follower resumes, the earlier
   * writes it finally reads must not overwrite them. The client sends its deadline as an absolute
   * time too ({@code odgm-deadline-ms}): a gRPC deadline alone restarts when the frozen node reads
   * the request.
   */
  @Test
  void writesThatTimedOutOnAFrozenFollowerNeverOverwriteLaterAcknowledgedValues() throws Exception {
    long leader = cluster.awaitLeader(COLLECTION, 0, cluster.ids(), Duration.ofSeconds(60));
    List<Long> others = new ArrayList<>(cluster.ids());
    others.remove(leader);
    long frozen = others.get(0);
    long third = others.get(1);
    int objects = 8;
    for (int i = 0; i < objects; i++) {
      setValueUntilTaken(third, setValue("x" + i, "v1"));
    }
    DataServiceGrpc.DataServiceFutureStub toFrozen = futureStub(frozen);
    toFrozen.withDeadlineAfter(5, TimeUnit.SECONDS).capabilities(
        dev.oprc.odgm.proto.CapabilitiesRequest.getDefaultInstance()).get(); // the channel is connected
    cluster.node(frozen).pause();
    List<ListenableFuture<EmptyResponse>> late = new ArrayList<>();
    for (int i = 0; i < objects; i++) {
      Metadata h = new Metadata();
      h.put(ABSOLUTE_DEADLINE, Long.toString(System.currentTimeMillis() + 1_000));
      late.add(toFrozen.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h))
          .withDeadlineAfter(1, TimeUnit.SECONDS).setValue(setValue("x" + i, "stale")));
    }
    for (ListenableFuture<EmptyResponse> f : late) {
      try {
        f.get(60, TimeUnit.SECONDS);
        throw new AssertionError("a write to a frozen node was acknowledged");
      } catch (ExecutionException e) {
        assertThat(Status.fromThrowable(e.getCause()).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      }
    }
    for (int i = 0; i < objects; i++) {
      cluster.data(third).withDeadlineAfter(60, TimeUnit.SECONDS).setValue(setValue("x" + i, "v3")); // acknowledged: version 2
    }
    cluster.node(frozen).resume();
    // later writes through the resumed node, ordered after what it had buffered on the same connection,
    // conditional on the acknowledged version: one fails if a stale write slipped in before it
    for (int i = 0; i < objects; i++) {
      toFrozen.withDeadlineAfter(30, TimeUnit.SECONDS).batchSetValues(dev.oprc.odgm.proto.BatchSetValuesRequest
          .newBuilder().setClsId(COLLECTION).setPartitionId(0).setObjectId("x" + i).setExpectedObjectVersion(2)
          .putValues("k", ValData.newBuilder().setData(ByteString.copyFromUtf8("v4")).build()).build())
          .get(60, TimeUnit.SECONDS);
    }
    for (long via : List.of(leader, third, frozen)) {
      for (int i = 0; i < objects; i++) {
        ValueResponse r = read(via, "x" + i);
        assertThat(r.getValue().getData().toStringUtf8()).as("x%d read through node %d", i, via).isEqualTo("v4");
        assertThat(r.getObjectVersion()).as("version of x%d: no stale write was applied", i).isEqualTo(3);
      }
    }
  }

  /**
   * Writes, again after each UNAVAILABLE (the node answers it only for a write it did not propose,
   * e.g. while the partition's ownership moves), so the write is applied exactly once.
   */
  private void setValueUntilTaken(long via, dev.oprc.odgm.proto.SetKeyRequest req) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        cluster.data(via).withDeadlineAfter(60, TimeUnit.SECONDS).setValue(req);
        return;
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  /** Object {@code id} in the raft collection, its on_create trigger running {@code log} on {@code cls/p}. */
  private void write(long via, String id, String cls, int p) {
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("k", DataTrigger.newBuilder()
        .addOnCreate(TriggerTarget.newBuilder().setClsId(cls).setPartitionId(p).setFnId("log")).build()).build();
    cluster.data(via).withDeadlineAfter(2, TimeUnit.SECONDS).set(SetObjectRequest.newBuilder().setClsId(COLLECTION)
        .setPartitionId(0).setObjectId(id).setObject(ObjData.newBuilder().setEvent(ev)
            .putEntries("k", ValData.newBuilder().setData(ByteString.copyFromUtf8(id)).build())).build());
  }

  /**
   * {@link #write} again until acknowledged, for up to 60 s: on a busy machine a 2 s call may time
   * out (the same object and value written again is harmless here).
   */
  private void writeUntilAcknowledged(long via, String id, String cls, int p) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        write(via, id, cls, p);
        return;
      } catch (StatusRuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  /** The ids of {@code cls} invocations the node's log shows it ran, from character {@code from} of the log. */
  private Set<String> runs(long node, String cls, int from) {
    return runs(node, cls, from, Long.MIN_VALUE);
  }

  /**
   * {@link #runs(long, String, int)}, counting only lines the node logged at or after {@code sinceMillis}
   * (its log's wall-clock time; same host). A frozen node's lines from before its pause can reach
   * the test's reader after the pause began, so the position in the output does not say when a
   * line was written; its time does.
   */
  private Set<String> runs(long node, String cls, int from, long sinceMillis) {
    Set<String> ids = new HashSet<>();
    String out = cluster.node(node).output();
    out.substring(Math.min(from, out.length())).lines().forEach(line -> {
      Matcher m = INVOKED.matcher(line);
      if (m.find() && m.group(1).equals(cls) && loggedAt(line) >= sinceMillis) {
        ids.add(m.group(3));
      }
    });
    return ids;
  }

  /** The time at the start of a node's text log line ({@code 2026-12-07T15:17:48.123+00:00 INFO ...}). */
  private static long loggedAt(String line) {
    int space = line.indexOf(' ');
    return java.time.OffsetDateTime.parse(line.substring(0, space)).toInstant().toEpochMilli();
  }

  /**
   * Writes whose triggers run {@code log} on the raft partition keep coming while its leader is
   * frozen for 10 s and a new leader takes over. When the old leader resumes it still has the
   * partition's keys subscribed and PUTs buffered; none may run there that the new leader runs.
   */
  @Test
  void aLeaderFrozenPastItsLeaseRunsNoAsyncInvocationTheNewLeaderRuns() throws Exception {
    long leader = cluster.awaitLeader(COLLECTION, 0, cluster.ids(), Duration.ofSeconds(60));
    for (int p = 0; p < 3; p++) {
      cluster.awaitLeader(MARKERS, p, cluster.ids(), Duration.ofSeconds(60));
    }
    List<Long> others = new ArrayList<>(cluster.ids());
    others.remove(leader);
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger acked = new AtomicInteger();
    Thread writer = new Thread(() -> {
      int i = 0;
      while (writing.get()) {
        try {
          write(others.get(i % 2), "o" + i, COLLECTION, 0);
          acked.incrementAndGet();
        } catch (StatusRuntimeException e) {
          // the leader is frozen or being replaced: the next write tries again
        }
        i++;
      }
    }, "triggering-writer");
    writer.start();
    try {
      awaitCondition("invocations run on the leader", () -> runs(leader, COLLECTION, 0).size() >= 50);
      int pausedAt = cluster.node(leader).output().length();
      long frozenAt = System.nanoTime();
      cluster.node(leader).pause();
      long next = cluster.awaitLeader(COLLECTION, 0, others, Duration.ofSeconds(60));
      awaitCondition("invocations run on the new leader", () -> runs(next, COLLECTION, 0).size() >= 50);
      long left = TimeUnit.SECONDS.toNanos(10) - (System.nanoTime() - frozenAt);
      if (left > 0) {
        TimeUnit.NANOSECONDS.sleep(left); // the scenario: frozen 10 s
      }
      long resumedAt = System.currentTimeMillis(); // nothing the frozen node logs can be later than this before resume
      cluster.node(leader).resume();
      int ackedAtResume = acked.get();
      awaitCondition("writes acknowledged after the resume", () -> acked.get() >= ackedAtResume + 50);
      writing.set(false);
      writer.join();
      // a marker run by the old leader itself, after anything it had buffered (one invocation thread)
      writeUntilAcknowledged(next, "marker", MARKERS, (int) leader - 1);
      awaitCondition("the old leader ran its marker", () -> !runs(leader, MARKERS, pausedAt).isEmpty());
      Set<String> both = runs(leader, COLLECTION, pausedAt, resumedAt);
      both.retainAll(runs(next, COLLECTION, 0));
      System.out.printf("frozen leader %d, new leader %d: %d writes acknowledged, old leader ran %d after its"
          + " resume (%d logged after the pause began, incl. lines read late)%n", leader, next, acked.get(),
          runs(leader, COLLECTION, pausedAt, resumedAt).size(), runs(leader, COLLECTION, pausedAt).size());
      System.out.printf("the old leader refused to run invocations after its pause: %s%n",
          cluster.node(leader).output().substring(pausedAt).contains("no longer holds the leader lease of "
              + COLLECTION + "/0"));
      assertThat(both).as("invocations run on both the old leader (after its pause) and the new one").isEmpty();
    } finally {
      writing.set(false);
      writer.join();
    }
  }

  /**
   * A leader stopped with SIGTERM steps down and closes cleanly: its own code logs no warning or
   * error (the issue saw an UnsupportedOperationException per partition, unsubscribing keys the
   * closed receiver had already dropped), and the others elect a new leader.
   */
  @Test
  void aGracefulStopOfTheLeaderLogsNoWarningOfItsOwn() throws Exception {
    long leader = cluster.awaitLeader(COLLECTION, 0, cluster.ids(), Duration.ofSeconds(60));
    List<Long> others = new ArrayList<>(cluster.ids());
    others.remove(leader);
    for (int i = 0; i < 20; i++) {
      writeUntilAcknowledged(others.get(i % 2), "o" + i, MARKERS, 0);
    }
    int before = cluster.node(leader).output().length();
    cluster.node(leader).close(); // SIGTERM, waits for the exit
    String stop = cluster.node(leader).output().substring(before);
    assertThat(stop).doesNotContain("UnsupportedOperationException");
    assertThat(stop.lines().filter(l -> l.matches(".*\\b(WARN|ERROR) dev\\.oprc\\..*")).toList())
        .as("warnings and errors the node's own code logged while stopping").isEmpty();
    assertThat(cluster.awaitLeader(COLLECTION, 0, others, Duration.ofSeconds(60))).isNotEqualTo(leader);
  }

  private void awaitCondition(String what, java.util.function.BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + cluster.logs());
      }
      Thread.sleep(100);
    }
  }
}
