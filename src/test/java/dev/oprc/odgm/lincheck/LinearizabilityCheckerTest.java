package dev.oprc.odgm.lincheck;

import static dev.oprc.odgm.lincheck.Operation.cas;
import static dev.oprc.odgm.lincheck.Operation.read;
import static dev.oprc.odgm.lincheck.Operation.unknownCas;
import static dev.oprc.odgm.lincheck.Operation.unknownRead;
import static dev.oprc.odgm.lincheck.Operation.unknownWrite;
import static dev.oprc.odgm.lincheck.Operation.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The checker on hand-made histories: what a linearizable register allows, and the classic violations. */
class LinearizabilityCheckerTest {
  private static final Path ARTIFACTS = Path.of("target", "lincheck");

  private static LinearizabilityChecker.Verdict check(TestInfo info, Operation... ops) {
    LinearizabilityChecker.Verdict v = LinearizabilityChecker.check(List.of(ops));
    if (!v.linearizable()) {
      v.writeReport(ARTIFACTS, "unit-" + info.getTestMethod().orElseThrow().getName());
    }
    return v;
  }

  @Test
  void aSequentialHistoryOfWritesReadsAndCasIsLinearizable(TestInfo info) {
    assertThat(check(info,
        read(0, 0, "k", 0, 1, null, 0),
        write(1, 0, "k", 2, 3, "a"),
        read(2, 0, "k", 4, 5, "a", 1),
        cas(3, 0, "k", 6, 7, 1, "b", true),
        cas(4, 0, "k", 8, 9, 1, "c", false),
        read(5, 0, "k", 10, 11, "b", 2)).linearizable()).isTrue();
  }

  @Test
  void aReadConcurrentWithAWriteMaySeeEitherValue(TestInfo info) {
    Operation w = write(0, 0, "k", 0, 1, "a");
    Operation w2 = write(1, 0, "k", 10, 20, "b");
    assertThat(check(info, w, w2, read(2, 1, "k", 11, 12, "a", 1)).linearizable()).isTrue();
    assertThat(check(info, w, w2, read(2, 1, "k", 11, 12, "b", 2)).linearizable()).isTrue();
  }

  @Test
  void readsMayOrderConcurrentWritesEitherWayButMustAgree(TestInfo info) {
    Operation a = write(0, 0, "k", 0, 10, "a");
    Operation b = write(1, 1, "k", 0, 10, "b");
    assertThat(check(info, a, b, read(2, 2, "k", 11, 12, "a", 2), read(3, 2, "k", 13, 14, "a", 2))
        .linearizable()).isTrue();
    assertThat(check(info, a, b, read(2, 2, "k", 11, 12, "b", 2), read(3, 3, "k", 13, 14, "a", 2))
        .linearizable()).isFalse(); // both writes returned before the reads: no flip-flop
  }

  @Test
  void aStaleReadAfterAnAcknowledgedWriteIsRejectedAndTheHistoryKept(TestInfo info) throws Exception {
    LinearizabilityChecker.Verdict v = check(info,
        write(0, 0, "k", 0, 1, "a"),
        write(1, 0, "k", 2, 3, "b"),
        read(2, 1, "k", 4, 5, "a", 1));
    assertThat(v.linearizable()).isFalse();
    Path file = ARTIFACTS.resolve("unit-aStaleReadAfterAnAcknowledgedWriteIsRejectedAndTheHistoryKept.txt");
    assertThat(Files.readString(file)).contains("NOT LINEARIZABLE", "key k: NOT_LINEARIZABLE",
        "read -> \"a\" @v1", "write \"b\" -> ok", "longest linearizable prefix found (1 operations)",
        "state after it: \"a\"@v1");
  }

