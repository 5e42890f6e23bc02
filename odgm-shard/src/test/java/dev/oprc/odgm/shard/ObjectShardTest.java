package dev.oprc.odgm.shard;

import java.nio.charset.StandardCharsets;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.events.OutboxConfig;
import dev.oprc.odgm.events.OutboxDispatcher;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.storage.ShardStorage;
import dev.oprc.odgm.events.EventType;
import dev.oprc.odgm.events.InvalidTriggerTargetException;
import dev.oprc.odgm.events.PayloadFormat;
import dev.oprc.odgm.events.TriggerHeaders;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.FuncTrigger;
import dev.oprc.odgm.proto.ObjData;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shard's behaviour, run against each storage engine ({@link InMemoryObjectShardTest},
 * {@link RocksObjectShardTest}).
 */
abstract class ObjectShardTest {
  final RecordingPublisher publisher = new RecordingPublisher();
  ObjectShard shard;
  ShardStorage storage;

  /** A fresh, empty storage for shard orders/1. */
  ShardStorage newStorage() {
    return newStorage(64L << 20);
  }

  /** A fresh, empty storage for shard orders/1 whose outbox holds {@code outboxMaxBytes}. */
  abstract ShardStorage newStorage(long outboxMaxBytes);

  /** Releases what {@link #newStorage} opened (after the shard is closed). */
  void closeStorage() {}

  static TriggerIndex compile(ObjectEvent ev) {
    return TriggerIndex.compile(ev, new Ids(160)::entryKey);
  }

  ObjectShard shard(EventConfig cfg) {
    storage = newStorage();
    OutboxDispatcher d = OutboxDispatcher.builder().events(cfg).store(storage.outbox()).link(publisher)
        .gate(storage.durability()).name("test-outbox").start();
    shard = new ObjectShard("orders", 1, 7, storage, new Ids(160), cfg, d, () -> 1741200000000L);
    return shard;
  }

  private ObjectShard shard() {
    return shard(EventConfig.defaults().withPayloadFormat(PayloadFormat.PROTOBUF));
  }

