package dev.oprc.odgm.events;

import static dev.oprc.odgm.events.OutboxDispatcherTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DispatchPoolTest {
  static final OutboxConfig NO_RESUME_DELAY = OutboxConfig.defaults().withResumeDelayMillis(0);

  final List<OutboxDispatcher> dispatchers = new ArrayList<>();
  DispatchPool pool;

  @AfterEach
  void stop() {
    for (OutboxDispatcher d : dispatchers) {
      d.close(Duration.ofSeconds(1));
    }
    if (pool != null) {
      pool.close();
    }
  }

  OutboxDispatcher dispatcher(OutboxDispatcherTest.Store store, OutboxDispatcherTest.Link link) {
    OutboxDispatcher d = OutboxDispatcher.builder().config(NO_RESUME_DELAY).store(store).link(link).pool(pool).start();
    dispatchers.add(d);
    return d;
  }

  static void commit(OutboxDispatcher d, OutboxDispatcherTest.Store store, String key) {
    OutboxDispatcher.WriteTally t = new OutboxDispatcher.WriteTally();
    t.matched(1);
    d.committed(List.of(store.add(key)), 0, t);
  }

  static List<Thread> poolThreads(String prefix) {
    List<Thread> out = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix) && t.isAlive()) {
        out.add(t);
      }
    }
    return out;
  }

  @Test
  void aThousandShardsAreDeliveredByThePoolsTwoThreads() throws Exception {
    pool = DispatchPool.start("pool-test-a", 2);
    OutboxDispatcherTest.Link link = new OutboxDispatcherTest.Link();
    List<OutboxDispatcherTest.Store> stores = new ArrayList<>();
    for (int i = 0; i < 1024; i++) {
      OutboxDispatcherTest.Store s = new OutboxDispatcherTest.Store();
      stores.add(s);
      commit(dispatcher(s, link), s, "p" + i + "/k");
    }
    await(() -> link.published.size() == 1024, "one record of each of 1024 shards published");
    await(() -> stores.stream().allMatch(s -> s.records.isEmpty()), "every record retired");
    assertThat(poolThreads("pool-test-a")).hasSize(2);
    assertThat(dispatchers).allSatisfy(d -> assertThat(d.stats().balanced()).isTrue());
  }

  @Test
  void oneShardsRecordsArePublishedInCommitOrderOnASharedPool() throws Exception {
    pool = DispatchPool.start("pool-test-b", 2);
    OutboxDispatcherTest.Link link = new OutboxDispatcherTest.Link();
    OutboxDispatcherTest.Store a = new OutboxDispatcherTest.Store();
    OutboxDispatcherTest.Store b = new OutboxDispatcherTest.Store();
    OutboxDispatcher da = dispatcher(a, link);
    OutboxDispatcher db = dispatcher(b, link);
    for (int i = 0; i < 2000; i++) {
      commit(da, a, "a/" + i);
      commit(db, b, "b/" + i);
    }
    await(() -> link.published.size() == 4000, "4000 published");
    List<String> onlyA = link.published.stream().filter(k -> k.startsWith("a/")).toList();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      expected.add("a/" + i);
    }
    assertThat(onlyA).containsExactlyElementsOf(expected);
  }

  @Test
  void closingOneDispatcherLeavesTheOthersOnThePoolRunning() throws Exception {
    pool = DispatchPool.start("pool-test-c", 1);
    OutboxDispatcherTest.Link link = new OutboxDispatcherTest.Link();
    OutboxDispatcherTest.Store a = new OutboxDispatcherTest.Store();
    OutboxDispatcherTest.Store b = new OutboxDispatcherTest.Store();
    OutboxDispatcher da = dispatcher(a, link);
    OutboxDispatcher db = dispatcher(b, link);
    da.close(Duration.ofSeconds(1));
    assertThat(da.stopped()).isTrue();
    commit(db, b, "b/1");
    await(() -> b.records.isEmpty(), "b's record retired after a was closed");
    assertThat(poolThreads("pool-test-c")).hasSize(1);
  }

  @Test
  void aClosedPoolRefusesNewDispatchers() {
    pool = DispatchPool.start("pool-test-d", 1);
    pool.close();
    assertThatThrownBy(() -> dispatcher(new OutboxDispatcherTest.Store(), new OutboxDispatcherTest.Link()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void poolSizeOutsideOneToSixtyFourIsRefused() {
    assertThatThrownBy(() -> DispatchPool.start("x", 0)).hasMessageContaining("1..64, got 0");
    assertThatThrownBy(() -> DispatchPool.start("x", 65)).hasMessageContaining("1..64, got 65");
  }
}
