package dev.oprc.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

final class ProcStatsTest {
  // fields 14 (utime) = 1500 and 15 (stime) = 250
  private static final String STAT = "4242 (java) S 1 4242 4242 0 -1 4194560 52643 0 12 0 1500 250 0 0 20 0 61 0 "
      + "1234 6066241536 95234 18446744073709551615 1 1 0 0 0 0 4 0 16800975 0 0 0 17 1 0 0 0 0 0";

  @Test
  void cpuTicks_isUtimePlusStime() {
    assertThat(ProcStats.parseCpuTicks(STAT)).isEqualTo(1750);
  }

  @Test
  void cpuTicks_countsFieldsAfterTheLastParenthesis() {
    String odd = STAT.replace("(java)", "(we ird) (name))");
    assertThat(ProcStats.parseCpuTicks(odd)).isEqualTo(1750);
  }

  @Test
  void cpuTicks_rejectsGarbage() {
    assertThatThrownBy(() -> ProcStats.parseCpuTicks("no parenthesis here")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProcStats.parseCpuTicks("1 (x) S 1 2")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void statusFields_readRssAndThreads() {
    String status = "Name:\tjava\nVmPeak:\t 9000 kB\nVmRSS:\t  380928 kB\nRssAnon:\t 1 kB\nThreads:\t59\n";
    assertThat(ProcStats.parseStatusField(status, "VmRSS:")).isEqualTo(380928);
    assertThat(ProcStats.parseStatusField(status, "Threads:")).isEqualTo(59);
    assertThat(ProcStats.parseStatusField(status, "VmSwap:")).isEqualTo(-1);
  }

  @Test
  void read_ownProcess() {
    ProcStats.Sample s = ProcStats.read(ProcessHandle.current().pid());
    if (s != null) { // null only without /proc
      assertThat(s.rssKib()).isPositive();
      assertThat(s.threads()).isPositive();
      assertThat(s.cpuTicks()).isNotNegative();
    }
  }
}
