package dev.oprc.odgm.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineStatsTest {
  @TempDir
  Path dir;

  @Test
  void theCumulativeStallOfRocksDbsStatsIsReadInMicroseconds() {
    String stats = """
        ** DB Stats **
        Uptime(secs): 1.0 total, 1.0 interval
        Cumulative stall: 01:02:03.250 H:M:S, 0.5 percent
        Interval stall: 00:00:0.000 H:M:S, 0.0 percent
        """;
    assertThat(RocksStorageEngine.stallMicros(stats)).isEqualTo(((1 * 3600 + 2 * 60 + 3) * 1_000_000L) + 250_000L);
  }

  @Test
  void statsWithoutAStallLineReadAsNoStall() {
    assertThat(RocksStorageEngine.stallMicros("** DB Stats **\n")).isZero();
  }

  @Test
  void anOpenEngineReportsItsMemtablesAndNoStall() {
    try (RocksStorageEngine e = RocksStorageEngine.open(dir, SyncMode.NONE)) {
      RocksStorageEngine.EngineStats s = e.stats();
      assertThat(s.memtableBytes()).isPositive(); // an empty memtable still has its arena
      assertThat(s.stallMicros()).isZero();
      assertThat(s.pendingCompactionBytes()).isZero();
    }
  }

  @Test
  void aClosedEngineReportsZeros() {
    RocksStorageEngine e = RocksStorageEngine.open(dir, SyncMode.NONE);
    e.close();
    assertThat(e.stats()).isEqualTo(new RocksStorageEngine.EngineStats(0, 0, 0, 0));
  }
}