  @Test
  void aKeptHistoryFileReadsBackAsTheSameHistory(TestInfo info) throws Exception {
    LinearizabilityChecker.Verdict v = LinearizabilityChecker.check(List.of(
        write(0, 0, "k", 0, 1, "a"), unknownCas(1, 1, "k", 2, 1, "b"), read(2, 2, "k", 3, 4, null, 0)),
        Map.of("k", new RegisterState("s", 4)));
    v.writeReport(ARTIFACTS, "unit-roundtrip");
    HistoryFile.Loaded back = HistoryFile.read(ARTIFACTS.resolve("unit-roundtrip.history.tsv"));
    assertThat(back.history()).isEqualTo(v.history());
    assertThat(back.initial()).containsExactly(Map.entry("k", new RegisterState("s", 4)));
  }

  @Test
  void aReadReportingTheRightValueAtTheWrongVersionIsRejected(TestInfo info) {
    assertThat(check(info, write(0, 0, "k", 0, 1, "a"), read(1, 0, "k", 2, 3, "a", 2)).linearizable()).isFalse();
  }

  @Test
  void rewritingTheSameValueKeepsTheVersion(TestInfo info) {
    assertThat(check(info, write(0, 0, "k", 0, 1, "a"), write(1, 0, "k", 2, 3, "a"), read(2, 0, "k", 4, 5, "a", 1))
        .linearizable()).isTrue();
  }

  @Test
  void twoCasFromTheSameVersionCannotBothSucceed(TestInfo info) {
    assertThat(check(info,
        write(0, 0, "k", 0, 1, "a"),
        cas(1, 1, "k", 2, 10, 1, "b", true),
        cas(2, 2, "k", 2, 10, 1, "c", true)).linearizable()).isFalse();
  }

  @Test
  void anAcknowledgedCasThatALaterReadDoesNotSeeIsALostWrite(TestInfo info) {
    assertThat(check(info,
        write(0, 0, "k", 0, 1, "a"),
        cas(1, 1, "k", 2, 3, 1, "b", true),
        read(2, 2, "k", 4, 5, "a", 1)).linearizable()).isFalse();
  }

  @Test
  void aCasRefusedAtTheCurrentVersionIsRejected(TestInfo info) {
    assertThat(check(info, write(0, 0, "k", 0, 1, "a"), cas(1, 0, "k", 2, 3, 1, "b", false)).linearizable())
        .isFalse();
  }

  @Test
  void aCasOnAnAbsentObjectExpectsVersionZero(TestInfo info) {
    assertThat(check(info, cas(0, 0, "k", 0, 1, 0, "a", true), read(1, 0, "k", 2, 3, "a", 1)).linearizable())
        .isTrue();
  }

  @Test
  void aWriteOfUnknownOutcomeMayTakeEffectLongAfterItsInvocationOrNever(TestInfo info) {
    Operation lost = unknownWrite(0, 0, "k", 0, "x");
    assertThat(check(info, lost, write(1, 1, "k", 5, 6, "a"), read(2, 1, "k", 7, 8, "a", 1)).linearizable())
        .isTrue(); // never (or after everything)
    assertThat(check(info, lost, write(1, 1, "k", 5, 6, "a"), read(2, 1, "k", 7, 8, "x", 2)).linearizable())
        .isTrue(); // after the write of a
  }

  @Test
  void aWriteOfUnknownOutcomeCannotTakeEffectBeforeItWasInvoked(TestInfo info) {
    assertThat(check(info, read(0, 1, "k", 0, 1, "x", 1), unknownWrite(1, 0, "k", 2, "x")).linearizable()).isFalse();
  }

  @Test
  void aValueSeenAndThenUnseenIsRejectedEvenWhenItsWriteTimedOut(TestInfo info) {
    assertThat(check(info,
        write(0, 0, "k", 0, 1, "a"),
        unknownWrite(1, 1, "k", 2, "x"),
        read(2, 2, "k", 3, 4, "x", 2),
        read(3, 2, "k", 5, 6, "a", 1)).linearizable()).isFalse();
  }

