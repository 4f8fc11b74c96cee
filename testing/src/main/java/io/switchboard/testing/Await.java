package io.switchboard.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits in a test for a condition that nothing signals: polls it every {@value #POLL_MILLIS} ms
 * until it holds or a deadline passes, then fails with what was awaited and what was last seen.
 * Prefer a latch or a future when the code under test completes one; use this for state that is
 * only observable (a counter, a thread's state, a log line).
 *
 * <pre>{@code
 * Await.until(Duration.ofSeconds(10), () -> pool.size() == 4, () -> "4 channels, saw " + pool);
 * long served = Await.until(Duration.ofSeconds(10), "calls served", echo::calls, n -> n >= 3);
 * }</pre>
 */
public final class Await {
  /** Between two looks at the condition: short next to any timeout a test uses. */
  public static final long POLL_MILLIS = 5;

  private Await() {}

  /**
   * Returns once the condition holds; fails if it still does not after the timeout.
   *
   * @param timeout how long to wait at most
   * @param condition what to wait for; what it throws ends the wait and reaches the caller
   * @param whatFailed what was awaited and what state was seen, asked for only on failure
   * @throws AssertionError after the timeout: {@code "not within PT10S: <whatFailed>"}; or if the
   *     thread is interrupted (its interrupt flag stays set)
   * @throws NullPointerException if an argument is null
   */
  public static void until(
      Duration timeout, BooleanSupplier condition, Supplier<String> whatFailed) {
    Objects.requireNonNull(condition, "condition");
    Objects.requireNonNull(whatFailed, "whatFailed");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within " + timeout + ": " + whatFailed.get());
      }
      pause(whatFailed);
    }
  }

  /**
   * Returns the first value observed that satisfies the condition; fails if none does before the
   * timeout.
   *
   * @param timeout how long to wait at most
   * @param what what is awaited, for the failure message
   * @param observe reads the current value; what it throws ends the wait and reaches the caller
   * @param condition what the value must satisfy
   * @return the value that satisfied the condition
   * @throws AssertionError after the timeout: {@code "not within PT10S: <what>; last observed:
   *     <value>"}; or if the thread is interrupted (its interrupt flag stays set)
   * @throws NullPointerException if an argument is null
   */
  public static <T> T until(
      Duration timeout,
      String what,
      Supplier<? extends T> observe,
      Predicate<? super T> condition) {
    Objects.requireNonNull(what, "what");
    Objects.requireNonNull(observe, "observe");
    Objects.requireNonNull(condition, "condition");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      T value = observe.get();
      if (condition.test(value)) {
        return value;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "not within " + timeout + ": " + what + "; last observed: " + value);
      }
      pause(() -> what + "; last observed: " + value);
    }
  }

  private static void pause(Supplier<String> what) {
    LockSupport.parkNanos(POLL_MILLIS * 1_000_000L); // the poll interval, not a stand-in
    if (Thread.interrupted()) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting: " + what.get());
    }
  }
}
