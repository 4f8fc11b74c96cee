package io.switchboard.examples.logs;

/**
 * How a subscriber wants live lines when it cannot keep up, chosen per call with the {@link
 * LogStreamApi#DELIVERY} header. The replay of history is lossless in every mode.
 */
public enum Delivery {
  /** Lossless: a subscriber that falls behind reads from the stored log again. The default. */
  CATCH_UP,
  /**
   * Lossless unless a wait exceeds 2 s: live lines wait for the subscriber, up to 2 s each (in the
   * thread that hands them over: the appender with an in-memory log, the log's tail over a shared
   * store such as the demo's JDBC one, so appends do not wait there); a line whose wait times out
   * is dropped (and counted).
   */
  BLOCK,
  /** Lossy: the oldest waiting lines are dropped; the freshest win. */
  DROP_OLDEST,
  /** Lossy: the least important waiting lines (DEBUG first) are dropped. */
  DROP_LOWEST_PRIORITY
}
