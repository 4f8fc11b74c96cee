package io.switchboard.stream;

import io.switchboard.core.ExperimentalApi;
import io.switchboard.core.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.function.ToIntFunction;

/**
 * How a {@link Coalescer} packs messages into batches: the most messages and bytes per batch and
 * the longest a message waits. Immutable; made by {@link #newBuilder()}.
 *
 * @param <T> the message type
 */
@ExperimentalApi("follows Coalescer")
public final class CoalescerSettings<T> {
  /**
   * Default batch count: 256 messages; past a few hundred small messages per batch the per-message
   * overhead saved is already below 1%.
   */
  public static final int DEFAULT_MAX_BATCH_MESSAGES = 256;

  /**
   * Default batch size: 64 KiB, one HTTP/2 initial flow-control window, so one batch never waits on
   * more than one window update.
   */
  public static final int DEFAULT_MAX_BATCH_BYTES = 64 * 1024;

  /**
   * Default max delay: 5 ms, well under a human-visible delay and about a loopback round trip under
   * load, the time a batch has to grow while the transport is busy.
   */
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofMillis(5);

  private final int maxBatchMessages;
  private final int maxBatchBytes;
  private final Duration maxDelay;
  private final ToIntFunction<? super T> sizeFunction;

  private CoalescerSettings(Builder<T> b) {
    this.maxBatchMessages = b.maxBatchMessages;
    this.maxBatchBytes = b.maxBatchBytes;
    this.maxDelay = b.maxDelay;
    this.sizeFunction = b.sizeFunction;
  }

  /** Returns a builder with every setting at its default. */
  public static <T> Builder<T> newBuilder() {
    return new Builder<>();
  }

  /** Returns a builder holding these settings. */
  public Builder<T> toBuilder() {
    Builder<T> b = new Builder<>();
    b.maxBatchMessages = maxBatchMessages;
    b.maxBatchBytes = maxBatchBytes;
    b.maxDelay = maxDelay;
    b.sizeFunction = sizeFunction;
    return b;
  }

  /** The most messages in one batch. */
  public int maxBatchMessages() {
    return maxBatchMessages;
  }

  /** The most bytes (by the size function) in one batch. */
  public int maxBatchBytes() {
    return maxBatchBytes;
  }

  /** The longest a message waits in the coalescer before its batch goes to the sender. */
  public Duration maxDelay() {
    return maxDelay;
  }

  /** The size of a message; the default counts every message as 0 bytes. */
  public ToIntFunction<? super T> sizeFunction() {
    return sizeFunction;
  }

  @Override
  public String toString() {
    return "CoalescerSettings{maxBatchMessages="
        + maxBatchMessages
        + ", maxBatchBytes="
        + maxBatchBytes
        + ", maxDelay="
        + maxDelay
        + "}";
  }

  /**
   * Builds {@link CoalescerSettings}. Each setter checks its argument at once.
   *
   * @param <T> the message type
   */
  public static final class Builder<T> {
    private int maxBatchMessages = DEFAULT_MAX_BATCH_MESSAGES;
    private int maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
    private Duration maxDelay = DEFAULT_MAX_DELAY;
    private ToIntFunction<? super T> sizeFunction = m -> 0;

    private Builder() {}

    /**
     * Sets the most messages in one batch.
     *
     * @throws IllegalArgumentException if {@code max < 1}
     */
    public Builder<T> maxBatchMessages(int max) {
      this.maxBatchMessages = Checks.positive("maxBatchMessages", max);
      return this;
    }

    /**
     * Sets the most bytes in one batch.
     *
     * @throws IllegalArgumentException if {@code max < 1}
     */
    public Builder<T> maxBatchBytes(int max) {
      this.maxBatchBytes = Checks.positive("maxBatchBytes", max);
      return this;
    }

    /**
     * Sets the longest a message waits before its batch goes to the sender.
     *
     * @throws NullPointerException if the duration is null
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder<T> maxDelay(Duration maxDelay) {
      this.maxDelay = Checks.positive("maxDelay", maxDelay);
      return this;
    }

    /**
     * Sets how a message is sized for the byte bound; runs on the adding thread.
     *
     * @throws NullPointerException if the function is null
     */
    public Builder<T> sizeFunction(ToIntFunction<? super T> sizeFunction) {
      this.sizeFunction = Objects.requireNonNull(sizeFunction, "sizeFunction");
      return this;
    }

    /** Returns the settings. */
    public CoalescerSettings<T> build() {
      return new CoalescerSettings<>(this);
    }
  }
}
