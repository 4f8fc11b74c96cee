package io.switchboard.batch;

import io.grpc.Status;
import io.switchboard.core.internal.Checks;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a {@link BatchExecutor} retries failed items: on which status codes, how many attempts, and
 * how long it waits between them (exponential backoff with jitter, capped). Immutable; made by
 * {@link #newBuilder()}.
 *
 * <p>The wait before attempt {@code n + 1} is {@code min(maxBackoff, initialBackoff ×
 * multiplier^(n-1))}, then reduced by a random fraction of up to {@code jitter} so that items that
 * failed together do not retry together. In per-batch mode only the items that failed with a
 * retryable code are sent again, together, as the same batch.
 */
public final class RetrySettings {
  /** Hard cap on attempts per item: past ten, a failure is not transient. */
  public static final int MAX_ATTEMPTS_LIMIT = 10;

  /**
   * Three attempts: grpc's retry design (gRFC A6) suggests small numbers; two retries ride out a
   * blip.
   */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  /** 100 ms: long enough for a restarted backend or a reconnect, short next to a batch's work. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);

  /** 5 s cap: a wait longer than this rarely helps an interactive batch. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);

  /** Doubling, as grpc's connection backoff and gRFC A6 examples do. */
  public static final double DEFAULT_MULTIPLIER = 2.0;

  /** Up to 20% shorter waits, grpc's connection-backoff jitter. */
  public static final double DEFAULT_JITTER = 0.2;

  /**
   * Only {@code UNAVAILABLE} by default: the code grpc uses for "not processed, try again"; other
   * codes may mean the server acted, and retrying a write is the caller's call.
   */
  public static final Set<Status.Code> DEFAULT_RETRYABLE_CODES =
      Collections.unmodifiableSet(EnumSet.of(Status.Code.UNAVAILABLE));

  private static final RetrySettings NONE = newBuilder().maxAttempts(1).build();
  private static final RetrySettings DEFAULTS = newBuilder().build();

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double multiplier;
  private final double jitter;
  private final Set<Status.Code> retryableCodes;

  private RetrySettings(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.multiplier = b.multiplier;
    this.jitter = b.jitter;
    this.retryableCodes = Collections.unmodifiableSet(EnumSet.copyOf(b.retryableCodes));
  }

  /** Returns settings that never retry (one attempt per item). */
  public static RetrySettings none() {
    return NONE;
  }

  /** Returns the default settings (the {@code DEFAULT_*} constants). */
  public static RetrySettings defaults() {
    return DEFAULTS;
  }

  /** Returns a builder holding the defaults. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Returns a builder holding these settings. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Returns the most attempts an item gets, the first one included. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** Returns the wait before the first retry, before jitter. */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /** Returns the longest wait between attempts. */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /** Returns the factor the wait grows by per attempt. */
  public double multiplier() {
    return multiplier;
  }

  /** Returns the largest fraction by which a wait is randomly shortened. */
  public double jitter() {
    return jitter;
  }

  /** Returns the codes on which a failed item is retried. */
  public Set<Status.Code> retryableCodes() {
    return retryableCodes;
  }

  boolean isRetryable(Status.Code code) {
    return maxAttempts > 1 && retryableCodes.contains(code);
  }

  /** The wait after attempt {@code attempt} (1-based) failed, jitter applied. */
  long backoffNanos(int attempt) {
    double nanos = initialBackoff.toNanos() * Math.pow(multiplier, attempt - 1);
    nanos = Math.min(nanos, maxBackoff.toNanos());
    nanos *= 1 - jitter * ThreadLocalRandom.current().nextDouble();
    return (long) nanos;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RetrySettings r
        && r.maxAttempts == maxAttempts
        && r.initialBackoff.equals(initialBackoff)
        && r.maxBackoff.equals(maxBackoff)
        && r.multiplier == multiplier
        && r.jitter == jitter
        && r.retryableCodes.equals(retryableCodes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, retryableCodes);
  }

  @Override
  public String toString() {
    return "RetrySettings{maxAttempts="
        + maxAttempts
        + ", backoff="
        + initialBackoff
        + ".."
        + maxBackoff
        + " ×"
        + multiplier
        + ", jitter="
        + jitter
        + ", on="
        + retryableCodes
        + "}";
  }

  /** Builds {@link RetrySettings}; each setter checks its argument at once. Not thread-safe. */
  public static final class Builder {
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private double multiplier = DEFAULT_MULTIPLIER;
    private double jitter = DEFAULT_JITTER;
    private Set<Status.Code> retryableCodes = EnumSet.copyOf(DEFAULT_RETRYABLE_CODES);

    private Builder() {}

    private Builder(RetrySettings s) {
      this.maxAttempts = s.maxAttempts;
      this.initialBackoff = s.initialBackoff;
      this.maxBackoff = s.maxBackoff;
      this.multiplier = s.multiplier;
      this.jitter = s.jitter;
      this.retryableCodes = EnumSet.copyOf(s.retryableCodes);
    }

    /**
     * Sets the most attempts per item, the first one included; 1 means no retries.
     *
     * @throws IllegalArgumentException if outside 1..{@value #MAX_ATTEMPTS_LIMIT}
     */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = Checks.inRange("maxAttempts", maxAttempts, 1, MAX_ATTEMPTS_LIMIT);
      return this;
    }

    /**
     * Sets the wait before the first retry.
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if zero or negative
     */
    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = Checks.positive("initialBackoff", initialBackoff);
      return this;
    }

    /**
     * Sets the longest wait between attempts.
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if zero or negative
     */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = Checks.positive("maxBackoff", maxBackoff);
      return this;
    }

    /**
     * Sets the factor the wait grows by per attempt.
     *
     * @throws IllegalArgumentException if outside 1.0..10.0
     */
    public Builder multiplier(double multiplier) {
      this.multiplier = Checks.inRange("multiplier", multiplier, 1.0, 10.0);
      return this;
    }

    /**
     * Sets the largest fraction by which a wait is randomly shortened: 0 for none, 1 for "full
     * jitter" (anywhere between 0 and the wait).
     *
     * @throws IllegalArgumentException if outside 0.0..1.0
     */
    public Builder jitter(double jitter) {
      this.jitter = Checks.inRange("jitter", jitter, 0.0, 1.0);
      return this;
    }

    /**
     * Sets the codes on which a failed item is retried.
     *
     * @throws NullPointerException if the set or a code is null
     * @throws IllegalArgumentException if the set is empty or holds {@code OK}
     */
    public Builder retryableCodes(Set<Status.Code> codes) {
      Objects.requireNonNull(codes, "retryableCodes");
      for (Status.Code code : codes) {
        Objects.requireNonNull(code, "retryableCodes holds null");
      }
      if (codes.isEmpty()) {
        throw new IllegalArgumentException(
            "retryableCodes: [] (expected: at least one code; use maxAttempts(1) for no retries)");
      }
      if (codes.contains(Status.Code.OK)) {
        throw new IllegalArgumentException(
            "retryableCodes: " + codes + " (expected: failure codes only, not OK)");
      }
      this.retryableCodes = EnumSet.copyOf(codes);
      return this;
    }

    /**
     * Returns the settings.
     *
     * @throws IllegalArgumentException if {@code initialBackoff} exceeds {@code maxBackoff}
     */
    public RetrySettings build() {
      if (initialBackoff.compareTo(maxBackoff) > 0) {
        throw new IllegalArgumentException(
            "initialBackoff: " + initialBackoff + " (expected: <= maxBackoff " + maxBackoff + ")");
      }
      return new RetrySettings(this);
    }
  }
}
