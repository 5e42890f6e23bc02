package dev.oprc.odgm.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.DeliveryLink;
import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.events.OutboxConfig;
import dev.oprc.odgm.events.OutboxDispatcher;
import dev.oprc.odgm.events.PayloadFormat;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ValData;
import dev.oprc.odgm.storage.RocksStorageEngine;
import dev.oprc.odgm.storage.ShardStorage;
import dev.oprc.odgm.storage.StorageFullException;
import dev.oprc.odgm.storage.SyncMode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a RocksDB shard keeps across a close and reopen of its data dir, and how it fails on a full disk. */
class RocksShardLifecycleTest {
  @TempDir
  Path dir;
  private RocksStorageEngine engine;
  private ObjectShard shard;

  private ObjectShard open(Path where, DeliveryLink link) {
    engine = RocksStorageEngine.open(where, SyncMode.NONE);
    Ids ids = new Ids(160);
    ShardStorage st = engine.shard("orders", 1, ev -> TriggerIndex.compile(ev, ids::entryKey), 100, 64L << 20);
    EventConfig ev = EventConfig.defaults().withPayloadFormat(PayloadFormat.PROTOBUF);
    OutboxDispatcher d = OutboxDispatcher.builder().events(ev).config(OutboxConfig.defaults()).store(st.outbox())
        .link(link).gate(st.durability()).name("test-outbox").start();
    shard = new ObjectShard("orders", 1, 7, st, ids, ev, d, System::currentTimeMillis);
    return shard;
  }

  private void reopen(DeliveryLink link) {
    shard.close(1_000);
    engine.close();
    open(dir, link);
  }

  @AfterEach
  void close() {
    if (shard != null) {
      shard.close(1_000);
    }
    if (engine != null) {
      engine.close();
    }
  }

  static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  @Test
  void objectsEntriesTriggersCountAndVersionFloorsSurviveAReopen() throws Exception {
    RecordingPublisher pub = new RecordingPublisher();
    ObjectShard s = open(dir, pub);
    s.set("o1", ObjectShardTest.obj(ObjectShardTest.allDataTriggers("k"), Map.of("k", "1", "x", "y")),
        WriteContext.CLIENT);
    s.setValue("gone", "k", val("1"), WriteContext.CLIENT);
    s.setValue("gone", "k", val("2"), WriteContext.CLIENT);
    s.delete("gone", WriteContext.CLIENT);
    reopen(pub);
    ObjData o = shard.get("o1");
    assertThat(o.getEntriesMap()).containsOnlyKeys("k", "x");
    assertThat(o.getEvent()).isEqualTo(ObjectShardTest.allDataTriggers("k"));
    assertThat(shard.count()).isEqualTo(1);
    assertThat(shard.setValue("gone", "k", val("3"), WriteContext.CLIENT)).isGreaterThan(3);
    pub.published.clear();
    shard.setValue("o1", "k", val("2"), WriteContext.CLIENT); // the rebuilt trigger index still fires
    assertThat(pub.await(1)).extracting(RecordingPublisher.Published::fn).containsExactly("u");
  }

  @Test
  void recordsPendingAtCloseAreDeliveredAfterTheReopenWithTheirIds() throws Exception {
    ObjectShard s = open(dir, new RecordingPublisher.Down());
    s.set("o1", ObjectShardTest.obj(ObjectShardTest.allDataTriggers("k"), Map.of("k", "1")), WriteContext.CLIENT);
    s.setValue("o1", "k", val("2"), WriteContext.CLIENT);
    assertThat(s.eventStats().pending()).isEqualTo(2);
    RecordingPublisher pub = new RecordingPublisher();
    reopen(pub);
    var got = pub.await(2);
    assertThat(got).extracting(RecordingPublisher.Published::fn).containsExactly("c", "u");
    assertThat(shard.eventStats().recovered()).isEqualTo(2);
    long deadline = System.currentTimeMillis() + 5_000;
    while (shard.eventStats().pending() > 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
    }
    assertThat(shard.eventStats().retired()).isEqualTo(2);
    assertThat(shard.eventStats().balanced()).isTrue();
  }

  @Test
  void aFullDiskFailsTheWriteWithAClearErrorLeavesNothingHalfWrittenAndReadsKeepWorking() throws Exception {
    try (TmpfsMount small = TmpfsMount.of(dir.resolve("small"), "6m")) {
      ObjectShard s = open(small.path(), new RecordingPublisher());
      ValData big = ValData.newBuilder().setData(ByteString.copyFrom(new byte[256 * 1024])).build();
      s.setValue("keep", "k", val("safe"), WriteContext.CLIENT);
      StorageFullException full = null;
      int i = 0;
      for (; i < 1_000 && full == null; i++) {
        try {
          s.setValue("big", "k" + i, big, WriteContext.CLIENT);
        } catch (StorageFullException e) {
          full = e;
        }
      }
      assertThat(full).isNotNull().hasMessageContaining("disk full").hasMessageContaining(small.path().toString());
      int failedKey = i - 1;
      assertThatThrownBy(() -> s.getValue("big", "k" + failedKey)).isInstanceOf(NotFoundException.class);
      assertThat(s.getValue("keep", "k").getData().toStringUtf8()).isEqualTo("safe");
      assertThat(s.object("big").entryCount()).isEqualTo(failedKey);
      shard.close(1_000);
      shard = null;
      engine.close();
      engine = null;
    }
  }
}
