package dev.oprc.odgm.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.DurabilityGate;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.proto.ValData;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A caller that must not block hands a write's WAL-sync wait to a completion. */
class DeferredDurabilityTest {
  @TempDir
  Path dir;
  private RocksStorageEngine engine;

  @AfterEach
  void close() {
    if (engine != null) {
      engine.close();
    }
  }

  private ShardStorage groupCommitShard() {
    engine = RocksStorageEngine.open(dir, SyncMode.GROUP);
    return engine.shard("orders", 0, ev -> TriggerIndex.EMPTY, 100, 1 << 20);
  }

  private static long put(ShardStorage s, String objectId) {
    return s.write(objectId, txn -> {
      long v = txn.nextVersion();
      txn.put("k", ValData.newBuilder().setData(ByteString.copyFromUtf8("v")).build());
      txn.setMeta(new ObjectMeta(v, 1, TriggerIndex.EMPTY));
      return v;
    }, CommitListener.NONE);
  }

  /** Completes with the reason (null: durable) and the thread it ran on. */
  private static CompletableFuture<String> reply(DeferredDurability d) {
    CompletableFuture<String> done = new CompletableFuture<>();
    d.whenDurable(failure -> done.complete(failure == null ? "durable" : failure.getClass().getSimpleName()));
    return done;
  }

  @Test
  void aGroupCommitWriteInADeferringScopeLeavesItsSyncPendingAndTheReplyCompletesOnceDurable() throws Exception {
    ShardStorage s = groupCommitShard();
    DeferredDurability d = DeferredDurability.begin();
    try {
      put(s, "o1");
    } finally {
      d.end();
    }
    assertThat(d.pending()).isTrue();
    assertThat(reply(d).get(5, TimeUnit.SECONDS)).isEqualTo("durable");
    assertThat(s.entry("o1", "k").getData().toStringUtf8()).isEqualTo("v");
  }

  @Test
  void writesAfterTheScopeEndsWaitForTheirSyncThemselves() {
    ShardStorage s = groupCommitShard();
    DeferredDurability d = DeferredDurability.begin();
    d.end();
    put(s, "o1");
    assertThat(d.pending()).isFalse();
  }

  @Test
  void aNestedScopeKeepsItsWritesToItselfAndRestoresTheOuterOne() throws Exception {
    ShardStorage s = groupCommitShard();
    DeferredDurability outer = DeferredDurability.begin();
    DeferredDurability inner = DeferredDurability.begin();
    put(s, "o1");
    inner.end();
    put(s, "o2");
    outer.end();
    assertThat(inner.pending()).isTrue();
    assertThat(outer.pending()).isTrue();
    assertThat(reply(outer).get(5, TimeUnit.SECONDS)).isEqualTo("durable");
  }

  @Test
  void aMemoryWriteIsDurableAtCommitSoTheReplyRunsAtOnceOnTheCallingThread() {
    ShardStorage s = new InMemoryShardStorage(1 << 20);
    DeferredDurability d = DeferredDurability.begin();
    put(s, "o1");
    d.end();
    assertThat(d.pending()).isFalse();
    AtomicReference<String> ranOn = new AtomicReference<>();
    d.whenDurable(failure -> ranOn.set(Thread.currentThread().getName()));
    assertThat(ranOn.get()).isEqualTo(Thread.currentThread().getName());
  }

  @Test
  void aReplyWaitingWhenTheStorageClosesFailsInsteadOfHanging() throws Exception {
    ShardStorage s = groupCommitShard();
    DurabilityGate gate = s.durability();
    CompletableFuture<String> never = new CompletableFuture<>();
    gate.whenDurable(Long.MAX_VALUE, f -> never.complete(f == null ? "durable" : f.getClass().getSimpleName()));
    DeferredDurability later = DeferredDurability.begin();
    put(s, "o1");
    later.end();
    assertThat(reply(later).get(5, TimeUnit.SECONDS)).isEqualTo("durable"); // a later ticket completed first
    assertThat(never).isNotDone();
    engine.close();
    engine = null;
    assertThat(never.get(5, TimeUnit.SECONDS)).isEqualTo("StorageException");
  }

  @Test
  void aReplyRegisteredAfterTheStorageClosedFailsAtOnce() throws Exception {
    ShardStorage s = groupCommitShard();
    DurabilityGate gate = s.durability();
    engine.close();
    engine = null;
    CompletableFuture<String> r = new CompletableFuture<>();
    gate.whenDurable(Long.MAX_VALUE, f -> r.complete(f == null ? "durable" : f.getClass().getSimpleName()));
    assertThat(r.get(5, TimeUnit.SECONDS)).isEqualTo("StorageException");
  }
}
