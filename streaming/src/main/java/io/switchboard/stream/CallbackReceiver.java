package io.switchboard.stream;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives a gRPC stream through a {@link MessageHandler} called once per message, in order, with
 * manual flow control: it asks the peer for at most a window of messages beyond those handled, so
 * no more than {@link ReceiverSettings#maxWindow()} messages are ever buffered, and a slow handler
 * slows the sender down instead of filling memory. For reading on a thread of your own instead, see
 * {@link StreamReceiver}; both share the same window.
 *
 * <p>The handler runs on grpc's callback thread for the call, or on the {@linkplain
 * ReceiverSettings#executor() executor} if one is set; one message at a time either way. On grpc's
 * own thread later messages wait inside grpc rather than here (still bounded by the window), so
 * only the growth half of the window's adaptation applies. An exception from {@link
 * MessageHandler#onMessage} stops the receiver (the buffer is discarded, nothing more is requested,
 * a client call is cancelled) and is handed to {@link MessageHandler#onError}; an executor that
 * rejects the task does the same with the rejection.
 *
 * <pre>{@code
 * // server: an upload handled message by message, at most 64 waiting
 * (responses) -> {
 *   CallbackReceiver<Chunk> chunks = CallbackReceiver.forServer(
 *       (ServerCallStreamObserver<?>) responses, settings, chunk -> store.write(chunk));
 *   return chunks.requestObserver();
 * }
 * }</pre>
 *
 * @param <T> the message type
 */
public final class CallbackReceiver<T> extends ReceiverBase<T> {
  private static final Logger logger = LoggerFactory.getLogger(CallbackReceiver.class);

  private final MessageHandler<? super T> handler;
  private final Executor executor;
  private final AtomicInteger wip = new AtomicInteger();

  private CallbackReceiver(ReceiverSettings settings, MessageHandler<? super T> handler) {
    super(settings);
    this.handler = Objects.requireNonNull(handler, "handler");
    this.executor = settings.executor();
  }

  /**
   * Attaches a receiver to a server call's request stream. Call it inside the handler (grpc allows
   * turning automatic flow control off only there) and return {@link #requestObserver()} as the
   * handler's request observer.
   *
   * @param call the call's response observer (grpc uses it for the call's flow control)
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if grpc no longer allows disabling automatic requests
   */
  public static <T> CallbackReceiver<T> forServer(
      ServerCallStreamObserver<?> call,
      ReceiverSettings settings,
      MessageHandler<? super T> handler) {
    Objects.requireNonNull(call, "call");
    CallbackReceiver<T> receiver = new CallbackReceiver<>(settings, handler);
    receiver.attachServer(call);
    return receiver;
  }

  /**
   * Returns a receiver for a client call's responses; pass {@link #clientObserver()} to the call.
   *
   * @throws NullPointerException if an argument is null
   */
  public static <T> CallbackReceiver<T> forClient(
      ReceiverSettings settings, MessageHandler<? super T> handler) {
    return new CallbackReceiver<>(settings, handler);
  }

  @Override
  void arrived() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    if (executor == null) {
      drainLoop();
    } else {
      try {
        executor.execute(this::drainLoop);
      } catch (RuntimeException rejected) {
        wip.set(0);
        stop(rejected);
      }
    }
  }

  private void drainLoop() {
    int missed = 1;
    for (; ; ) {
      for (; ; ) {
        T next = window.pollNow();
        if (next == null) {
          InboundWindow.End end = window.claimEnd();
          if (end != null) {
            deliverEnd(end.error());
          }
          break;
        }
        try {
          handler.onMessage(next);
        } catch (Exception e) {
          stop(e);
          break;
        } catch (Error e) {
          stop(e);
          throw e;
        }
        window.consumed();
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  @Override
  void stopped(Throwable cause) {
    deliverEnd(cause);
  }

  private void deliverEnd(Throwable error) {
    try {
      if (error == null) {
        handler.onCompleted();
      } else {
        handler.onError(error);
      }
    } catch (RuntimeException e) {
      logger.warn("message handler's end callback failed", e);
    }
  }
}
