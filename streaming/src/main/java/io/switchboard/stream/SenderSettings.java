package io.switchboard.stream;

import io.switchboard.core.internal.Checks;
import io.switchboard.core.metrics.MetricSink;
import java.time.Duration;
import java.util.Objects;
import java.util.function.ToIntFunction;

/**
 * How a {@link FlowControlledSender} buffers: its bounds (by count and by bytes), what it does on
 * overflow, and how it sizes and ranks messages. Immutable; made by {@link #newBuilder()}.
 *
 * <pre>{@code
 * SenderSettings<LogLine> settings = SenderSettings.<LogLine>newBuilder()
 *     .maxBufferedMessages(1_000)
 *     .maxBufferedBytes(1 << 20)
 *     .sizeFunction(line -> 32 + line.text().length())
 *     .overflowStrategy(OverflowStrategy.DROP_LOWEST_PRIORITY)
 *     .priority(line -> line.level().ordinal())
 *     .build();
 * }</pre>
 *
 * @param <T> the message type (settings for {@code Object} fit any sender)
 */
public final class SenderSettings<T> {
  /**
   * Default count bound: 1,024 small messages are a few HTTP/2 flow-control windows (64 KiB) worth
   * of 32-byte records, enough to ride out short stalls without holding much memory.
   */
  public static final int DEFAULT_MAX_BUFFERED_MESSAGES = 1024;

  /**
   * Default byte bound: 4 MiB, grpc-java's default maximum inbound message size, so one message of
   * the largest size a peer accepts by default always fits.
   */
  public static final long DEFAULT_MAX_BUFFERED_BYTES = 4L << 20;

  /** Default strategy: {@link OverflowStrategy#BLOCK}, the only one that loses nothing. */
  public static final OverflowStrategy DEFAULT_OVERFLOW_STRATEGY = OverflowStrategy.BLOCK;

  /**
   * Default {@code BLOCK} wait: 10 s, long enough to ride out a GC pause or a slow reader, short
   * enough that a producer stuck on a dead peer gives up well before keepalive (20 s + 20 s) would
   * have noticed it.
   */
  public static final Duration DEFAULT_BLOCK_TIMEOUT = Duration.ofSeconds(10);

  private static final SenderSettings<Object> DEFAULTS = SenderSettings.newBuilder().build();

  private final int maxBufferedMessages;
  private final long maxBufferedBytes;
  private final ToIntFunction<? super T> sizeFunction;
  private final OverflowStrategy overflowStrategy;
  private final Duration blockTimeout;
  private final ToIntFunction<? super T> priority;
  private final DropListener<? super T> dropListener;
  private final MetricSink metrics;

  private SenderSettings(Builder<T> b) {
    this.maxBufferedMessages = b.maxBufferedMessages;
    this.maxBufferedBytes = b.maxBufferedBytes;
    this.sizeFunction = b.sizeFunction;
    this.overflowStrategy = b.overflowStrategy;
    this.blockTimeout = b.blockTimeout;
    this.priority = b.priority;
    this.dropListener = b.dropListener;
    this.metrics = b.metrics;
  }

  /** Returns the default settings, which fit a sender of any message type. */
  public static SenderSettings<Object> defaults() {
    return DEFAULTS;
  }

  /** Returns a builder with every setting at its default. */
  public static <T> Builder<T> newBuilder() {
    return new Builder<>();
  }

  /** Returns a builder holding these settings, to make a variant. */
  public Builder<T> toBuilder() {
    Builder<T> b = new Builder<>();
    b.maxBufferedMessages = maxBufferedMessages;
    b.maxBufferedBytes = maxBufferedBytes;
    b.sizeFunction = sizeFunction;
    b.overflowStrategy = overflowStrategy;
    b.blockTimeout = blockTimeout;
    b.priority = priority;
    b.dropListener = dropListener;
    b.metrics = metrics;
    return b;
  }

  /** The most messages buffered at once. */
  public int maxBufferedMessages() {
    return maxBufferedMessages;
  }

  /** The most bytes (by the {@linkplain #sizeFunction() size function}) buffered at once. */
  public long maxBufferedBytes() {
    return maxBufferedBytes;
  }

  /**
   * The size of a message in bytes, for the byte bound. The default counts every message as 0
   * bytes, so only the count bound applies until a size function is set.
   */
  public ToIntFunction<? super T> sizeFunction() {
    return sizeFunction;
  }

  /** What happens when a message does not fit. */
  public OverflowStrategy overflowStrategy() {
    return overflowStrategy;
  }

  /** How long {@link OverflowStrategy#BLOCK} waits for room before dropping the message. */
  public Duration blockTimeout() {
    return blockTimeout;
  }

  /**
   * The importance of a message for {@link OverflowStrategy#DROP_LOWEST_PRIORITY}: higher is more
   * important. The default ranks every message 0 (so the new message is the one dropped).
   */
  public ToIntFunction<? super T> priority() {
    return priority;
  }

