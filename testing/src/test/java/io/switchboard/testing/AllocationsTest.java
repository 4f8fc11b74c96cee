package io.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AllocationsTest {
  static volatile Object sink;

  @Test
  void seesWhatWorkAllocatesAndNothingWhenItDoesNot() {
    long allocating =
        Allocations.leastBytesAllocated(
            3,
            () -> {
              for (int i = 0; i < 1_000; i++) {
                sink = new byte[128];
              }
            });
    assertThat(allocating).isGreaterThanOrEqualTo(128_000);
    long[] counter = {0};
    long quiet = Allocations.leastBytesAllocated(3, () -> counter[0]++);
    assertThat(quiet).isLessThan(128);
  }

  @Test
  void needsAtLeastOneRound() {
    assertThatThrownBy(() -> Allocations.leastBytesAllocated(0, () -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rounds: 0 (expected: > 0)");
  }
}
