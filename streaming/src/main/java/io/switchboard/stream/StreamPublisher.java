package io.switchboard.stream;

import io.grpc.Status;
import io.grpc.stub.CallStreamObserver;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.ExperimentalApi;
import java.util.Objects;
import java.util.concurrent.Flow;

/**
 * An inbound gRPC stream as a {@link Flow.Publisher}: the subscriber's {@code request(n)} becomes
 * grpc's {@code request(n)}, so nothing is read from the peer beyond what the subscriber asked for
 * (grpc's automatic flow control is turned off). One subscriber only; a second gets {@code onError}
 * with {@link IllegalStateException}.
 *
 * <p>On the server, make it inside the handler with {@link #forServer} and return {@link
 * #requestObserver()} as the request observer; on the client, make it with {@link #forClient()} and
 * start the call with {@link #clientObserver()}. Signals reach the subscriber on grpc's callback
 * thread (in order, never concurrently). Cancelling the subscription cancels a client call; on the
 * server it stops delivery (end the call through its response stream). A subscriber that throws
 * from {@code onNext} breaks rule 2.13; the publisher then cancels as if the subscription were
 * cancelled.
 *
 * @param <T> the message type
 */
@ExperimentalApi("Flow interop, shaped by its first users")
public final class StreamPublisher<T> implements Flow.Publisher<T> {
  private final Object lock = new Object();
  private volatile CallStreamObserver<?> flow;
  private Flow.Subscriber<? super T> subscriber; // guarded by lock
  private boolean ended; // guarded by lock
  private Throwable endError; // guarded by lock
  private boolean endDelivered; // guarded by lock
  private long demandBeforeStart; // guarded by lock
  private volatile boolean cancelled;
  private final StreamObserver<T> observer = new Inbound();

  private StreamPublisher() {}

  /**
   * Makes a publisher of a server call's requests. Call it inside the handler and return {@link
   * #requestObserver()} as the request observer.
   *
   * @param call the call's response observer (grpc uses it for the call's flow control)
   * @throws NullPointerException if the call is null
   * @throws IllegalStateException if grpc no longer allows disabling automatic requests
   */
  public static <T> StreamPublisher<T> forServer(ServerCallStreamObserver<?> call) {
    Objects.requireNonNull(call, "call");
    call.disableAutoRequest();
    StreamPublisher<T> publisher = new StreamPublisher<>();
    publisher.flow = call;
    return publisher;
  }

  /**
   * Makes a publisher of a client call's responses; start the call with {@link #clientObserver()}.
   */
  public static <T> StreamPublisher<T> forClient() {
    return new StreamPublisher<>();
  }

  /**
   * Returns the observer to return from the server handler as its request observer: grpc feeds this
   * publisher through it. For a publisher made {@code forServer}; the same object each time.
   */
  public StreamObserver<T> requestObserver() {
    return observer;
  }

  /**
   * Returns the response observer to start the client call with.
   *
   * @throws IllegalStateException when the call starts, if an observer of this publisher already
   *     started another
   */
  public <ReqT> ClientResponseObserver<ReqT, T> clientObserver() {
    return new ForwardingClientObserver<ReqT, T>(
        observer,
        requestStream -> {
          int initial;
          synchronized (lock) {
            if (flow != null) {
              throw new IllegalStateException("publisher already attached to a call");
            }
            flow = requestStream;
            initial = (int) Math.min(demandBeforeStart, Integer.MAX_VALUE);
          }
          requestStream.disableAutoRequestWithInitial(initial);
        });
  }

  @Override
  public void subscribe(Flow.Subscriber<? super T> s) {
    Objects.requireNonNull(s, "subscriber");
    synchronized (lock) {
      if (subscriber != null) {
        s.onSubscribe(NOOP);
        s.onError(new IllegalStateException("a StreamPublisher allows one subscriber"));
        return;
      }
      subscriber = s;
    }
    s.onSubscribe(new Subscription());
    deliverEndIfAny();
  }

  private void deliverEndIfAny() {
    Flow.Subscriber<? super T> s;
    Throwable error;
    synchronized (lock) {
      if (!ended || subscriber == null || endDelivered || cancelled) {
        return;
      }
      endDelivered = true;
      s = subscriber;
      error = endError;
    }
    if (error == null) {
      s.onComplete();
    } else {
      s.onError(error);
    }
  }

  private void cancel(Throwable cause) {
    cancelled = true;
    if (flow instanceof ClientCallStreamObserver<?> client) {
      client.cancel("the subscriber cancelled", cause);
    }
  }

  /** What grpc calls: not the publisher itself, so users cannot call it by type. */
  private final class Inbound implements StreamObserver<T> {
    @Override
    public void onNext(T value) {
      Flow.Subscriber<? super T> s;
      synchronized (lock) {
        s = subscriber;
      }
      if (cancelled || s == null) {
        return;
      }
      try {
        s.onNext(value);
      } catch (RuntimeException e) {
        cancel(e);
      }
    }

    @Override
    public void onError(Throwable t) {
      synchronized (lock) {
        ended = true;
        endError = t;
      }
      deliverEndIfAny();
    }

    @Override
    public void onCompleted() {
      synchronized (lock) {
        ended = true;
      }
      deliverEndIfAny();
    }
  }

  private final class Subscription implements Flow.Subscription {
    @Override
    public void request(long n) {
      if (cancelled) {
        return;
      }
      if (n <= 0) {
        IllegalArgumentException e =
            new IllegalArgumentException("request: " + n + " (expected: > 0, rule 3.9)");
        StreamPublisher.this.cancel(e);
        Flow.Subscriber<? super T> s;
        synchronized (lock) {
          s = subscriber;
          endDelivered = true;
        }
        s.onError(e);
        return;
      }
      CallStreamObserver<?> f;
      synchronized (lock) {
        f = flow;
        if (f == null) {
          // Subscribed before the call started: asked for when it starts.
          demandBeforeStart = Math.min(Integer.MAX_VALUE, demandBeforeStart + n);
          return;
        }
      }
      f.request((int) Math.min(n, Integer.MAX_VALUE));
    }

    @Override
    public void cancel() {
      StreamPublisher.this.cancel(
          Status.CANCELLED.withDescription("the subscriber cancelled").asRuntimeException());
    }
  }

  private static final Flow.Subscription NOOP =
      new Flow.Subscription() {
        @Override
        public void request(long n) {}

        @Override
        public void cancel() {}
      };
}
