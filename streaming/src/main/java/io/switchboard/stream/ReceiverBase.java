package io.switchboard.stream;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What both receivers share: the {@link InboundWindow}, the observers handed to grpc, attaching to
 * a call, cancelling and the counters. Package-private; its public methods are documented on {@link
 * StreamReceiver} and {@link CallbackReceiver}.
 *
 * @param <T> the message type
 */
abstract class ReceiverBase<T> {
  final InboundWindow<T> window;
  private final StreamObserver<T> observer = new Inbound();

  ReceiverBase(ReceiverSettings settings) {
    this.window = new InboundWindow<>(settings, this::arrived);
  }

  /** Turns automatic flow control off on a server call and asks for the first window. */
  final void attachServer(ServerCallStreamObserver<?> call) {
    Objects.requireNonNull(call, "call");
    call.disableAutoRequest();
    call.request(window.attach(call));
  }

  /**
   * Returns the observer to return from the server handler as its request observer: grpc feeds this
   * receiver through it. For a receiver made {@code forServer}; one object, the same each time.
   */
  public final StreamObserver<T> requestObserver() {
    return observer;
  }

  /**
   * Returns the response observer to start a client call with; it turns automatic flow control off
   * before the call starts and feeds this receiver.
   *
   * @throws IllegalStateException when the call starts, if this receiver is already attached to a
   *     call
   */
  public final <ReqT> ClientResponseObserver<ReqT, T> clientObserver() {
    return clientObserver(requests -> {});
  }

  /**
   * Like {@link #clientObserver()}, also handing the call's request stream to {@code beforeStart}
   * before the call starts: the place to create a {@link FlowControlledSender} for a bidi call.
   *
   * @throws NullPointerException if {@code beforeStart} is null
   * @throws IllegalStateException when the call starts, if this receiver is already attached to a
   *     call
   */
  public final <ReqT> ClientResponseObserver<ReqT, T> clientObserver(
      Consumer<? super ClientCallStreamObserver<ReqT>> beforeStart) {
    Objects.requireNonNull(beforeStart, "beforeStart");
    return new ForwardingClientObserver<ReqT, T>(
        observer,
        requestStream -> {
          requestStream.disableAutoRequestWithInitial(window.attach(requestStream));
          beforeStart.accept(requestStream);
        });
  }

  /**
   * Stops receiving: buffered messages are discarded, nothing more is requested, a client call is
   * cancelled with the reason. On the server the peer is not told (end the call through its
   * response stream for that). Idempotent.
   *
   * @throws NullPointerException if the reason is null
   */
  public final void cancel(String reason) {
    Objects.requireNonNull(reason, "reason");
    stop(Status.CANCELLED.withDescription(reason).asRuntimeException());
  }

  /** Returns true once the stream has ended and every message was consumed (or discarded). */
  public final boolean isFinished() {
    return window.isFinished();
  }

  /** Returns a snapshot of the counters. */
  public final ReceiverStats stats() {
    return window.stats();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{" + stats() + "}";
  }

  /** Stops the window; tells the consumer if this stopped it before its end was delivered. */
  final void stop(Throwable cause) {
    if (window.stop(cause)) {
      stopped(cause);
    }
  }

  /** Called after each message and after the end arrive, on grpc's thread, outside locks. */
  abstract void arrived();

  /** Called once when the receiver stops before the end was delivered; runs outside locks. */
  abstract void stopped(Throwable cause);

  /**
   * What grpc calls: feeds the window. Not the receiver itself, so users cannot call it by type.
   */
  private final class Inbound implements StreamObserver<T> {
    @Override
    public void onNext(T value) {
      window.onMessage(value);
    }

    @Override
    public void onError(Throwable t) {
      window.onEnd(Objects.requireNonNull(t, "t"));
    }

    @Override
    public void onCompleted() {
      window.onEnd(null);
    }
  }
}
