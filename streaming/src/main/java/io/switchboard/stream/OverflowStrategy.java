package io.switchboard.stream;

/**
 * What a {@link FlowControlledSender} does with a message when its buffer is full (by count or by
 * bytes). Every message a strategy gives up on is counted in {@link SenderStats#dropped()} and
 * reported to the {@link SenderSettings.DropListener}, if any.
 */
public enum OverflowStrategy {
  /**
   * The producer waits for room, up to {@link SenderSettings#blockTimeout()}; when the time runs
   * out the message is dropped and counted in {@link SenderStats#timedOut()}. Never block on the
   * call's own callback thread (inside an inbound {@code onNext}): the on-ready event that would
   * free room runs on that thread.
   */
  BLOCK,
  /** The oldest buffered messages are dropped to make room for the new one (freshest data wins). */
  DROP_OLDEST,
  /** The new message is dropped; what is already buffered is kept (first data wins). */
  DROP_NEWEST,
  /**
   * The least important messages go first, by {@link SenderSettings#priority()}: buffered messages
   * of lower priority than the new one are dropped to make room (oldest first among equals); if
   * none is lower, the new message is dropped.
   */
  DROP_LOWEST_PRIORITY,
  /**
   * The stream ends at once with {@code RESOURCE_EXHAUSTED} and a description naming the bound;
   * buffered messages are discarded.
   */
  FAIL
}
