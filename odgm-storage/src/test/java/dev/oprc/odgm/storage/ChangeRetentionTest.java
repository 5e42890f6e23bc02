package dev.oprc.odgm.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oprc.odgm.events.ChangeEvents;
import dev.oprc.odgm.events.EventType;
import dev.oprc.odgm.events.TriggerIndex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The change log keeps gap-free seqs from its oldest retained event and is trimmed to its bounds only. */
class ChangeRetentionTest {
  @TempDir
  Path dir;
  private RocksStorageEngine engine;

  @AfterEach
  void close() {
    if (engine != null) {
      engine.close();
    }
  }

  private ShardStorage open(boolean rocks) {
    if (!rocks) {
      return new InMemoryShardStorage(1 << 20);
    }
    engine = RocksStorageEngine.open(dir, SyncMode.GROUP);
    return engine.shard("orders", 0, ev -> TriggerIndex.EMPTY, 100, 1 << 20);
  }

  /** Writes {@code n} events whose timestamps are 1000, 2000, ... */
  private static void write(ShardStorage s, int n) {
    for (int i = 1; i <= n; i++) {
      long ts = i * 1000L;
      s.write("o", txn -> {
        long v = txn.nextVersion();
        txn.setMeta(new ObjectMeta(v, 0, TriggerIndex.EMPTY));
        txn.stageChange(ChangeEvents.body("orders", 0, "o", v, ts, List.of("k"), List.of(EventType.DATA_UPDATE), null,
            0, new int[1]));
        return null;
      }, CommitListener.NONE).awaitDurable();
    }
  }

  private static List<Long> seqs(ChangeLog log) {
    List<Long> out = new ArrayList<>();
    log.scan(0, log.durableSeq(), Integer.MAX_VALUE, (seq, body) -> out.add(seq));
    return out;
  }

  @ParameterizedTest(name = "rocksdb={0}")
  @ValueSource(booleans = {false, true})
  void theCountBoundKeepsTheNewestAndTheNumberingGoesOn(boolean rocks) {
    ShardStorage s = open(rocks);
    write(s, 10);
    assertThat(new ChangeRetention(4, 1L << 30, Long.MAX_VALUE).enforce(s.changeLog(), 10_000)).isEqualTo(6);
    assertThat(seqs(s.changeLog())).containsExactly(7L, 8L, 9L, 10L);
    assertThat(s.changeLog().oldestSeq()).isEqualTo(7);
    write(s, 1);
    assertThat(seqs(s.changeLog())).containsExactly(7L, 8L, 9L, 10L, 11L);
  }

  @ParameterizedTest(name = "rocksdb={0}")
  @ValueSource(booleans = {false, true})
  void theAgeBoundTrimsWhatIsOlderThanItOnly(boolean rocks) {
    ShardStorage s = open(rocks);
    write(s, 10);
    new ChangeRetention(1_000, 1L << 30, 3_500).enforce(s.changeLog(), 10_000); // keeps ts >= 6500
    assertThat(seqs(s.changeLog())).containsExactly(7L, 8L, 9L, 10L);
  }

  @ParameterizedTest(name = "rocksdb={0}")
  @ValueSource(booleans = {false, true})
  void theBytesBoundKeepsAboutThatMuch(boolean rocks) {
    ShardStorage s = open(rocks);
    write(s, 100);
    long bytes = s.changeLog().approximateBytes();
    new ChangeRetention(1_000, bytes / 4, Long.MAX_VALUE).enforce(s.changeLog(), 0);
    assertThat(seqs(s.changeLog())).hasSizeBetween(20, 26).last().isEqualTo(100L);
    assertThat(new ChangeRetention(1_000, bytes / 4, Long.MAX_VALUE).enforce(s.changeLog(), 0)).as("stable")
        .isLessThanOrEqualTo(1);
  }

  @Test
  void aTrimmedLogReopensWithItsOldestAndLastSeq() {
    ShardStorage s = open(true);
    write(s, 5);
    new ChangeRetention(2, 1L << 30, Long.MAX_VALUE).enforce(s.changeLog(), 0);
    engine.close();
    engine = null;
    ShardStorage again = open(true);
    assertThat(again.changeLog().oldestSeq()).isEqualTo(4);
    assertThat(again.changeLog().lastSeq()).isEqualTo(5);
  }
}
