package io.switchboard.core.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Argument checks that name the argument and its bound in Armeria's form, {@code "maxChannels: 0
 * (expected: > 0)"}. Each returns the value it checked, so a setter reads {@code this.limit =
 * Checks.positive("limit", limit);}.
 */
public final class Checks {
  private Checks() {}

  /**
   * Returns {@code value} if it is greater than zero.
   *
   * @throws IllegalArgumentException otherwise: {@code "name: value (expected: > 0)"}
   */
  public static int positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
    }
    return value;
  }

  /**
   * Returns {@code value} if it is greater than zero.
   *
   * @throws IllegalArgumentException otherwise: {@code "name: value (expected: > 0)"}
   */
  public static long positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
    }
    return value;
  }

  /**
   * Returns {@code value} if it is zero or more.
   *
   * @throws IllegalArgumentException otherwise: {@code "name: value (expected: >= 0)"}
   */
  public static int notNegative(String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
    }
    return value;
  }

  /**
   * Returns {@code value} if it is zero or more.
   *
   * @throws IllegalArgumentException otherwise: {@code "name: value (expected: >= 0)"}
   */
  public static long notNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
    }
    return value;
  }

  /**
   * Returns {@code value} if it lies in {@code min..max}, both included.
   *
   * @throws IllegalArgumentException otherwise: {@code "name: value (expected: min..max)"}
   */
  public static int inRange(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw outOfRange(name, value, min, max);
    }
    return value;
  }

  /**
   * Returns {@code value} if it lies in {@code min..max}, both included.
   *
   * @throws IllegalArgumentException otherwise: {@code "name: value (expected: min..max)"}
   */
  public static long inRange(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw outOfRange(name, value, min, max);
    }
    return value;
  }

  /**
   * Returns {@code value} if it lies in {@code min..max}, both included (NaN never does).
   *
   * @throws IllegalArgumentException otherwise: {@code "name: value (expected: min..max)"}
   */
  public static double inRange(String name, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw outOfRange(name, value, min, max);
    }
    return value;
  }

  /**
   * Returns {@code value} if it is longer than zero.
   *
   * @throws NullPointerException if it is null (the message is {@code name})
   * @throws IllegalArgumentException if it is zero or negative: {@code "name: PT0S (expected: >
   *     0)"}
   */
  public static Duration positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
    }
    return value;
  }

  /**
   * Returns {@code value} if it is zero or longer.
   *
   * @throws NullPointerException if it is null (the message is {@code name})
   * @throws IllegalArgumentException if it is negative: {@code "name: PT-1S (expected: >= 0)"}
   */
  public static Duration notNegative(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
    }
    return value;
  }

  /**
   * Returns {@code value} if it has a character other than white space.
   *
   * @throws NullPointerException if it is null (the message is {@code name})
   * @throws IllegalArgumentException if it is blank: {@code "name: \" \" (expected: not blank)"}
   */
  public static String notBlank(String name, String value) {
    Objects.requireNonNull(value, name);
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + ": \"" + value + "\" (expected: not blank)");
    }
    return value;
  }

  private static IllegalArgumentException outOfRange(
      String name, Object value, Object min, Object max) {
    return new IllegalArgumentException(
        name + ": " + value + " (expected: " + min + ".." + max + ")");
  }
}
