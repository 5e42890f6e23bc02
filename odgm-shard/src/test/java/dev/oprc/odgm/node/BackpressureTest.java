package dev.oprc.odgm.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.oprc.odgm.events.DeliveryLink;
import dev.oprc.odgm.events.EventAssembler;
import dev.oprc.odgm.events.EventConfig;
import dev.oprc.odgm.events.EventType;
import dev.oprc.odgm.events.OutboxConfig;
import dev.oprc.odgm.events.OutboxDispatcher;
import dev.oprc.odgm.events.OutboxFullException;
import dev.oprc.odgm.events.OutboxRecord;
import dev.oprc.odgm.events.OutboxStore;
import dev.oprc.odgm.events.TriggerIndex;
import dev.oprc.odgm.events.WriteEvents;
import dev.oprc.odgm.proto.DataTrigger;
import dev.oprc.odgm.proto.ObjectEvent;
import dev.oprc.odgm.proto.TriggerTarget;
import dev.oprc.odgm.proto.ValData;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Writers slowed down at the outbox bound: tried again until room appears or the wait is over. */
class BackpressureTest {
  private OutboxDispatcher dispatcher;

  @AfterEach
  void stop() {
    if (dispatcher != null) {
      dispatcher.close(Duration.ofSeconds(1));
    }
  }

  /** A genuine refusal from event assembly: a write whose record finds no room, under {@code cfg}. */
  private Supplier<String> refusedWrite(OutboxConfig cfg, AtomicInteger refusalsLeft) {
    dispatcher = OutboxDispatcher.builder().config(cfg).store(new EmptyStore()).link(new DownLink()).name("bp-test")
        .start();
    EventAssembler a = new EventAssembler("orders", 1, EventConfig.defaults(), dispatcher, () -> 0L, false);
    TriggerTarget notify = TriggerTarget.newBuilder().setClsId("orders").setPartitionId(0).setFnId("notify").build();
    TriggerIndex triggers = TriggerIndex.compile(ObjectEvent.newBuilder()
        .putDataTrigger("k", DataTrigger.newBuilder().addOnUpdate(notify).build()).build());
    ValData v = ValData.newBuilder().setData(ByteString.copyFromUtf8("v")).build();
    return () -> {
      WriteEvents w = a.begin("o1", 0, null);
      w.change("k", EventType.DATA_UPDATE, v, v);
      boolean room = refusalsLeft.getAndDecrement() <= 0;
      w.stageData(r -> room, 2, triggers);
      return "written";
    };
  }

  private static <T> CompletableFuture<T> later(Supplier<T> body) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      result.complete(body.get());
    } catch (OutboxFullException e) {
      Backpressure.later(e, body, result::complete, result::completeExceptionally);
    }
    return result;
  }

  @Test
  void aWriteRefusedAtTheBoundIsTriedAgainOffTheCallersThreadAndGoesThroughWhenRoomAppears() throws Exception {
    AtomicInteger refusals = new AtomicInteger(3);
    Supplier<String> write = refusedWrite(OutboxConfig.defaults().withFullWaitMillis(10_000), refusals);
    assertThat(later(write).get(10, TimeUnit.SECONDS)).isEqualTo("written");
    assertThat(dispatcher.delayedWrites()).isEqualTo(1);
    assertThat(dispatcher.stats().rejectedWrites()).isZero();
    assertThat(dispatcher.stats().dropped()).isZero();
  }

  @Test
  void aWriteStillRefusedWhenTheWaitIsOverFailsWithResourceExhaustedAndIsCountedOnce() throws Exception {
    Supplier<String> write = refusedWrite(OutboxConfig.defaults().withFullWaitMillis(50), new AtomicInteger(1 << 30));
    CompletableFuture<String> r = later(write);
    assertThatThrownBy(() -> r.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(OutboxFullException.class);
    Throwable cause = r.handle((ok, e) -> e).get();
    assertThat(DataServiceImpl.toStatus((RuntimeException) cause).getStatus().getCode())
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(dispatcher.delayedWrites()).isEqualTo(1);
    assertThat(dispatcher.stats().rejectedWrites()).isEqualTo(1);
    assertThat(dispatcher.stats().dropped()).isZero();
  }

  @Test
  void onANodeThreadTheWriterWaitsForRoomAndThenGoesThrough() {
    AtomicInteger refusals = new AtomicInteger(3);
    Supplier<String> write = refusedWrite(OutboxConfig.defaults().withFullWaitMillis(10_000), refusals);
    assertThat(Backpressure.blocking(write)).isEqualTo("written");
    assertThat(dispatcher.delayedWrites()).isEqualTo(1);
    assertThat(dispatcher.stats().rejectedWrites()).isZero();
  }

  @Test
  void rejectWritesRefusesAtOnceWithoutRetrying() {
    AtomicInteger refusals = new AtomicInteger(1);
    Supplier<String> write = refusedWrite(OutboxConfig.defaults().withFullPolicy(OutboxConfig.FullPolicy.REJECT_WRITES),
        refusals);
    assertThatThrownBy(() -> Backpressure.blocking(write)).isInstanceOf(OutboxFullException.class);
    assertThat(refusals.get()).isZero(); // one attempt
    assertThat(dispatcher.delayedWrites()).isZero();
    assertThat(dispatcher.stats().rejectedWrites()).isEqualTo(1);
  }

  private static final class EmptyStore implements OutboxStore {
    @Override
    public int scan(long afterSeq, int max, Consumer<OutboxRecord> sink) {
      return 0;
    }

    @Override
    public void retire(long[] seqs, int[] sizes, int n) {}

    @Override
    public void makeDurable() {}

    @Override
    public long pendingCount() {
      return 0;
    }

    @Override
    public long pendingBytes() {
      return 0;
    }

    @Override
    public long oldestCreatedAtMillis() {
      return -1;
    }
  }

  private static final class DownLink implements DeliveryLink {
    @Override
    public boolean tryPublish(String key, byte[] envelope) {
      return false;
    }

    @Override
    public long epoch() {
      return 0;
    }

    @Override
    public boolean up() {
      return false;
    }

    @Override
    public long settleMillis() {
      return 0;
    }
  }
}
