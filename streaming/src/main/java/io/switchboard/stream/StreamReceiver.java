package io.switchboard.stream;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Receives a gRPC stream on a thread of your own, with manual flow control: {@link #take()}, {@link
 * #poll(Duration)} or the {@linkplain #iterator() iterator}. It asks the peer for at most a window
 * of messages beyond those taken, so no more than {@link ReceiverSettings#maxWindow()} messages are
 * ever buffered, and asks for more as they are taken (in batches of a quarter window, to keep
 * {@code request(n)} calls few). For a handler called per message instead, see {@link
 * CallbackReceiver}; both share the same window.
 *
 * <p>Attach it where grpc allows turning automatic flow control off: on the server inside the
 * handler ({@link #forServer}, and return {@link #requestObserver()} as the request observer); on
 * the client by passing {@link #clientObserver()} as the response observer.
 *
 * <pre>{@code
 * // client: a server-streaming call read one message at a time on this thread
 * StreamReceiver<LogLine> lines = StreamReceiver.forClient(ReceiverSettings.defaults());
 * client.serverStreaming(TAIL, query, lines.clientObserver());
 * for (LogLine line : lines) { ... }   // blocks; ends with the stream, throws its error status
 * }</pre>
 *
 * <p>With an adaptive window the receiver doubles the window while the reader keeps up and halves
 * it when messages pile up (see {@link ReceiverSettings}). Never read from grpc's callback thread
 * for the call (it is the one that delivers the messages). Thread-safe: several threads may take.
 *
 * @param <T> the message type
 */
public final class StreamReceiver<T> extends ReceiverBase<T> implements Iterable<T> {
  private StreamReceiver(ReceiverSettings settings) {
    super(settings);
  }

  /**
   * Attaches a receiver to a server call's request stream. Call it inside the handler (grpc allows
   * turning automatic flow control off only there), return {@link #requestObserver()} as the
   * handler's request observer, and read from a thread of your own.
   *
   * @param call the call's response observer (grpc uses it for the call's flow control)
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if grpc no longer allows disabling automatic requests
   */
  public static <T> StreamReceiver<T> forServer(
      ServerCallStreamObserver<?> call, ReceiverSettings settings) {
    Objects.requireNonNull(call, "call");
    StreamReceiver<T> receiver = new StreamReceiver<>(settings);
    receiver.attachServer(call);
    return receiver;
  }

  /**
   * Returns a receiver for a client call's responses; pass {@link #clientObserver()} to the call,
   * then read.
   *
   * @throws NullPointerException if the settings are null
   */
  public static <T> StreamReceiver<T> forClient(ReceiverSettings settings) {
    return new StreamReceiver<>(settings);
  }

  /**
   * Takes the next message, waiting for it.
   *
   * @return the next message, or null when the stream ended successfully
   * @throws StatusRuntimeException when the stream failed (after every message that arrived before
   *     the failure was taken), with {@code CANCELLED} after {@link #cancel}, or with {@code
   *     CANCELLED} if the wait is interrupted (the interrupt flag is kept)
   */
  public T take() {
    return window.take(-1);
  }

  /**
   * Takes the next message, waiting at most {@code timeout}.
   *
   * @return the next message, or null when the stream ended successfully or the time ran out (tell
   *     them apart with {@link #isFinished()})
   * @throws StatusRuntimeException when the stream failed, or with {@code CANCELLED} if the wait is
   *     interrupted
   * @throws NullPointerException if the timeout is null
   */
  public T poll(Duration timeout) {
    return window.take(
        Math.max(0, TimeUnit.NANOSECONDS.convert(Objects.requireNonNull(timeout, "timeout"))));
  }

  /**
   * Returns an iterator over the messages: {@code hasNext()} waits for the next message or the end,
   * and throws {@link StatusRuntimeException} when the stream failed. Single-use: every iterator
   * reads from the same stream.
   */
  @Override
  public Iterator<T> iterator() {
    return new Iterator<>() {
      private T next;
      private boolean done;

      @Override
      public boolean hasNext() {
        if (next != null) {
          return true;
        }
        if (done) {
          return false;
        }
        next = take();
        done = next == null;
        return !done;
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException("the stream has ended");
        }
        T result = next;
        next = null;
        return result;
      }
    };
  }

  @Override
  void arrived() {
    // A blocked reader is woken by the window.
  }

  @Override
  void stopped(Throwable cause) {
    // A blocked reader is woken by the window and throws the cause's status.
  }
}
