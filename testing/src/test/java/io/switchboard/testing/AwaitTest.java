package io.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {
  @Test
  void returnsOnceTheConditionHolds() {
    AtomicInteger polls = new AtomicInteger();
    Await.until(Duration.ofSeconds(10), () -> polls.incrementAndGet() >= 3, () -> "three polls");
    assertThat(polls).hasValue(3);
  }

  @Test
  void failsAfterTheTimeoutSayingWhatWasAwaited() {
    long start = System.nanoTime();
    assertThatThrownBy(
            () -> Await.until(Duration.ofMillis(50), () -> false, () -> "the impossible, saw 7"))
        .isInstanceOf(AssertionError.class)
        .hasMessage("not within PT0.05S: the impossible, saw 7");
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(50));
  }

  @Test
  void returnsTheValueThatSatisfiedTheCondition() {
    AtomicInteger counter = new AtomicInteger();
    int seen =
        Await.until(Duration.ofSeconds(10), "counter at 5", counter::incrementAndGet, n -> n == 5);
    assertThat(seen).isEqualTo(5);
  }

  @Test
  void failureNamesTheLastObservedValue() {
    AtomicInteger counter = new AtomicInteger();
    assertThatThrownBy(
            () ->
                Await.until(
                    Duration.ofMillis(30),
                    "a negative counter",
                    counter::incrementAndGet,
                    n -> n < 0))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("not within PT0.03S: a negative counter; last observed: ")
        .hasMessageEndingWith(": " + counter.get());
  }

  @Test
  void anInterruptEndsTheWaitAndStaysSet() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> Await.until(Duration.ofSeconds(10), () -> false, () -> "never"))
          .isInstanceOf(AssertionError.class)
          .hasMessage("interrupted while waiting: never");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void whatTheConditionThrowsReachesTheCaller() {
    assertThatThrownBy(
            () ->
                Await.until(
                    Duration.ofSeconds(10),
                    () -> {
                      throw new IllegalStateException("broken probe");
                    },
                    () -> "never"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("broken probe");
  }
}
