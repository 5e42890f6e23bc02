package dev.oprc.odgm.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.ChangeConfig;
import dev.oprc.odgm.events.ChangePublisher;
import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.storage.InMemoryShardStorage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each committed write of a shard publishes exactly one change event, with the partition's next seq. */
class ChangeStreamShardTest {
  private final List<String> keys = new CopyOnWriteArrayList<>();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private ChangePublisher publisher;
  private ObjectShard shard;

  private ObjectShard shard(ChangeConfig config) {
    publisher = new ChangePublisher(config, (k, p) -> {
      keys.add(k);
      events.add(new String(p, StandardCharsets.UTF_8));
    }).start();
    shard = new ObjectShard("orders", 1, 7, new InMemoryShardStorage(1 << 20), new Ids(160),
        EventConfig.defaults().withEnabled(false), null, () -> 1741200000000L, false, publisher);
    return shard;
  }

  @AfterEach
  void close() {
    if (shard != null) {
      shard.close();
    }
    if (publisher != null) {
      publisher.close();
    }
  }

  private static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  private void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void aWriteOfSeveralKeysIsOneEventOnTheObjectsKeyWithUpstreamsFieldsAndTheNextSeq() throws Exception {
    ObjectShard s = shard(ChangeConfig.on());
    s.setValue("o1", "a", val("1"), WriteContext.CLIENT);
    s.set("o1", ObjData.newBuilder().putEntries("a", val("2")).putEntries("b", val("3")).build(), WriteContext.CLIENT);
    await("two events", () -> publisher.published() == 2);
    assertThat(keys).containsExactly("oprc/orders/1/events/o1", "oprc/orders/1/events/o1");
    assertThat(events.get(1)).isEqualTo("{\"object_id\":\"o1\",\"cls_id\":\"orders\",\"partition_id\":1,"
        + "\"source\":\"local\",\"changes\":[{\"key\":\"a\",\"action\":\"update\"},{\"key\":\"b\",\"action\":\"create\"}],"
        + "\"version\":2,\"timestamp\":1741200000000,\"seq\":2}");
  }

  @Test
  void aFailedWritePublishesNothingAndTakesNoSeq() throws Exception {
    ObjectShard s = shard(ChangeConfig.on());
    assertThatThrownBy(() -> s.batchSetValues("o1", Map.of("a", val("1")), List.of(), 5L, WriteContext.CLIENT))
        .isInstanceOf(VersionMismatchException.class);
    s.setValue("o1", "a", val("1"), WriteContext.CLIENT);
    await("the marker write's event", () -> publisher.published() == 1);
    assertThat(publisher.offered()).isEqualTo(1);
    assertThat(events.get(0)).endsWith("\"seq\":1}");
  }

  @Test
  void deletingAnObjectIsOneEventListingEveryEntryItHad() throws Exception {
    ObjectShard s = shard(ChangeConfig.on());
    s.set("o1", ObjData.newBuilder().putEntries("a", val("1")).putEntries("b", val("2")).build(), WriteContext.CLIENT);
    s.delete("o1", WriteContext.CLIENT);
    await("two events", () -> publisher.published() == 2);
    assertThat(events.get(1)).contains("\"changes\":[{\"key\":\"a\",\"action\":\"delete\"},{\"key\":\"b\","
        + "\"action\":\"delete\"}],\"version\":2").endsWith("\"seq\":2}");
  }

  @Test
  void deletingAnObjectWithNoEntriesIsNoEventAndTakesNoSeqAsUpstream() throws Exception {
    ObjectShard s = shard(ChangeConfig.on());
    s.setValue("o1", "a", val("1"), WriteContext.CLIENT);
    s.deleteValue("o1", "a", WriteContext.CLIENT); // o1 is left with no entries
    assertThat(s.delete("o1", WriteContext.CLIENT)).isTrue();
    s.setValue("marker", "k", val("1"), WriteContext.CLIENT);
    await("the marker write's event", () -> publisher.published() == 3);
    assertThat(publisher.offered()).isEqualTo(3);
    assertThat(keys).containsExactly("oprc/orders/1/events/o1", "oprc/orders/1/events/o1",
        "oprc/orders/1/events/marker");
    assertThat(events.get(2)).endsWith("\"seq\":3}");
  }

  @Test
  void aSetThatOnlyReplacesTheTriggersIsNoEvent() throws Exception {
    ObjectShard s = shard(ChangeConfig.on());
    s.setValue("o1", "a", val("1"), WriteContext.CLIENT);
    ObjectEvent triggers = ObjectEvent.newBuilder().putDataTrigger("a", DataTrigger.newBuilder()
        .addOnUpdate(TriggerTarget.newBuilder().setClsId("orders").setFnId("f")).build()).build();
    assertThat(s.set("o1", ObjData.newBuilder().setEvent(triggers).build(), WriteContext.CLIENT)).isEqualTo(2);
    s.setValue("marker", "k", val("1"), WriteContext.CLIENT);
    await("the marker write's event", () -> publisher.published() == 2);
    assertThat(publisher.offered()).isEqualTo(2);
    assertThat(keys).containsExactly("oprc/orders/1/events/o1", "oprc/orders/1/events/marker");
    assertThat(events.get(1)).endsWith("\"seq\":2}");
  }

  @Test
  void valuesAreCarriedOnlyWhenAskedAndCutsAreCounted() throws Exception {
    ObjectShard s = shard(ChangeConfig.on().withValues(2));
    s.setValue("o1", "a", val("hello"), WriteContext.CLIENT);
    await("one event", () -> publisher.published() == 1);
    assertThat(events.get(0)).contains("\"value\":\"aGU=\",\"value_truncated\":true,\"value_size\":5");
    assertThat(publisher.valuesTruncated()).isEqualTo(1);
  }

  @Test
  void aFullQueueDropsLiveEventsAndCountsThem() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    publisher = new ChangePublisher(ChangeConfig.on().withQueueBound(1), (k, p) -> release.await()).start();
    shard = new ObjectShard("orders", 1, 7, new InMemoryShardStorage(1 << 20), new Ids(160),
        EventConfig.defaults().withEnabled(false), null, () -> 0L, false, publisher);
    for (int i = 0; i < 5; i++) {
      shard.setValue("o1", "a", val("v" + i), WriteContext.CLIENT); // never waits for the blocked link
    }
    release.countDown();
    await("every offered event accounted for", () -> publisher.published() + publisher.dropped() == 5);
    assertThat(publisher.dropped()).isGreaterThanOrEqualTo(3);
  }
}
