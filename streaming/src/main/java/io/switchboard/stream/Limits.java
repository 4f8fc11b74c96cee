package io.switchboard.stream;

import java.time.Duration;
import java.util.function.ToIntFunction;

/** Small checks shared by the bounded classes of this package. */
final class Limits {
  private Limits() {}

  /** Returns the duration in nanoseconds, saturated at {@link Long#MAX_VALUE}. */
  static long nanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * Returns the size of a message by the user's function, checked against a bound.
   *
   * @throws IllegalArgumentException if the size is negative or above {@code max}
   */
  static <T> int checkedSize(
      ToIntFunction<? super T> sizeFunction, T message, long max, String bound) {
    int size = sizeFunction.applyAsInt(message);
    if (size < 0 || size > max) {
      throw new IllegalArgumentException(
          "message size: " + size + " bytes (expected: 0.." + max + ", " + bound + ")");
    }
    return size;
  }
}