  /**
   * Everything the shard will ever publish for the writes so far: waits until its outbox is empty
   * and every matched target is accounted for (the test link delivers at once), so an absence is
   * checked against the counters, not against a sleep.
   */
  List<RecordingPublisher.Published> settled() throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5_000;
    while (true) {
      var st = shard.eventStats();
      if (st.pending() == 0 && st.queueLength() == 0 && st.balanced()) {
        return List.copyOf(publisher.published);
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("outbox did not settle: " + st);
      }
      Thread.sleep(2);
    }
  }

  @AfterEach
  void close() {
    if (shard != null) {
      shard.close(1000);
    }
    closeStorage();
  }

  static ValData val(String s) {
    return ValData.newBuilder().setData(ByteString.copyFromUtf8(s)).build();
  }

  static TriggerTarget target(String fn) {
    return TriggerTarget.newBuilder().setClsId("notify").setPartitionId(0).setFnId(fn).build();
  }

  /** on_create → fn "c", on_update → "u", on_delete → "d" for {@code key}. */
  static ObjectEvent allDataTriggers(String key) {
    return ObjectEvent.newBuilder().putDataTrigger(key, DataTrigger.newBuilder()
        .addOnCreate(target("c")).addOnUpdate(target("u")).addOnDelete(target("d")).build()).build();
  }

  static ObjData obj(ObjectEvent ev, Map<String, String> entries) {
    ObjData.Builder b = ObjData.newBuilder();
    if (ev != null) {
      b.setEvent(ev);
    }
    entries.forEach((k, v) -> b.putEntries(k, val(v)));
    return b.build();
  }

  @Test
  void setWithTriggersFiresCreateForThatSameSet() throws Exception {
    shard().set("o1", obj(allDataTriggers("status"), Map.of("status", "new")), WriteContext.CLIENT);
    var got = publisher.await(1);
    assertThat(got).hasSize(1);
    assertThat(got.get(0).key()).startsWith("oprc/notify/0/async/c/");
    var info = got.get(0).payload().getEventInfo();
    assertThat(info.getEventType()).isEqualTo(dev.oprc.odgm.proto.EventType.EVENT_TYPE_DATA_CREATE);
    assertThat(info.getKey()).isEqualTo("status");
    assertThat(info.getSourceObjectId()).isEqualTo("o1");
    assertThat(info.getObjectVersion()).isEqualTo(1);
  }

  @Test
  void secondSetWithChangedValueFiresUpdateAndIdenticalValueFiresNothing() throws Exception {
    ObjectShard s = shard();
    s.set("o1", obj(allDataTriggers("status"), Map.of("status", "a")), WriteContext.CLIENT);
    s.set("o1", obj(null, Map.of("status", "b")), WriteContext.CLIENT);
    s.set("o1", obj(null, Map.of("status", "b")), WriteContext.CLIENT);
    var all = settled();
    assertThat(all).extracting(RecordingPublisher.Published::fn).containsExactly("c", "u");
    assertThat(s.object("o1").version()).isEqualTo(2);
  }

  @Test
  void updateOnSameValueSettingRestoresUpstreamBehaviour() throws Exception {
    ObjectShard s = shard(EventConfig.defaults().withPayloadFormat(PayloadFormat.PROTOBUF).withUpdateOnSameValue(true));
    s.set("o1", obj(allDataTriggers("status"), Map.of("status", "a")), WriteContext.CLIENT);
    s.setValue("o1", "status", val("a"), WriteContext.CLIENT);
    assertThat(publisher.await(2)).extracting(RecordingPublisher.Published::fn).containsExactly("c", "u");
  }

  @Test
  void mergeFiresUpdateOnlyForChangedKeys() throws Exception {
    ObjectShard s = shard();
    ObjectEvent ev = allDataTriggers("a").toBuilder().putAllDataTrigger(allDataTriggers("b").getDataTriggerMap()).build();
    s.set("o1", obj(ev, Map.of("a", "1", "b", "1")), WriteContext.CLIENT);
    publisher.await(2);
    publisher.published.clear();
    ObjData merged = s.merge("o1", obj(null, Map.of("a", "1", "b", "2")), WriteContext.CLIENT);
    var all = settled();
    assertThat(all).hasSize(1);
    assertThat(all.get(0).payload().getEventInfo().getKey()).isEqualTo("b");
    assertThat(all.get(0).fn()).isEqualTo("u");
    assertThat(merged.getEntriesMap()).containsOnlyKeys("a", "b");
  }

  @Test
  void setValueFiresCreateThenUpdate() throws Exception {
    ObjectShard s = shard();
    s.set("o1", obj(allDataTriggers("k"), Map.of()), WriteContext.CLIENT);
    s.setValue("o1", "k", val("1"), WriteContext.CLIENT);
    s.setValue("o1", "k", val("2"), WriteContext.CLIENT);
    assertThat(publisher.await(2)).extracting(RecordingPublisher.Published::fn).containsExactly("c", "u");
  }

  @Test
  void deleteValueFiresOnDeleteAndAbsentKeyFiresNothing() throws Exception {
    ObjectShard s = shard();
    s.set("o1", obj(allDataTriggers("k"), Map.of("k", "1")), WriteContext.CLIENT);
    assertThat(s.deleteValue("o1", "k", WriteContext.CLIENT)).isTrue();
    assertThat(s.deleteValue("o1", "k", WriteContext.CLIENT)).isFalse();
    assertThat(s.deleteValue("nobody", "k", WriteContext.CLIENT)).isFalse();
    assertThat(settled()).extracting(RecordingPublisher.Published::fn).containsExactly("c", "d");
  }

  @Test
  void batchSetValuesDeleteKeysFireOnDelete() throws Exception {
    ObjectShard s = shard();
    s.set("o1", obj(allDataTriggers("k"), Map.of("k", "1", "x", "1")), WriteContext.CLIENT);
    long v = s.batchSetValues("o1", Map.of("y", val("2")), List.of("k", "missing"), null, WriteContext.CLIENT);
    assertThat(v).isEqualTo(2);
    assertThat(settled()).extracting(RecordingPublisher.Published::fn).containsExactly("c", "d");
    assertThat(s.get("o1").getEntriesMap()).containsOnlyKeys("x", "y");
  }

  @Test
  void batchSetValuesWithStaleExpectedVersionIsAbortedAndEmitsNothing() throws Exception {
    ObjectShard s = shard();
    s.set("o1", obj(allDataTriggers("k"), Map.of("k", "1")), WriteContext.CLIENT);
    publisher.await(1);
    publisher.published.clear();
    assertThatThrownBy(() -> s.batchSetValues("o1", Map.of("k", val("2")), List.of(), 5L, WriteContext.CLIENT))
        .isInstanceOf(VersionMismatchException.class).hasMessageContaining("expected 5, got 1");
    assertThat(s.getValue("o1", "k")).isEqualTo(val("1"));
    assertThat(settled()).isEmpty();
    assertThat(s.batchSetValues("o1", Map.of("k", val("2")), List.of(), 1L, WriteContext.CLIENT)).isEqualTo(2);
  }

  @Test
  void resendingTheSameTriggersAndValuesChangesNothing() throws Exception {
    ObjectShard s = shard();
    s.set("o1", obj(allDataTriggers("k"), Map.of("k", "1")), WriteContext.CLIENT);
    s.set("o1", obj(allDataTriggers("k"), Map.of("k", "1")), WriteContext.CLIENT);
    assertThat(s.object("o1").version()).isEqualTo(1);
    s.set("o1", obj(ObjectEvent.getDefaultInstance(), Map.of()), WriteContext.CLIENT);
    assertThat(s.object("o1").version()).isEqualTo(2);
    assertThat(s.get("o1").hasEvent()).isFalse();
  }

  @Test
  void mergeReturnsTheStateItWrote() {
    ObjectShard s = shard();
    s.set("o1", obj(null, Map.of("a", "1")), WriteContext.CLIENT);
    ObjData merged = s.merge("o1", obj(null, Map.of("b", "2")), WriteContext.CLIENT);
    assertThat(merged.getEntriesMap()).containsOnlyKeys("a", "b");
    assertThat(merged.getMetadata().getObjectVersion()).isEqualTo(2);
  }

  @Test
  void deletedObjectsAreNotListedAndListingPagesPastThem() {
    ObjectShard s = shard();
    for (String id : List.of("a", "b", "c", "d")) {
      s.set(id, obj(null, Map.of("k", "1")), WriteContext.CLIENT);
    }
    s.delete("b", WriteContext.CLIENT);
    s.delete("c", WriteContext.CLIENT);
    var page = s.listObjects(null, null, 2);
    assertThat(page).extracting(dev.oprc.odgm.proto.ObjectMetaEnvelope::getObjectId).containsExactly("a", "d");
    assertThat(s.count()).isEqualTo(2);
  }

  @Test
  void emptyBatchLeavesVersionUnchanged() {
    ObjectShard s = shard();
    s.set("o1", obj(null, Map.of("k", "1")), WriteContext.CLIENT);
    assertThat(s.batchSetValues("o1", Map.of(), List.of(), null, WriteContext.CLIENT)).isEqualTo(1);
  }

  @Test
  void deleteObjectFiresOneDeletePerEntryWithPreDeleteTriggers() throws Exception {
    ObjectShard s = shard();
    ObjectEvent ev = allDataTriggers("a").toBuilder().putAllDataTrigger(allDataTriggers("b").getDataTriggerMap()).build();
    s.set("o1", obj(ev, Map.of("a", "1", "b", "2")), WriteContext.CLIENT);
    publisher.await(2);
    publisher.published.clear();
    assertThat(s.delete("o1", WriteContext.CLIENT)).isTrue();
    var got = publisher.await(2);
    assertThat(got).extracting(p -> p.payload().getEventInfo().getKey()).containsExactly("a", "b");
    assertThat(got).extracting(RecordingPublisher.Published::fn).containsOnly("d");
    assertThatThrownBy(() -> s.get("o1")).isInstanceOf(NotFoundException.class);
    assertThat(s.delete("o1", WriteContext.CLIENT)).isFalse();
  }

  @Test
  void recreatingADeletedObjectWorksAndVersionsKeepGrowing() throws Exception {
    ObjectShard s = shard();
    s.set("o1", obj(allDataTriggers("k"), Map.of("k", "1")), WriteContext.CLIENT);
    s.delete("o1", WriteContext.CLIENT);
    s.set("o1", obj(allDataTriggers("k"), Map.of("k", "1")), WriteContext.CLIENT);
    assertThat(s.get("o1").getEntriesMap()).containsKey("k");
    assertThat(s.object("o1").version()).isEqualTo(3);
    assertThat(publisher.await(3)).extracting(RecordingPublisher.Published::fn).containsExactly("c", "d", "c");
    assertThat(s.count()).isEqualTo(1);
  }

  @Test
  void triggerKeysAndEntryKeysAreNormalizedByTheSameRule() throws Exception {
    ObjectShard s = shard();
    s.set("O1", obj(allDataTriggers("Status"), Map.of("STATUS", "1")), WriteContext.CLIENT);
    s.setValue("o1", "status", val("2"), WriteContext.CLIENT);
    var got = publisher.await(2);
    assertThat(got).extracting(RecordingPublisher.Published::fn).containsExactly("c", "u");
    assertThat(got.get(0).payload().getEventInfo().getSourceObjectId()).isEqualTo("o1");
  }

  @Test
  void invalidTriggerTargetIsRejectedAtSetTimeAndNothingIsWritten() {
    ObjectShard s = shard();
    ObjectEvent bad = ObjectEvent.newBuilder().putDataTrigger("k", DataTrigger.newBuilder()
        .addOnCreate(TriggerTarget.newBuilder().setClsId("a/b").setFnId("f")).build()).build();
    assertThatThrownBy(() -> s.set("o1", obj(bad, Map.of("k", "1")), WriteContext.CLIENT))
        .isInstanceOf(InvalidTriggerTargetException.class)
        .hasMessageContaining("data_trigger['k'].on_create[0]").hasMessageContaining("a/b");
    assertThatThrownBy(() -> s.get("o1")).isInstanceOf(NotFoundException.class);
  }

  @Test
  void invalidObjectIdIsRejectedNamingIt() {
    assertThatThrownBy(() -> shard().setValue("bad id", "k", val("1"), WriteContext.CLIENT))
        .isInstanceOf(InvalidIdException.class).hasMessageContaining("bad id");
  }

  @Test
  void fanOutCapCountsSkippedKeys() throws Exception {
    ObjectShard s = shard(EventConfig.defaults().withPayloadFormat(PayloadFormat.PROTOBUF).withMaxBatchFanout(2));
    ObjectEvent.Builder ev = ObjectEvent.newBuilder();
    for (String k : List.of("a", "b", "c", "d", "e")) {
      ev.putDataTrigger(k, DataTrigger.newBuilder().addOnCreate(target("c")).build());
    }
    s.set("o1", obj(ev.build(), Map.of("a", "1", "b", "1", "c", "1", "d", "1", "e", "1")), WriteContext.CLIENT);
    assertThat(settled()).extracting(p -> p.payload().getEventInfo().getKey()).containsExactly("a", "b");
    assertThat(s.eventStats().fanoutTruncatedKeys()).isEqualTo(3);
  }

  @Test
  void writeDepthTravelsToTheEnvelopeAndTheLimitStopsDispatch() throws Exception {
    ObjectShard s = shard(EventConfig.defaults().withPayloadFormat(PayloadFormat.PROTOBUF).withMaxTriggerDepth(3));
    s.set("o1", obj(allDataTriggers("k"), Map.of()), WriteContext.CLIENT);
    s.setValue("o1", "k", val("1"), new WriteContext(2, null));
    s.setValue("o1", "k", val("2"), new WriteContext(3, null));
    var got = settled();
    assertThat(got).hasSize(1);
    assertThat(got.get(0).options()).containsEntry(TriggerHeaders.DEPTH, "2");
    assertThat(got.get(0).payload().getEventInfo().getDepth()).isEqualTo(2);
    assertThat(s.eventStats().depthLimited()).isEqualTo(1);
  }

  @Test
  void traceparentOfTheWriteTravelsToTheEnvelope() throws Exception {
    ObjectShard s = shard();
    String tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    s.set("o1", obj(allDataTriggers("k"), Map.of("k", "1")), new WriteContext(0, tp));
    assertThat(publisher.await(1).get(0).options()).containsEntry(TriggerHeaders.TRACEPARENT, tp);
  }

  @Test
  void functionEventsMatchFuncTriggers() throws Exception {
    ObjectShard s = shard();
    ObjectEvent ev = ObjectEvent.newBuilder().putFuncTrigger("transcode", FuncTrigger.newBuilder()
        .addOnComplete(target("done")).addOnError(target("failed")).build()).build();
    s.set("v1", obj(ev, Map.of()), WriteContext.CLIENT);
    assertThat(s.emitFunctionEvent("v1", EventType.FUNC_COMPLETE, "transcode", "{\"ok\":true}".getBytes(StandardCharsets.UTF_8), null,
        null, WriteContext.CLIENT)).isEqualTo(1);
    assertThat(s.emitFunctionEvent("v1", EventType.FUNC_ERROR, "transcode", null, "APP_ERROR: boom",
        null, WriteContext.CLIENT)).isEqualTo(1);
    assertThat(s.emitFunctionEvent("v1", EventType.FUNC_COMPLETE, "other", null, null, null, WriteContext.CLIENT)).isZero();
    var got = publisher.await(2);
    assertThat(got).extracting(RecordingPublisher.Published::fn).containsExactly("done", "failed");
    assertThat(got.get(0).payload().getOriginalPayload().toStringUtf8()).isEqualTo("{\"ok\":true}");
    assertThat(got.get(1).payload().getEventInfo().getContextMap()).containsEntry("error", "APP_ERROR: boom");
  }

  @Test
  void concurrentWritersNeverLoseIncrementsOrDoubleCreate() throws Exception {
    ObjectShard s = shard(EventConfig.defaults().withPayloadFormat(PayloadFormat.PROTOBUF).withQueueBound(100_000));
    s.set("o1", obj(allDataTriggers("k"), Map.of()), WriteContext.CLIENT);
    int threads = 4;
    int perThread = 500;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    for (int t = 0; t < threads; t++) {
      int id = t;
      var unused = pool.submit(() -> { // failures show as missing writes
        start.await();
        for (int i = 0; i < perThread; i++) {
          s.setValue("o1", "k", val(id + "-" + i), WriteContext.CLIENT);
        }
        return null;
      });
    }
    start.countDown();
    pool.shutdown();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(s.object("o1").version()).isEqualTo(1 + threads * perThread);
    var got = publisher.await(threads * perThread);
    assertThat(got).hasSize(threads * perThread);
    assertThat(got).filteredOn(p -> p.fn().equals("c")).hasSize(1);
    // one dispatcher thread + submission inside the per-object update: versions arrive in order
    List<Long> versions = got.stream().map(p -> p.payload().getEventInfo().getObjectVersion()).toList();
    assertThat(versions).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void eventsDisabledMeansNoDispatcherAndNoEvents() throws Exception {
    EventConfig off = EventConfig.defaults().withEnabled(false);
    storage = newStorage();
    shard = new ObjectShard("orders", 1, 7, storage, new Ids(160), off, null, System::currentTimeMillis);
    shard.set("o1", obj(allDataTriggers("k"), Map.of("k", "1")), WriteContext.CLIENT);
    assertThat(shard.get("o1").getEntriesMap()).containsKey("k");
    assertThat(shard.dispatcher()).isNull();
    assertThat(storage.outbox().pendingCount()).isZero(); // nothing was even written to the outbox
    assertThat(shard.eventStats()).isEqualTo(dev.oprc.odgm.events.OutboxStats.EMPTY);
  }

  @Test
  void aFullOutboxWithDropNewKeepsTheWriteAndCountsTheDrop() throws Exception {
    storage = newStorage(2_000);
    OutboxConfig cfg = OutboxConfig.defaults().withMaxBytes(2_000).withFullPolicy(OutboxConfig.FullPolicy.DROP_NEW);
    shard = shardOn(storage, cfg, new RecordingPublisher.Down());
    shard.set("o1", obj(allDataTriggers("k"), Map.of()), WriteContext.CLIENT);
    for (int i = 0; i < 50; i++) {
      shard.setValue("o1", "k", val("v" + i), WriteContext.CLIENT); // the link is down: records pile up
    }
    assertThat(shard.getValue("o1", "k").getData().toStringUtf8()).isEqualTo("v49");
    var st = shard.eventStats();
    assertThat(st.dropped()).isPositive();
    assertThat(st.pendingBytes()).isLessThanOrEqualTo(2_000);
    assertThat(st.matched()).isEqualTo(50);
    assertThat(st.balanced()).isTrue();
  }

  @Test
  void byDefaultAFullOutboxRefusesTheWriteRetryablyWritesNothingAndDropsNoTrigger() throws Exception {
    storage = newStorage(2_000);
    shard = shardOn(storage, OutboxConfig.defaults().withMaxBytes(2_000), new RecordingPublisher.Down());
    shard.set("o1", obj(allDataTriggers("k"), Map.of()), WriteContext.CLIENT);
    int ok = 0;
    dev.oprc.odgm.events.OutboxFullException refused = null;
    for (int i = 0; i < 50 && refused == null; i++) {
      try {
        shard.setValue("o1", "k", val("v" + i), WriteContext.CLIENT);
        ok++;
      } catch (dev.oprc.odgm.events.OutboxFullException e) {
        refused = e;
      }
    }
    assertThat(refused).isNotNull().hasMessageContaining("backpressure");
    assertThat(refused.retryable()).isTrue();
    assertThat(shard.object("o1").version()).isEqualTo(1 + ok); // the refused attempt wrote nothing
    var st = shard.eventStats();
    assertThat(st.dropped()).isZero();
    assertThat(st.rejectedWrites()).isZero(); // the writer counts the refusal once it stops waiting
    assertThat(st.matched()).isEqualTo(ok);
    assertThat(st.balanced()).isTrue();
  }

  @Test
  void aFullOutboxWithRejectWritesRefusesTheWholeWrite() throws Exception {
    storage = newStorage(2_000);
    OutboxConfig cfg = OutboxConfig.defaults().withMaxBytes(2_000).withFullPolicy(OutboxConfig.FullPolicy.REJECT_WRITES);
    shard = shardOn(storage, cfg, new RecordingPublisher.Down());
    shard.set("o1", obj(allDataTriggers("k"), Map.of()), WriteContext.CLIENT);
    int ok = 0;
    Throwable refused = null;
    for (int i = 0; i < 50 && refused == null; i++) {
      try {
        shard.setValue("o1", "k", val("v" + i), WriteContext.CLIENT);
        ok++;
      } catch (dev.oprc.odgm.events.OutboxFullException e) {
        refused = e;
      }
    }
    assertThat(refused).isNotNull().hasMessageContaining("ODGM_OUTBOX_MAX_BYTES");
    assertThat(shard.getValue("o1", "k").getData().toStringUtf8()).isEqualTo("v" + (ok - 1)); // nothing written
    assertThat(shard.object("o1").version()).isEqualTo(1 + ok);
    var st = shard.eventStats();
    assertThat(st.rejectedWrites()).isEqualTo(1);
    assertThat(st.dropped()).isZero();
    assertThat(st.matched()).isEqualTo(ok);
    assertThat(st.balanced()).isTrue();
  }

  @Test
  void versionsOfARecreatedObjectContinueAboveTheDeletedOnesWithoutATombstone() {
    ObjectShard s = shard();
    s.setValue("o1", "k", val("1"), WriteContext.CLIENT);
    s.setValue("o1", "k", val("2"), WriteContext.CLIENT);
    assertThat(s.delete("o1", WriteContext.CLIENT)).isTrue();
    assertThat(s.count()).isZero();
    assertThat(storage.meta("o1")).isNull(); // nothing kept for the deleted id
    assertThat(s.setValue("o1", "k", val("3"), WriteContext.CLIENT)).isGreaterThan(3);
  }

  ObjectShard shardOn(ShardStorage st, OutboxConfig cfg, dev.oprc.odgm.events.DeliveryLink link) {
    EventConfig ev = EventConfig.defaults().withPayloadFormat(PayloadFormat.PROTOBUF);
    OutboxDispatcher d = OutboxDispatcher.builder().events(ev).config(cfg).store(st.outbox()).link(link)
        .gate(st.durability()).name("test-outbox").start();
    return new ObjectShard("orders", 1, 7, st, new Ids(160), ev, d, () -> 1741200000000L);
  }

  // ------------------------------------------------------------------ trigger filters (issue 10)

  static TriggerTarget filtered(String fn, String when) {
    return target(fn).toBuilder().setFilter(dev.oprc.odgm.events.FilterExpressions.parse(when)).build();
  }

  @Test
  void filteredTargetFiresOnlyForWritesItsFilterAccepts() throws Exception {
    ObjectShard s = shard();
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("order", DataTrigger.newBuilder()
        .addOnUpdate(filtered("shipped", "status changed to shipped")).addOnUpdate(target("any")).build()).build();
    s.set("o1", obj(ev, Map.of("order", "{\"status\":\"new\"}")), WriteContext.CLIENT);
    s.setValue("o1", "order", val("{\"status\":\"paid\"}"), WriteContext.CLIENT);
    s.setValue("o1", "order", val("{\"status\":\"shipped\"}"), WriteContext.CLIENT);
    s.setValue("o1", "order", val("{\"status\":\"shipped\",\"note\":\"gift\"}"), WriteContext.CLIENT);
    var all = settled();
    assertThat(all).extracting(RecordingPublisher.Published::fn).containsExactly("any", "shipped", "any", "any");
    assertThat(all.get(1).payload().getEventInfo().getObjectVersion()).isEqualTo(3);
    var st = s.eventStats();
    assertThat(st.filteredOut()).isEqualTo(2);
    assertThat(st.matched()).isEqualTo(4); // filtered-out targets are not matched into the outbox
    assertThat(st.retired()).isEqualTo(4);
    assertThat(st.balanced()).isTrue();
  }

  @Test
  void depthFilterSkipsWritesMadeByTriggeredFunctions() throws Exception {
    ObjectShard s = shard();
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("k", DataTrigger.newBuilder()
        .addOnCreate(filtered("clientOnly", "not created by depth >= 1")).build()).build();
    s.set("o1", obj(ev, Map.of()), WriteContext.CLIENT);
    s.set("o2", obj(ev, Map.of()), WriteContext.CLIENT);
    s.setValue("o1", "k", val("1"), new WriteContext(1, null));
    s.setValue("o2", "k", val("1"), WriteContext.CLIENT);
    var all = settled();
    assertThat(all).hasSize(1);
    assertThat(all.get(0).payload().getEventInfo().getSourceObjectId()).isEqualTo("o2");
    assertThat(s.eventStats().filteredOut()).isEqualTo(1);
  }

  @Test
  void numericFilterOnAJsonMemberAndOnDeletedObjectsOldValues() throws Exception {
    ObjectShard s = shard();
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("order", DataTrigger.newBuilder()
        .addOnCreate(filtered("big", "amount > 1000"))
        .addOnDelete(filtered("bigGone", "old.amount > 1000")).build()).build();
    s.set("small", obj(ev, Map.of("order", "{\"amount\": 20}")), WriteContext.CLIENT);
    s.set("large", obj(ev, Map.of("order", "{\"amount\": 1500.5}")), WriteContext.CLIENT);
    s.delete("small", WriteContext.CLIENT);
    s.delete("large", WriteContext.CLIENT);
    var all = settled();
    assertThat(all).extracting(p -> p.fn() + ":" + p.payload().getEventInfo().getSourceObjectId())
        .containsExactly("big:large", "bigGone:large");
    assertThat(s.eventStats().filteredOut()).isEqualTo(2);
  }

  @Test
  void targetAskingForValuesGetsThemCappedAndFlagged() throws Exception {
    ObjectShard s = shard(EventConfig.defaults().withPayloadFormat(PayloadFormat.PROTOBUF).withMaxValueBytes(4));
    TriggerTarget both = target("both").toBuilder()
        .setIncludeValues(dev.oprc.odgm.proto.TriggerValues.TRIGGER_VALUES_BOTH).build();
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("k", DataTrigger.newBuilder()
        .addOnUpdate(both).addOnUpdate(target("plain")).build()).build();
    s.set("o1", obj(ev, Map.of("k", "old")), WriteContext.CLIENT);
    s.setValue("o1", "k", val("newer"), WriteContext.CLIENT);
    var all = settled();
    assertThat(all).extracting(RecordingPublisher.Published::fn).containsExactly("both", "plain");
    var withValues = all.get(0).payload();
    assertThat(withValues.getOriginalPayload().toStringUtf8()).isEqualTo("newe");
    assertThat(withValues.getEventInfo().getContextMap())
        .containsEntry("old_value", java.util.Base64.getEncoder().encodeToString("old".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .containsEntry("new_value_truncated", "true").containsEntry("new_value_size", "5")
        .doesNotContainKey("old_value_truncated");
    assertThat(all.get(1).payload().hasOriginalPayload()).isFalse();
    assertThat(all.get(1).payload().getEventInfo().getContextMap()).isEmpty();
    assertThat(s.eventStats().valuesTruncated()).isEqualTo(1);
  }

  @Test
  void functionTriggerFiltersOnTheFunctionsStatus() throws Exception {
    ObjectShard s = shard();
    ObjectEvent ev = ObjectEvent.newBuilder().putFuncTrigger("charge", FuncTrigger.newBuilder()
        .addOnError(filtered("page", "fnstatus == SYSTEM_ERROR or error starts with 'APP_ERROR: fraud'")).build())
        .build();
    s.set("o1", obj(ev, Map.of()), WriteContext.CLIENT);
    assertThat(s.emitFunctionEvent("o1", EventType.FUNC_ERROR, "charge", null, "APP_ERROR: card declined",
        "APP_ERROR", null, WriteContext.CLIENT)).isZero();
    assertThat(s.emitFunctionEvent("o1", EventType.FUNC_ERROR, "charge", null, "APP_ERROR: fraud suspected",
        "APP_ERROR", null, WriteContext.CLIENT)).isEqualTo(1);
    assertThat(s.emitFunctionEvent("o1", EventType.FUNC_ERROR, "charge", null, "transport: UNAVAILABLE",
        "SYSTEM_ERROR", null, WriteContext.CLIENT)).isEqualTo(1);
    assertThat(settled()).hasSize(2);
    assertThat(s.eventStats().filteredOut()).isEqualTo(1);
  }

  @Test
  void invalidFilterIsRefusedWhenStoredAndNothingIsWritten() {
    ObjectShard s = shard();
    TriggerTarget bad = target("x").toBuilder().setFilter(dev.oprc.odgm.events.TriggerFilters.fromJson(
        "{\"exact\": {\"colour\": \"red\"}}")).build();
    ObjectEvent ev = ObjectEvent.newBuilder().putDataTrigger("k", DataTrigger.newBuilder().addOnUpdate(bad).build())
        .build();
    assertThatThrownBy(() -> s.set("o1", obj(ev, Map.of("k", "1")), WriteContext.CLIENT))
        .isInstanceOf(InvalidTriggerTargetException.class)
        .hasMessageContaining("data_trigger['k'].on_update[0]: target fn 'x': filter.exact['colour'] unknown attribute");
    assertThatThrownBy(() -> s.get("o1")).isInstanceOf(NotFoundException.class);
  }
}
