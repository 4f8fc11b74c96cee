package io.switchboard.batch;

import io.switchboard.core.ExperimentalApi;
import io.switchboard.core.internal.Checks;
import java.util.Objects;

/**
 * How many calls a {@link BatchExecutor} keeps in flight: a fixed number, or an adaptive limit that
 * backs off when the server pushes back and grows while it is healthy.
 *
 * <p>A call is one item's call in per-item mode and one batch's call in per-batch mode. A call
 * holds its slot from its first attempt until its items are reported, including the waits between
 * retries, so the memory a run holds is bounded by {@code max × batch size} items.
 *
 * <p>The {@linkplain #adaptive adaptive} limit is AIMD (additive increase, multiplicative
 * decrease), the shape of TCP congestion control and of Netflix concurrency-limits' {@code
 * AIMDLimit}: every call that ends with {@code RESOURCE_EXHAUSTED}, {@code UNAVAILABLE} or {@code
 * DEADLINE_EXCEEDED}, or whose latency rises above {@value #LATENCY_TOLERANCE}× the long-run
 * average, multiplies the limit by {@value #BACKOFF_RATIO}; every other call that ends while at
 * least half the limit is in use adds one. Instances are immutable.
 */
public final class Concurrency {
  /**
   * Largest limit accepted: far past any server's useful concurrency, small enough to stay sane.
   */
  public static final int MAX_LIMIT = 10_000;

  /** Factor applied to the adaptive limit on push-back: Netflix AIMDLimit's default backoff. */
  public static final double BACKOFF_RATIO = 0.9;

  /**
   * How far a call's latency may exceed the long-run average before the adaptive limit treats it as
   * congestion: 2×, loose enough that ordinary jitter does not shrink the limit.
   */
  public static final double LATENCY_TOLERANCE = 2.0;

  private final boolean adaptive;
  private final int min;
  private final int initial;
  private final int max;

  private Concurrency(boolean adaptive, int min, int initial, int max) {
    this.adaptive = adaptive;
    this.min = min;
    this.initial = initial;
    this.max = max;
  }

  /**
   * Returns a fixed limit of {@code limit} calls in flight.
   *
   * @throws IllegalArgumentException if the limit is outside 1..{@value #MAX_LIMIT}
   */
  public static Concurrency fixed(int limit) {
    Checks.inRange("limit", limit, 1, MAX_LIMIT);
    return new Concurrency(false, limit, limit, limit);
  }

  /**
   * Returns an adaptive (AIMD) limit that starts at {@code initial} and stays within {@code
   * min..max}.
   *
   * @throws IllegalArgumentException if {@code min} is outside 1..{@value #MAX_LIMIT}, {@code max}
   *     is below {@code min} or above {@value #MAX_LIMIT}, or {@code initial} is outside {@code
   *     min..max}
   */
  @ExperimentalApi("the AIMD heuristic (ratios, latency tolerance) may change with measurements")
  public static Concurrency adaptive(int min, int initial, int max) {
    Checks.inRange("min", min, 1, MAX_LIMIT);
    Checks.inRange("max", max, min, MAX_LIMIT);
    Checks.inRange("initial", initial, min, max);
    return new Concurrency(true, min, initial, max);
  }

  /** Returns true for an adaptive limit. */
  public boolean isAdaptive() {
    return adaptive;
  }

  /** Returns the smallest the limit can get (the fixed limit, for a fixed one). */
  public int min() {
    return min;
  }

  /** Returns the limit a run starts with. */
  public int initial() {
    return initial;
  }

  /** Returns the largest the limit can get (the fixed limit, for a fixed one). */
  public int max() {
    return max;
  }

  Limiter newLimiter() {
    return adaptive ? new Limiter.Aimd(min, initial, max) : new Limiter.Fixed(initial);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Concurrency c
        && c.adaptive == adaptive
        && c.min == min
        && c.initial == initial
        && c.max == max;
  }

  @Override
  public int hashCode() {
    return Objects.hash(adaptive, min, initial, max);
  }

  @Override
  public String toString() {
    return adaptive
        ? "Concurrency{adaptive " + min + ".." + max + ", initial " + initial + "}"
        : "Concurrency{fixed " + initial + "}";
  }
}
