package io.switchboard.stream;

import io.switchboard.core.internal.Checks;
import java.util.concurrent.Executor;

/**
 * How a {@link StreamReceiver} asks for messages: its window (how many messages may be requested
 * but not yet consumed) and whether the window adapts to the consumer. Immutable; made by {@link
 * #newBuilder()}.
 *
 * <p>With {@linkplain #adaptive() adaptive} windowing the window doubles (up to {@link
 * #maxWindow()}) each fourth time the consumer finds the buffer empty (it keeps up and waits on the
 * network, where a larger window helps), and halves (down to {@link #minWindow()}) when the
 * consumer has taken two windows' worth of messages without once finding the buffer empty (it lags,
 * and a smaller window holds less memory for the same throughput).
 */
public final class ReceiverSettings {
  /**
   * Default starting window: 32 messages. grpc-java's automatic flow control requests one message
   * at a time; grpc-java #6696 measured up to 5x throughput from a larger window, most of it won by
   * a few dozen.
   */
  public static final int DEFAULT_INITIAL_WINDOW = 32;

  /** Default smallest window: 1, grpc's own automatic behaviour, for a consumer that lags badly. */
  public static final int DEFAULT_MIN_WINDOW = 1;

  /**
   * Default largest window: 1,024 messages, the sender-side default buffer: past it, more messages
   * in flight only hold memory.
   */
  public static final int DEFAULT_MAX_WINDOW = 1024;

  private static final ReceiverSettings DEFAULTS = newBuilder().build();

  private final int initialWindow;
  private final int minWindow;
  private final int maxWindow;
  private final boolean adaptive;
  private final Executor executor;

  private ReceiverSettings(Builder b) {
    this.initialWindow = b.initialWindow;
    this.minWindow = b.minWindow;
    this.maxWindow = b.maxWindow;
    this.adaptive = b.adaptive;
    this.executor = b.executor;
  }

  /** Returns the default settings. */
  public static ReceiverSettings defaults() {
    return DEFAULTS;
  }

  /** Returns a builder with every setting at its default. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Returns a builder holding these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.initialWindow = initialWindow;
    b.minWindow = minWindow;
    b.maxWindow = maxWindow;
    b.adaptive = adaptive;
    b.executor = executor;
    return b;
  }

  /** The window the receiver starts with. */
  public int initialWindow() {
    return initialWindow;
  }

  /** The smallest the window shrinks to. */
  public int minWindow() {
    return minWindow;
  }

  /** The largest the window grows to: the bound on messages buffered. */
  public int maxWindow() {
    return maxWindow;
  }

  /** Whether the window adapts to the consumer; if false it stays at the initial window. */
  public boolean adaptive() {
    return adaptive;
  }

  /**
   * Where a callback-style handler runs; null (the default) runs it on grpc's callback thread for
   * the call, one message at a time.
   */
  public Executor executor() {
    return executor;
  }

  @Override
  public String toString() {
    return "ReceiverSettings{window="
        + initialWindow
        + " in ["
        + minWindow
        + ", "
        + maxWindow
        + "], adaptive="
        + adaptive
        + "}";
  }

  /** Builds {@link ReceiverSettings}. Each setter checks its argument at once. */
  public static final class Builder {
    private int initialWindow = DEFAULT_INITIAL_WINDOW;
    private int minWindow = DEFAULT_MIN_WINDOW;
    private int maxWindow = DEFAULT_MAX_WINDOW;
    private boolean adaptive = true;
    private Executor executor;

    private Builder() {}

    /**
     * Sets the starting window.
     *
     * @throws IllegalArgumentException if {@code window < 1}
     */
    public Builder initialWindow(int window) {
      this.initialWindow = Checks.positive("initialWindow", window);
      return this;
    }

    /**
     * Sets the smallest window.
     *
     * @throws IllegalArgumentException if {@code window < 1}
     */
    public Builder minWindow(int window) {
      this.minWindow = Checks.positive("minWindow", window);
      return this;
    }

    /**
     * Sets the largest window, which bounds the messages buffered.
     *
     * @throws IllegalArgumentException if {@code window < 1}
     */
    public Builder maxWindow(int window) {
      this.maxWindow = Checks.positive("maxWindow", window);
      return this;
    }

    /** Sets whether the window adapts to the consumer. */
    public Builder adaptive(boolean adaptive) {
      this.adaptive = adaptive;
      return this;
    }

    /**
     * Sets where a callback-style handler runs; null runs it on grpc's callback thread.
     *
     * @param executor an executor, or null
     */
    public Builder executor(Executor executor) {
      this.executor = executor;
      return this;
    }

    /**
     * Returns the settings.
     *
     * @throws IllegalArgumentException unless {@code minWindow <= initialWindow <= maxWindow}
     */
    public ReceiverSettings build() {
      if (minWindow > initialWindow || initialWindow > maxWindow) {
        throw new IllegalArgumentException(
            "window: min "
                + minWindow
                + ", initial "
                + initialWindow
                + ", max "
                + maxWindow
                + " (expected: minWindow <= initialWindow <= maxWindow)");
      }
      return new ReceiverSettings(this);
    }
  }
}