  @Test
  void aCasOfUnknownOutcomeAppliesOnlyFromItsExpectedVersion(TestInfo info) {
    assertThat(check(info, write(0, 0, "k", 0, 1, "a"), unknownCas(1, 1, "k", 2, 1, "b"),
        read(2, 0, "k", 3, 4, "b", 2)).linearizable()).isTrue();
    assertThat(check(info, write(0, 0, "k", 0, 1, "a"), unknownCas(1, 1, "k", 2, 7, "b"),
        read(2, 0, "k", 3, 4, "b", 2)).linearizable()).isFalse();
  }

  /**
   * Thirty CAS of unknown outcome from a version the register left at once, concurrent with a
   * long history that ends in a stale read: an exhaustive search would try every subset of them
   * at every point; they are dead (versions never go back), so the violation is found at once.
   */
  @Test
  void deadCasOfUnknownOutcomeDoNotBlowUpTheSearchForAViolation(TestInfo info) {
    List<Operation> h = new ArrayList<>();
    h.add(write(0, 0, "k", 0, 1, "a"));
    for (int i = 1; i <= 30; i++) {
      h.add(unknownCas(i, i, "k", 0, 0, "x" + i));
    }
    int id = 31;
    for (int i = 0; i < 200; i++, id++) {
      h.add(write(id, 0, "k", 10 + 10L * i, 15 + 10L * i, "w" + i));
    }
    h.add(read(id, 40, "k", 5_000, 5_001, "w3", 5)); // stale: w199 was acknowledged long before
    LinearizabilityChecker.Verdict v = check(info, h.toArray(new Operation[0]));
    // decided (not UNDECIDED) means within the search budget of configurations: a count, not a time
    assertThat(v.keys().get(0).outcome()).isEqualTo(LinearizabilityChecker.Outcome.NOT_LINEARIZABLE);
  }

  /**
   * Thirty writes of unknown outcome at once (a failover), of which reads show exactly one took
   * effect, then a stale read: the versions the reads saw rule out every larger subset, so the
   * search proves the violation without trying the 2^30 subsets.
   */
  @Test
  void versionsSeenByReadsBoundTheWritesOfUnknownOutcomeThatCanHaveHappened(TestInfo info) {
    List<Operation> h = new ArrayList<>();
    h.add(write(0, 0, "k", 0, 1, "a"));
    for (int i = 1; i <= 30; i++) {
      h.add(unknownWrite(i, i, "k", 2, "x" + i));
    }
    h.add(read(31, 0, "k", 100, 101, "x7", 2));
    h.add(write(32, 0, "k", 102, 103, "b"));
    h.add(read(33, 0, "k", 104, 105, "b", 3));
    h.add(read(34, 40, "k", 200, 201, "x7", 2)); // stale
    assertThat(check(info, h.toArray(new Operation[0])).keys().get(0).outcome())
        .isEqualTo(LinearizabilityChecker.Outcome.NOT_LINEARIZABLE);
  }

  /**
   * A history recorded by RaftLinearizabilityProcessTest through a leader kill (174 outcomes
   * unknown) is decided within the checker's search budget (a count of configurations).
   */
  @Test
  void aRecordedFailoverHistoryIsDecidedWithinTheSearchBudget() throws Exception {
    Path file = Path.of(getClass().getResource("/lincheck/raft-leader-kill-1.history.tsv").toURI());
    HistoryFile.Loaded h = HistoryFile.read(file);
    LinearizabilityChecker.Verdict v = LinearizabilityChecker.check(h.history(), h.initial());
    assertThat(v.linearizable()).as(v.report()).isTrue();
  }

  @Test
  void aReadOfUnknownOutcomeConstrainsNothing(TestInfo info) {
    assertThat(check(info, write(0, 0, "k", 0, 1, "a"), unknownRead(1, 1, "k", 2), read(2, 0, "k", 3, 4, "a", 1))
        .linearizable()).isTrue();
  }

