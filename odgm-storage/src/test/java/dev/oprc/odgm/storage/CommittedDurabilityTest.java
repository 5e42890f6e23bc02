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

/** A write returns at commit with its durability ticket; a caller that must not block replies from a completion. */
class CommittedDurabilityTest {
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

  private static Committed<Long> put(ShardStorage s, String objectId) {
    return s.write(objectId, txn -> {
      long v = txn.nextVersion();
      txn.put("k", ValData.newBuilder().setData(ByteString.copyFromUtf8("v")).build());
      txn.setMeta(new ObjectMeta(v, 1, TriggerIndex.EMPTY));
      return v;
    }, CommitListener.NONE);
  }

  /** Completes with the reason (null: durable). */
  private static CompletableFuture<String> reply(Committed<?> c) {
    CompletableFuture<String> done = new CompletableFuture<>();
    c.whenDurable(failure -> done.complete(failure == null ? "durable" : failure.getClass().getSimpleName()));
    return done;
  }

  @Test
  void aGroupCommitWriteReturnsWithItsSyncPendingAndTheReplyCompletesOnceDurable() throws Exception {
    ShardStorage s = groupCommitShard();

    Committed<Long> c = put(s, "o1");

    assertThat(c.pending()).isTrue();
    assertThat(c.result()).isEqualTo(1L);
    assertThat(reply(c).get(5, TimeUnit.SECONDS)).isEqualTo("durable");
    assertThat(s.entry("o1", "k").getData().toStringUtf8()).isEqualTo("v");
  }

  @Test
  void aCallerThatMayBlockWaitsForTheSyncAndGetsTheResult() {
    ShardStorage s = groupCommitShard();

    assertThat(put(s, "o1").awaitDurable()).isEqualTo(1L);
  }

  @Test
  void eachWriteCarriesItsOwnTicketAndALaterWriteNeverAnEarlierOne() throws Exception {
    ShardStorage s = groupCommitShard();

    Committed<Long> first = put(s, "o1");
    Committed<Long> second = put(s, "o2");

    assertThat(first.durableTicket()).isPositive();
    assertThat(second.durableTicket()).isGreaterThanOrEqualTo(first.durableTicket()); // one sync may cover both
    assertThat(reply(second).get(5, TimeUnit.SECONDS)).isEqualTo("durable");
    assertThat(reply(first).get(5, TimeUnit.SECONDS)).isEqualTo("durable");
  }

  @Test
  void aMemoryWriteIsDurableAtCommitSoTheReplyRunsAtOnceOnTheCallingThread() {
    ShardStorage s = new InMemoryShardStorage(1 << 20);

    Committed<Long> c = put(s, "o1");

    assertThat(c.pending()).isFalse();
    AtomicReference<String> ranOn = new AtomicReference<>();
    c.whenDurable(failure -> ranOn.set(Thread.currentThread().getName()));
    assertThat(ranOn.get()).isEqualTo(Thread.currentThread().getName());
  }

  @Test
  void aReplyWaitingWhenTheStorageClosesFailsInsteadOfHanging() throws Exception {
    ShardStorage s = groupCommitShard();
    DurabilityGate gate = s.durability();
    CompletableFuture<String> never = new CompletableFuture<>();
    gate.whenDurable(Long.MAX_VALUE, f -> never.complete(f == null ? "durable" : f.getClass().getSimpleName()));
    Committed<Long> later = put(s, "o1");
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
