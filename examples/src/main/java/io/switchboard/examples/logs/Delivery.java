package io.switchboard.examples.logs;

/**
 * How a subscriber wants live lines when it cannot keep up, chosen per call with the {@link
 * LogStreamApi#DELIVERY} header. The replay of history is lossless in every mode.
 */
public enum Delivery {
  /** Lossless: a subscriber that falls behind reads from the stored log again. The default. */
  CATCH_UP,
  /**
   * Lossless unless a wait exceeds 2 s: the application's appends wait for the subscriber, up to 2
   * s each; a line whose wait times out is dropped (and counted).
   */
  BLOCK,
  /** Lossy: the oldest waiting lines are dropped; the freshest win. */
  DROP_OLDEST,
  /** Lossy: the least important waiting lines (DEBUG first) are dropped. */
  DROP_LOWEST_PRIORITY
}