  /** Told of every message the overflow strategy gives up; the default does nothing. */
  public DropListener<? super T> dropListener() {
    return dropListener;
  }

  /** Where senders report their buffers, drops and waits; {@link MetricSink#noop()} by default. */
  public MetricSink metrics() {
    return metrics;
  }

  @Override
  public String toString() {
    return "SenderSettings{maxBufferedMessages="
        + maxBufferedMessages
        + ", maxBufferedBytes="
        + maxBufferedBytes
        + ", overflowStrategy="
        + overflowStrategy
        + ", blockTimeout="
        + blockTimeout
        + "}";
  }

  /**
   * Told of each message an overflow strategy drops. Runs on the producer's thread (or the thread
   * that timed out), outside the sender's lock; it may call the sender. An exception it throws is
   * logged and otherwise ignored.
   *
   * @param <T> the message type
   */
  @FunctionalInterface
  public interface DropListener<T> {
    /**
     * Called once per dropped message.
     *
     * @param message the message given up
     * @param strategy the strategy that dropped it
     */
    void dropped(T message, OverflowStrategy strategy);
  }

  /**
   * Builds {@link SenderSettings}. Each setter checks its argument at once; not thread-safe.
   *
   * @param <T> the message type
   */
  public static final class Builder<T> {
    private int maxBufferedMessages = DEFAULT_MAX_BUFFERED_MESSAGES;
    private long maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES;
    private ToIntFunction<? super T> sizeFunction = message -> 0;
    private OverflowStrategy overflowStrategy = DEFAULT_OVERFLOW_STRATEGY;
    private Duration blockTimeout = DEFAULT_BLOCK_TIMEOUT;
    private ToIntFunction<? super T> priority = message -> 0;
    private DropListener<? super T> dropListener = (message, strategy) -> {};
    private MetricSink metrics = MetricSink.noop();

    private Builder() {}

    /**
     * Sets the most messages buffered at once.
     *
     * @throws IllegalArgumentException if {@code max < 1}
     */
    public Builder<T> maxBufferedMessages(int max) {
      this.maxBufferedMessages = Checks.positive("maxBufferedMessages", max);
      return this;
    }

    /**
     * Sets the most bytes buffered at once, as counted by the size function.
     *
     * @throws IllegalArgumentException if {@code max < 1}
     */
    public Builder<T> maxBufferedBytes(long max) {
      this.maxBufferedBytes = Checks.positive("maxBufferedBytes", max);
      return this;
    }

    /**
     * Sets how a message is sized in bytes (an estimate is fine: it bounds memory, not the wire).
     * It runs on the producer's thread for every message; a negative size, or an exception it
     * throws, reaches the caller of {@link FlowControlledSender#send} as an {@link
     * IllegalArgumentException} or as thrown.
     *
     * @throws NullPointerException if the function is null
     */
    public Builder<T> sizeFunction(ToIntFunction<? super T> sizeFunction) {
      this.sizeFunction = Objects.requireNonNull(sizeFunction, "sizeFunction");
      return this;
    }

    /**
     * Sets what happens when a message does not fit.
     *
     * @throws NullPointerException if the strategy is null
     */
    public Builder<T> overflowStrategy(OverflowStrategy strategy) {
      this.overflowStrategy = Objects.requireNonNull(strategy, "overflowStrategy");
      return this;
    }

    /**
     * Sets how long {@link OverflowStrategy#BLOCK} waits for room.
     *
     * @throws NullPointerException if the timeout is null
     * @throws IllegalArgumentException if it is negative
     */
    public Builder<T> blockTimeout(Duration timeout) {
      this.blockTimeout = Checks.notNegative("blockTimeout", timeout);
      return this;
    }

    /**
     * Sets the importance of a message for {@link OverflowStrategy#DROP_LOWEST_PRIORITY} (higher is
     * kept longer). Runs on the producer's thread, once per message, only with that strategy.
     *
     * @throws NullPointerException if the function is null
     */
    public Builder<T> priority(ToIntFunction<? super T> priority) {
      this.priority = Objects.requireNonNull(priority, "priority");
      return this;
    }

    /**
     * Sets who is told of dropped messages.
     *
     * @throws NullPointerException if the listener is null
     */
    public Builder<T> dropListener(DropListener<? super T> listener) {
      this.dropListener = Objects.requireNonNull(listener, "dropListener");
      return this;
    }

    /**
     * Reports every sender made with these settings (messages and bytes buffered, their peaks,
     * drops by strategy, producer waits: the README's metrics table) to {@code metrics}, such as
     * {@code OpenTelemetryMetrics} or {@code MicrometerMetrics}; nothing is recorded by default.
     *
     * @throws NullPointerException if {@code metrics} is null
     */
    public Builder<T> metrics(MetricSink metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /** Returns the settings. */
    public SenderSettings<T> build() {
      return new SenderSettings<>(this);
    }
  }
}
