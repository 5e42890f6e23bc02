package dev.oprc.odgm.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloserTest {
  @Test
  void closesInReverseOrderOfPushing() {
    List<String> closed = new ArrayList<>();
    Closer c = new Closer();
    c.push("a", () -> closed.add("a"));
    c.push("b", () -> closed.add("b"));
    c.push("c", () -> closed.add("c"));

    assertThat(c.closeAll()).isNull();
    assertThat(closed).containsExactly("c", "b", "a");
  }

  @Test
  void aFailingCloseDoesNotStopTheOthersAndIsReturned() {
    List<String> closed = new ArrayList<>();
    Closer c = new Closer();
    c.push("a", () -> closed.add("a"));
    c.push("b", () -> {
      throw new IllegalStateException("b failed");
    });
    c.push("c", () -> closed.add("c"));

    Exception first = c.closeAll();

    assertThat(closed).containsExactly("c", "a");
    assertThat(first).hasMessage("b failed");
  }

  @Test
  void closingTwiceClosesNothingTwice() {
    List<String> closed = new ArrayList<>();
    Closer c = new Closer();
    c.push("a", () -> closed.add("a"));
    c.close();
    c.close();

    assertThat(closed).containsExactly("a");
    assertThat(c.size()).isZero();
  }

  @Test
  void pushingAfterCloseIsRefused() {
    Closer c = new Closer();
    c.close();

    assertThatThrownBy(() -> c.push("late", () -> { })).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("late");
  }
}
