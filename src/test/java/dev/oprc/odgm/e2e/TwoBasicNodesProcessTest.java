package dev.oprc.odgm.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.SetObjectRequest;
import dev.oprc.odgm.proto.SingleObjectRequest;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.zenoh.testing.ReceivedSample;
import dev.oprc.zenoh.testing.ZenohRouterProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code basic} node processes serving one collection on one router (issue 11: today each
 * keeps its own copy and runs every trigger): partition 0 is assigned to node 1, partition 1 to
 * node 2. Writes go to both nodes; each trigger targets the builtin {@code log} function of one
 * partition, which logs its invocation id. Each trigger must be published once and run once, on
 * the owner of its target partition, and every object must be readable through either node.
 */
class TwoBasicNodesProcessTest {
  private static final String COLLECTION = "tb";
  private static final Pattern INVOKED = Pattern.compile("invoked tb/(\\d+)/log .*?id=(\\S+)");
  private static final int WRITES = 200;

  @TempDir
  Path dir;
  private ZenohRouterProcess router;
  private LocalCluster cluster;

  @BeforeEach
  void start() throws Exception {
    router = ZenohRouterProcess.start(2_000, "oprc/" + COLLECTION + "/*/async/log/*");
    String collection = "[{\"name\":\"" + COLLECTION + "\",\"partitionCount\":2,\"shardType\":\"basic\","
        + "\"shardAssignments\":[{\"primary\":1},{\"primary\":2}],"
        + "\"invocations\":{\"fnRoutes\":{\"log\":{\"url\":\"local:log\"}}}}]";
    cluster = LocalCluster.start(2, dir, router, collection, Map.of());
    cluster.awaitLeader(COLLECTION, 0, cluster.ids(), Duration.ofSeconds(30));
    cluster.awaitLeader(COLLECTION, 1, cluster.ids(), Duration.ofSeconds(30));
  }

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    router.close();
  }

  /** Object {@code id} in partition {@code p}, its on_create trigger running {@code log} on partition {@code target}. */
  private void write(long via, String id, int p, int target) {
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("k", DataTrigger.newBuilder()
        .addOnCreate(TriggerTarget.newBuilder().setClsId(COLLECTION).setPartitionId(target).setFnId("log")).build())
        .build();
    cluster.data(via).set(SetObjectRequest.newBuilder().setClsId(COLLECTION).setPartitionId(p).setObjectId(id)
        .setObject(ObjData.newBuilder().setEvent(ev)
            .putEntries("k", ValData.newBuilder().setData(ByteString.copyFromUtf8(id)).build())).build());
  }

  /** Per node, the invocation ids its log shows it ran, each with the partition of every run. */
  private Map<Long, Map<String, List<Integer>>> runs() {
    Map<Long, Map<String, List<Integer>>> out = new HashMap<>();
    for (long n : cluster.ids()) {
      Map<String, List<Integer>> ids = new HashMap<>();
      Matcher m = INVOKED.matcher(cluster.node(n).output());
      while (m.find()) {
        ids.computeIfAbsent(m.group(2), k -> new ArrayList<>()).add(Integer.parseInt(m.group(1)));
      }
      out.put(n, ids);
    }
    return out;
  }

  @Test
  void eachTriggerIsPublishedOnceAndRunsOnceOnTheOwnerOfItsTargetPartition() throws Exception {
    for (int i = 0; i < WRITES; i++) {
      write(1 + i % 2, "o" + i, (i / 2) % 2, i % 2 == 0 ? (i / 4) % 2 : 1 - (i / 4) % 2);
    }
    awaitRuns(WRITES, Duration.ofSeconds(60));
    // later markers, one per partition, each run by that partition's owner: anything received before them ran before
    write(2, "marker-0", 0, 0);
    write(1, "marker-1", 1, 1);
    awaitRuns(WRITES + 2, Duration.ofSeconds(30));
    Map<Long, Map<String, List<Integer>>> runs = runs();
    int total = 0;
    for (Map.Entry<Long, Map<String, List<Integer>>> node : runs.entrySet()) {
      int owned = (int) (node.getKey() - 1); // node 1 owns partition 0, node 2 partition 1
      for (Map.Entry<String, List<Integer>> r : node.getValue().entrySet()) {
        assertThat(r.getValue()).as("partitions of the runs of %s on node %d", r.getKey(), node.getKey())
            .containsExactly(owned);
      }
      total += node.getValue().size();
    }
    assertThat(total).as("invocations run across both nodes").isEqualTo(WRITES + 2);
    List<ReceivedSample> puts = router.samples();
    assertThat(puts).as("trigger PUTs seen by the router").hasSize(WRITES + 2);
    assertThat(puts.stream().map(ReceivedSample::key).distinct().count()).isEqualTo(WRITES + 2);
    for (int i = 0; i < WRITES; i++) {
      for (long via : cluster.ids()) {
        assertThat(cluster.data(via).get(SingleObjectRequest.newBuilder().setClsId(COLLECTION)
            .setPartitionId((i / 2) % 2).setObjectId("o" + i).build()).getObj().getEntriesMap()).containsKey("k");
      }
    }
  }

  private void awaitRuns(int n, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (runs().values().stream().mapToInt(Map::size).sum() < n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + runs().values().stream().mapToInt(Map::size).sum() + " of " + n
            + " invocations ran within " + within + cluster.logs());
      }
      Thread.sleep(200);
    }
  }
}
