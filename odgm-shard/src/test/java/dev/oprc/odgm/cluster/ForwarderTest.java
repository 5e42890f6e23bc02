package dev.oprc.odgm.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.proto.CreateCollectionRequest;
import dev.oprc.odgm.proto.InvocationRequest;
import dev.oprc.odgm.proto.SingleObjectRequest;
import dev.oprc.odgm.proto.StatsRequest;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Routing decisions on the request's cls_id and partition_id. */
class ForwarderTest {
  private static final String TWO = "1=127.0.0.1:7101:8081,2=127.0.0.1:7102:8082";

  private static PartitionOwnership ownership(String type) {
    CreateCollectionRequest c = CreateCollectionRequest.newBuilder().setName("orders").setShardType(type)
        .setPartitionCount(16).setReplicaCount(2).build();
    return PartitionOwnership.of(List.of(c), Membership.parse(TWO, 1, null));
  }

  private static int partitionOwnedBy(PartitionOwnership o, long node) {
    for (int p = 0; p < 16; p++) {
      if (o.replicas("orders", p).get(0) == node) {
        return p;
      }
    }
    throw new AssertionError("no partition of node " + node);
  }

  private static SingleObjectRequest get(int p) {
    return SingleObjectRequest.newBuilder().setClsId("orders").setPartitionId(p).setObjectId("o").build();
  }

  @Test
  void anOwnedPartitionIsServedLocally() {
    PartitionOwnership o = ownership("basic");
    try (Forwarder f = new Forwarder(o)) {
      assertThat(f.route(get(partitionOwnedBy(o, 1)), new Metadata())).isInstanceOf(Forwarder.Local.class);
    }
  }

  @Test
  void anotherNodesPartitionGoesToItsOwner() {
    PartitionOwnership o = ownership("basic");
    try (Forwarder f = new Forwarder(o)) {
      assertThat(f.route(get(partitionOwnedBy(o, 2)), new Metadata())).isEqualTo(new Forwarder.Remote(2));
      // InvokeFn carries the same fields under other tag numbers
      assertThat(f.route(InvocationRequest.newBuilder().setClsId("orders").setPartitionId(partitionOwnedBy(o, 2))
          .build(), new Metadata())).isEqualTo(new Forwarder.Remote(2));
    }
  }

  @Test
  void requestsWithoutAPartitionAndUnknownCollectionsAreLocal() {
    try (Forwarder f = new Forwarder(ownership("basic"))) {
      assertThat(f.route(StatsRequest.getDefaultInstance(), new Metadata())).isInstanceOf(Forwarder.Local.class);
      assertThat(f.route(SingleObjectRequest.newBuilder().setClsId("other").build(), new Metadata()))
          .isInstanceOf(Forwarder.Local.class);
      assertThat(f.route(get(99), new Metadata())).isInstanceOf(Forwarder.Local.class); // NOT_FOUND from the service
    }
  }

  @Test
  void aRaftPartitionWithoutALeaderIsUnavailableNamingIt() {
    try (Forwarder f = new Forwarder(ownership("raft"))) {
      Forwarder.Route r = f.route(get(3), new Metadata());
      assertThat(r).isInstanceOfSatisfying(Forwarder.Refused.class, ref -> {
        assertThat(ref.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(ref.status().getDescription()).contains("partition 3 of collection 'orders'", "election", "retry");
      });
    }
  }

  @Test
  void aRaftPartitionGoesToTheKnownLeader() {
    PartitionOwnership o = ownership("raft");
    o.leadershipChanged(List.of(1L, 2L), false, OptionalLong.of(2));
    try (Forwarder f = new Forwarder(o)) {
      assertThat(f.route(get(3), new Metadata())).isEqualTo(new Forwarder.Remote(2));
      o.leadershipChanged(List.of(1L, 2L), true, OptionalLong.of(1));
      assertThat(f.route(get(3), new Metadata())).isInstanceOf(Forwarder.Local.class);
    }
  }

  @Test
  void aForwardedCallForAPartitionNotOwnedHereIsRefused() {
    PartitionOwnership o = ownership("basic");
    Metadata md = new Metadata();
    md.put(Forwarder.FORWARDED_KEY, "2");
    try (Forwarder f = new Forwarder(o)) {
      assertThat(f.route(get(partitionOwnedBy(o, 2)), md)).isInstanceOf(Forwarder.Refused.class);
      assertThat(f.route(get(partitionOwnedBy(o, 1)), md)).isInstanceOf(Forwarder.Local.class);
    }
  }
}
