package io.switchboard.batch;

import io.switchboard.core.internal.Checks;
import java.time.Duration;
import java.util.Objects;

/**
 * When a {@link Batcher} flushes (count, bytes, delay) and how much it lets be outstanding (added
 * and not yet answered) before {@code add} blocks or fails. Immutable; made by {@link
 * #newBuilder()}.
 *
 * <p>Thresholds and limits may be equal (gax's Batcher deadlocks then, java-bigtable #1833): an
 * {@code add} that has to wait for room first flushes the partial batch, so the elements it waits
 * for are always on their way.
 */
public final class BatcherSettings {
  /** What {@code add} does when outstanding elements or bytes are at their limit. */
  public enum WhenFull {
    /** Flush the partial batch, then wait for room (the default: back-pressure on producers). */
    BLOCK,
    /**
     * Flush the partial batch, then fail the element's future at once with {@code
     * RESOURCE_EXHAUSTED} (for producers that must never wait).
     */
    FAIL
  }

  /** 100 elements per flush: the executor's default batch size. */
  public static final int DEFAULT_MAX_ELEMENTS = 100;

  /** 1 MiB per flush: a quarter of grpc's default 4 MiB message limit. */
  public static final long DEFAULT_MAX_BYTES = 1 << 20;

  /** 10 ms: the longest an element waits for company; short next to a network round trip. */
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofMillis(10);

  /** 1000 elements outstanding: ten default batches in flight. */
  public static final long DEFAULT_MAX_OUTSTANDING_ELEMENTS = 1000;

  /** 16 MiB outstanding: bounds the memory of elements waiting for answers. */
  public static final long DEFAULT_MAX_OUTSTANDING_BYTES = 16L << 20;

  private final int maxElements;
  private final long maxBytes;
  private final Duration maxDelay;
  private final long maxOutstandingElements;
  private final long maxOutstandingBytes;
  private final WhenFull whenFull;

  private BatcherSettings(Builder b) {
    this.maxElements = b.maxElements;
    this.maxBytes = b.maxBytes;
    this.maxDelay = b.maxDelay;
    this.maxOutstandingElements = b.maxOutstandingElements;
    this.maxOutstandingBytes = b.maxOutstandingBytes;
    this.whenFull = b.whenFull;
  }

  /** Returns a builder holding the defaults. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Returns a builder holding these settings. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Returns the element count at which a batch is flushed. */
  public int maxElements() {
    return maxElements;
  }

  /** Returns the byte size at which a batch is flushed. */
  public long maxBytes() {
    return maxBytes;
  }

  /** Returns how long the first element of a batch waits before the batch is flushed. */
  public Duration maxDelay() {
    return maxDelay;
  }

  /** Returns the most elements added and not yet answered. */
  public long maxOutstandingElements() {
    return maxOutstandingElements;
  }

  /** Returns the most bytes added and not yet answered. */
  public long maxOutstandingBytes() {
    return maxOutstandingBytes;
  }

  /** Returns what {@code add} does when full. */
  public WhenFull whenFull() {
    return whenFull;
  }

  @Override
  public String toString() {
    return "BatcherSettings{flush at "
        + maxElements
        + " elements / "
        + maxBytes
        + " bytes / "
        + maxDelay
        + ", outstanding <= "
        + maxOutstandingElements
        + " elements / "
        + maxOutstandingBytes
        + " bytes, when full "
        + whenFull
        + "}";
  }

  /** Builds {@link BatcherSettings}; each setter checks its argument at once. Not thread-safe. */
  public static final class Builder {
    private int maxElements = DEFAULT_MAX_ELEMENTS;
    private long maxBytes = DEFAULT_MAX_BYTES;
    private Duration maxDelay = DEFAULT_MAX_DELAY;
    private long maxOutstandingElements = DEFAULT_MAX_OUTSTANDING_ELEMENTS;
    private long maxOutstandingBytes = DEFAULT_MAX_OUTSTANDING_BYTES;
    private WhenFull whenFull = WhenFull.BLOCK;

    private Builder() {}

    private Builder(BatcherSettings s) {
      this.maxElements = s.maxElements;
      this.maxBytes = s.maxBytes;
      this.maxDelay = s.maxDelay;
      this.maxOutstandingElements = s.maxOutstandingElements;
      this.maxOutstandingBytes = s.maxOutstandingBytes;
      this.whenFull = s.whenFull;
    }

    /**
     * Sets the element count at which a batch is flushed.
     *
     * @throws IllegalArgumentException if outside 1..{@value BatchSettings#MAX_BATCH_SIZE}
     */
    public Builder maxElements(int maxElements) {
      this.maxElements =
          Checks.inRange("maxElements", maxElements, 1, BatchSettings.MAX_BATCH_SIZE);
      return this;
    }

    /**
     * Sets the byte size (as the batcher's sizer measures) at which a batch is flushed.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxBytes(long maxBytes) {
      this.maxBytes = Checks.positive("maxBytes", maxBytes);
      return this;
    }

    /**
     * Sets how long the first element of a batch waits before the batch is flushed anyway.
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if zero or negative
     */
    public Builder maxDelay(Duration maxDelay) {
      this.maxDelay = Checks.positive("maxDelay", maxDelay);
      return this;
    }

    /**
     * Sets the most elements added and not yet answered.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxOutstandingElements(long maxOutstandingElements) {
      this.maxOutstandingElements =
          Checks.positive("maxOutstandingElements", maxOutstandingElements);
      return this;
    }

    /**
     * Sets the most bytes added and not yet answered; no single element may be larger.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxOutstandingBytes(long maxOutstandingBytes) {
      this.maxOutstandingBytes = Checks.positive("maxOutstandingBytes", maxOutstandingBytes);
      return this;
    }

    /**
     * Sets what {@code add} does when full.
     *
     * @throws NullPointerException if null
     */
    public Builder whenFull(WhenFull whenFull) {
      this.whenFull = Objects.requireNonNull(whenFull, "whenFull");
      return this;
    }

    /**
     * Returns the settings.
     *
     * @throws IllegalArgumentException if {@code maxOutstandingElements < maxElements} or {@code
     *     maxOutstandingBytes < maxBytes} (a full batch could never form; equal is fine)
     */
    public BatcherSettings build() {
      if (maxOutstandingElements < maxElements) {
        throw new IllegalArgumentException(
            "maxOutstandingElements: "
                + maxOutstandingElements
                + " (expected: >= maxElements "
                + maxElements
                + ")");
      }
      if (maxOutstandingBytes < maxBytes) {
        throw new IllegalArgumentException(
            "maxOutstandingBytes: "
                + maxOutstandingBytes
                + " (expected: >= maxBytes "
                + maxBytes
                + ")");
      }
      return new BatcherSettings(this);
    }
  }
}
