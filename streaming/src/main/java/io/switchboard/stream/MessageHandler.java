package io.switchboard.stream;

/**
 * Consumes the messages of a {@link StreamReceiver}, one at a time and in order.
 *
 * @param <T> the message type
 */
@FunctionalInterface
public interface MessageHandler<T> {
  /**
   * Handles one message. The receiver requests more only as messages are handled, so a slow handler
   * slows the sender down instead of filling memory.
   *
   * @param message the message, never null
   * @throws Exception any failure: the receiver stops (discards what is buffered, requests nothing
   *     more, cancels the call on the client side) and calls {@link #onError} with it
   */
  void onMessage(T message) throws Exception;

  /**
   * Called once after the last message when the peer ended the stream successfully. The default
   * does nothing. An exception it throws is logged and ignored.
   */
  default void onCompleted() {}

  /**
   * Called once when the stream failed (the status from the peer, a cancellation) or {@link
   * #onMessage} threw; never after {@link #onCompleted()}. The default does nothing. An exception
   * it throws is logged and ignored.
   *
   * @param error what went wrong
   */
  default void onError(Throwable error) {}
}