  @Test
  void keysAreCheckedIndependentlyAndTheFailingOneIsNamed(TestInfo info) {
    LinearizabilityChecker.Verdict v = check(info,
        write(0, 0, "good", 0, 1, "a"), read(1, 0, "good", 2, 3, "a", 1),
        write(2, 0, "bad", 0, 1, "a"), read(3, 0, "bad", 2, 3, null, 0));
    assertThat(v.linearizable()).isFalse();
    assertThat(v.keys()).extracting(LinearizabilityChecker.KeyVerdict::key, LinearizabilityChecker.KeyVerdict::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("bad", LinearizabilityChecker.Outcome.NOT_LINEARIZABLE),
            org.assertj.core.groups.Tuple.tuple("good", LinearizabilityChecker.Outcome.LINEARIZABLE));
  }

  @Test
  void theInitialStateOfAKeyCanBeGiven() {
    List<Operation> h = List.of(read(0, 0, "k", 0, 1, "seed", 3), cas(1, 0, "k", 2, 3, 3, "b", true));
    assertThat(LinearizabilityChecker.check(h, Map.of("k", new RegisterState("seed", 3))).linearizable()).isTrue();
    assertThat(LinearizabilityChecker.check(h).linearizable()).isFalse();
  }

  @Test
  void operationsThatContradictThemselvesAreRefusedWithTheirId() {
    assertThatThrownBy(() -> new Operation(7, 0, "k", Operation.Kind.WRITE, "a", 0, 5, 4, Operation.Status.OK))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("operation 7");
    assertThatThrownBy(() -> new Operation(8, 0, "k", Operation.Kind.WRITE, "a", 0, 5, 6, Operation.Status.FAILED))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only a CAS can fail");
  }

  /**
   * A simulated atomic register with 8 concurrent clients (each operation takes effect at a random
   * instant inside its interval, some answers lost) produces linearizable histories, which the
   * checker accepts within its search budget (a count of configurations; UNDECIDED otherwise).
   */
  @Test
  void randomHistoriesOfAnAtomicRegisterAreAcceptedWithinTheSearchBudget() {
    for (long seed = 1; seed <= 6; seed++) {
      List<Operation> h = simulate(new SplittableRandom(seed), 8, 400);
      LinearizabilityChecker.Verdict v = LinearizabilityChecker.check(h);
      assertThat(v.linearizable()).as("seed %d:\n%s", seed, v.linearizable() ? "" : v.report()).isTrue();
    }
  }

  /** Clients issue back-to-back ops of random length; each takes effect at a random instant within its interval. */
  private static List<Operation> simulate(SplittableRandom rnd, int clients, int perClient) {
    record Planned(int client, long inv, long ret, long at, int kind, long expected) {}
    List<Planned> planned = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      long t = rnd.nextLong(10);
      for (int i = 0; i < perClient; i++) {
        long len = 1 + rnd.nextLong(40);
        planned.add(new Planned(c, t, t + len, t + rnd.nextLong(len + 1), rnd.nextInt(3), 0));
        t += len + rnd.nextLong(5);
      }
    }
    planned.sort(java.util.Comparator.comparingLong(Planned::at));
    List<Operation> out = new ArrayList<>();
    RegisterState s = RegisterState.ABSENT;
    int id = 0;
    for (Planned p : planned) {
      boolean lost = rnd.nextInt(50) == 0;
      String v = "v" + id;
      switch (p.kind()) {
        case 0 -> out.add(lost ? unknownRead(id, p.client(), "k", p.inv())
            : read(id, p.client(), "k", p.inv(), p.ret(), s.value(), s.version()));
        case 1 -> {
          s = s.written(v);
          out.add(lost ? unknownWrite(id, p.client(), "k", p.inv(), v) : write(id, p.client(), "k", p.inv(), p.ret(), v));
        }
        default -> {
          long expected = rnd.nextBoolean() ? s.version() : Math.max(0, s.version() - 1);
          boolean ok = expected == s.version();
          if (ok) {
            s = s.written(v);
          }
          out.add(lost ? unknownCas(id, p.client(), "k", p.inv(), expected, v)
              : cas(id, p.client(), "k", p.inv(), p.ret(), expected, v, ok));
        }
      }
      id++;
    }
    return out;
  }
}
