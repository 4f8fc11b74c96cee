package io.switchboard.batch;

import io.switchboard.core.internal.Checks;
import io.switchboard.core.metrics.MetricSink;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * How a {@link BatchExecutor} runs: batch size, calls in flight, deadlines, retries,
 * de-duplication, fail-fast, the executor calls start on, and where it reports its metrics.
 * Immutable; made by {@link #newBuilder()}, varied with {@link #toBuilder()}.
 */
public final class BatchSettings {
  /**
   * Hard maximum batch size: one request of 1000 small items stays well under grpc's default 4 MiB
   * message limit, and one slow or failed call never holds more than that many items.
   */
  public static final int MAX_BATCH_SIZE = 1000;

  /** 100 items per batch: the low end of the usual 100–1000, cheap to retry as a whole. */
  public static final int DEFAULT_BATCH_SIZE = 100;

  /**
   * 8 calls in flight: a worker pool's worth of batches, far below a server's default limit of 100
   * concurrent streams per connection (past which calls queue silently, grpc-java #8252). Raise it
   * (e.g. to 64) for per-item fan-out.
   */
  public static final Concurrency DEFAULT_CONCURRENCY = Concurrency.fixed(8);

  /**
   * 30 s per call attempt: ample for a batch of 1000 database lookups; a stuck call must not hold
   * its slot forever.
   */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);

  /** "batch": the executor's name in its metrics until one is set. */
  public static final String DEFAULT_NAME = "batch";

  private static final BatchSettings DEFAULTS = newBuilder().build();

  private final int batchSize;
  private final Concurrency concurrency;
  private final Duration callTimeout;
  private final Duration deadline;
  private final RetrySettings retry;
  private final boolean deduplicate;
  private final boolean failFast;
  private final Executor executor;
  private final String name;
  private final MetricSink metrics;

  private BatchSettings(Builder b) {
    this.batchSize = b.batchSize;
    this.concurrency = b.concurrency;
    this.callTimeout = b.callTimeout;
    this.deadline = b.deadline;
    this.retry = b.retry;
    this.deduplicate = b.deduplicate;
    this.failFast = b.failFast;
    this.executor = b.executor;
    this.name = b.name;
    this.metrics = b.metrics;
  }

  /** Returns the default settings. */
  public static BatchSettings defaults() {
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

  /** Returns the number of items per batch (per-batch mode only). */
  public int batchSize() {
    return batchSize;
  }

  /** Returns the limit on calls in flight. */
  public Concurrency concurrency() {
    return concurrency;
  }

  /** Returns how long one call attempt may take before it is failed with DEADLINE_EXCEEDED. */
  public Duration callTimeout() {
    return callTimeout;
  }

  /** Returns how long a whole run may take, if bounded. */
  public Optional<Duration> deadline() {
    return Optional.ofNullable(deadline);
  }

  /** Returns the retry settings. */
  public RetrySettings retry() {
    return retry;
  }

  /** Returns whether equal inputs are sent once. */
  public boolean deduplicate() {
    return deduplicate;
  }

  /** Returns whether the first final failure stops the run. */
  public boolean failFast() {
    return failFast;
  }

  /** Returns the executor that calls start on, if one was set. */
  public Optional<Executor> executor() {
    return Optional.ofNullable(executor);
  }

  /** Returns the executor's name in its metrics (attribute {@code switchboard.batch}). */
  public String name() {
    return name;
  }

  /** Returns where the executor reports its metrics; {@link MetricSink#noop()} by default. */
  public MetricSink metrics() {
    return metrics;
  }

  @Override
  public String toString() {
    return "BatchSettings{name="
        + name
        + ", batchSize="
        + batchSize
        + ", "
        + concurrency
        + ", callTimeout="
        + callTimeout
        + ", deadline="
        + (deadline == null ? "none" : deadline)
        + ", "
        + retry
        + ", deduplicate="
        + deduplicate
        + ", failFast="
        + failFast
        + ", executor="
        + (executor == null ? "none" : executor)
        + "}";
  }

  /** Builds {@link BatchSettings}; each setter checks its argument at once. Not thread-safe. */
  public static final class Builder {
    private int batchSize = DEFAULT_BATCH_SIZE;
    private Concurrency concurrency = DEFAULT_CONCURRENCY;
    private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
    private Duration deadline;
    private RetrySettings retry = RetrySettings.defaults();
    private boolean deduplicate;
    private boolean failFast;
    private Executor executor;
    private String name = DEFAULT_NAME;
    private MetricSink metrics = MetricSink.noop();

    private Builder() {}

    private Builder(BatchSettings s) {
      this.batchSize = s.batchSize;
      this.concurrency = s.concurrency;
      this.callTimeout = s.callTimeout;
      this.deadline = s.deadline;
      this.retry = s.retry;
      this.deduplicate = s.deduplicate;
      this.failFast = s.failFast;
      this.executor = s.executor;
      this.name = s.name;
      this.metrics = s.metrics;
    }

    /**
     * Sets the number of items per batch in per-batch mode (the last batch may be smaller). Ignored
     * in per-item mode.
     *
     * @throws IllegalArgumentException if outside 1..{@value #MAX_BATCH_SIZE}
     */
    public Builder batchSize(int batchSize) {
      this.batchSize = Checks.inRange("batchSize", batchSize, 1, MAX_BATCH_SIZE);
      return this;
    }

    /**
     * Sets a fixed limit of {@code maxInFlight} calls in flight; shorthand for {@code
     * concurrency(Concurrency.fixed(maxInFlight))}.
     *
     * @throws IllegalArgumentException if outside 1..{@value Concurrency#MAX_LIMIT}
     */
    public Builder maxInFlight(int maxInFlight) {
      this.concurrency = Concurrency.fixed(maxInFlight);
      return this;
    }

    /**
     * Sets the limit on calls in flight, fixed or adaptive.
     *
     * @throws NullPointerException if null
     */
    public Builder concurrency(Concurrency concurrency) {
      this.concurrency = Objects.requireNonNull(concurrency, "concurrency");
      return this;
    }

    /**
     * Sets how long one call attempt may take. When it passes, the future the call function
     * returned is completed with {@code DEADLINE_EXCEEDED} and the items are retried if that code
     * is retryable, or failed. That cancels the RPC only when the future is {@link
     * io.switchboard.core.RpcClient}'s own (not a {@code thenApply} of it): use the {@code
     * BatchExecutor} overloads that take a converter.
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if zero or negative
     */
    public Builder callTimeout(Duration callTimeout) {
      this.callTimeout = Checks.positive("callTimeout", callTimeout);
      return this;
    }

    /**
     * Sets how long a whole run may take. When it passes, calls in flight are cancelled (their
     * items fail with {@code DEADLINE_EXCEEDED}) and items not yet sent are reported as not
     * attempted.
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if zero or negative
     */
    public Builder deadline(Duration deadline) {
      this.deadline = Checks.positive("deadline", deadline);
      return this;
    }

    /** Removes the overall deadline (the default): a run lasts until its items are done. */
    public Builder noDeadline() {
      this.deadline = null;
      return this;
    }

    /**
     * Sets when failed items are retried; {@link RetrySettings#none()} for never.
     *
     * @throws NullPointerException if null
     */
    public Builder retry(RetrySettings retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    /**
     * Sends equal inputs (by {@code equals}) once; every copy is still reported, at its own index,
     * with the outcome of the one that was sent. Needs a {@link java.util.Collection} input: over
     * an iterator, remembering every input would make memory unbounded. Off by default: equal
     * inputs are usually a caller's bug worth seeing, and hashing costs memory.
     */
    public Builder deduplicate(boolean deduplicate) {
      this.deduplicate = deduplicate;
      return this;
    }

    /**
     * Stops a run at the first item that fails for good (after its retries): calls in flight are
     * cancelled (their items fail with {@code CANCELLED}) and items not yet sent are reported as
     * not attempted. Off by default: partial failures are reported per item.
     */
    public Builder failFast(boolean failFast) {
      this.failFast = failFast;
      return this;
    }

    /**
     * Sets the executor that call functions run on; use one when the call function blocks (a
     * blocking stub, a JDBC query). By default calls start on whichever thread frees a slot: the
     * caller of {@code execute}, the thread that completed the previous call, or the executor's
     * timer thread for retries; right for non-blocking calls such as {@link
     * io.switchboard.core.RpcClient#unary}. The executor is not shut down by the batch executor.
     *
     * @throws NullPointerException if null
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Clears the executor (the default): calls start on the thread that frees a slot. */
    public Builder directExecution() {
      this.executor = null;
      return this;
    }

    /**
     * Names the executor in its metrics (attribute {@code switchboard.batch}); {@value
     * #DEFAULT_NAME} by default. Use a name per kind of work (a bounded set: never an id).
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if blank
     */
    public Builder name(String name) {
      this.name = Checks.notBlank("name", name);
      return this;
    }

    /**
     * Reports the executor's items, batches, attempts, calls in flight, concurrency limit and run
     * durations to {@code metrics} (the README's metrics table); nothing is recorded by default.
     * The observations end when the executor is closed.
     *
     * @throws NullPointerException if null
     */
    public Builder metrics(MetricSink metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /**
     * Returns the settings.
     *
     * @throws IllegalArgumentException if retries are on and the first retry's wait is not shorter
     *     than the overall deadline (no retry could ever run)
     */
    public BatchSettings build() {
      if (deadline != null
          && retry.maxAttempts() > 1
          && retry.initialBackoff().compareTo(deadline) >= 0) {
        throw new IllegalArgumentException(
            "retry.initialBackoff: "
                + retry.initialBackoff()
                + " (expected: < deadline "
                + deadline
                + ", or no retries)");
      }
      return new BatchSettings(this);
    }
  }
}
