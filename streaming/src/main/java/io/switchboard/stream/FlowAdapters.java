package io.switchboard.stream;

import io.switchboard.core.ExperimentalApi;
import io.switchboard.core.internal.Checks;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bridges {@link java.util.concurrent.Flow} (and so any Reactive Streams library through its JDK
 * adapters) to gRPC streams, with demand tied to the transport: outbound, a publisher is asked for
 * more only while the stream can write; inbound, {@link StreamPublisher} turns a subscriber's
 * {@code request(n)} into grpc's {@code request(n)}.
 */
@ExperimentalApi("Flow interop, shaped by its first users")
public final class FlowAdapters {
  private static final Logger logger = LoggerFactory.getLogger(FlowAdapters.class);

  private FlowAdapters() {}

  /**
   * Sends everything {@code publisher} publishes on the stream of {@code sender}: subscribes to it
   * now, asks for at most {@code prefetch} items beyond those sent, and asks for more only when the
   * sender is {@linkplain FlowControlledSender#isWritable() writable} (so with {@code prefetch <=}
   * the sender's buffer, a publisher that honours demand never overflows it). The publisher's
   * {@code onComplete}/{@code onError} end the stream after what is buffered; a cancelled or failed
   * stream cancels the subscription. Takes the sender's writable handler.
   *
   * @return the subscriber that was subscribed
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code prefetch < 1}
   */
  public static <T> Flow.Subscriber<T> subscribe(
      Flow.Publisher<? extends T> publisher, FlowControlledSender<T> sender, int prefetch) {
    Objects.requireNonNull(publisher, "publisher");
    Objects.requireNonNull(sender, "sender");
    Checks.positive("prefetch", prefetch);
    SenderSubscriber<T> subscriber = new SenderSubscriber<>(sender, prefetch);
    sender.setOnWritableHandler(subscriber::requestMore);
    sender.whenDone().thenRun(subscriber::cancelUpstream);
    publisher.subscribe(subscriber);
    return subscriber;
  }

  /** Feeds a sender from a Flow publisher. */
  private static final class SenderSubscriber<T> implements Flow.Subscriber<T> {
    private final FlowControlledSender<T> sender;
    private final int prefetch;
    private final int refillAt;
    private final AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
    private long outstanding; // guarded by this
    private volatile boolean terminated;

    SenderSubscriber(FlowControlledSender<T> sender, int prefetch) {
      this.sender = sender;
      this.prefetch = prefetch;
      this.refillAt = Math.max(1, prefetch * 3 / 4);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      Objects.requireNonNull(s, "subscription");
      if (!subscription.compareAndSet(null, s)) {
        s.cancel(); // Rule 2.5: only one subscription.
        return;
      }
      if (sender.isDone()) {
        s.cancel();
        return;
      }
      synchronized (this) {
        outstanding = prefetch;
      }
      s.request(prefetch);
    }

    @Override
    public void onNext(T item) {
      Objects.requireNonNull(item, "item");
      synchronized (this) {
        outstanding--;
      }
      sender.send(item);
      requestMore();
    }

    @Override
    public void onError(Throwable throwable) {
      terminated = true;
      try {
        sender.fail(throwable);
      } catch (IllegalStateException alreadyEnded) {
        logger.debug("publisher failed after the stream ended", throwable);
      }
    }

    @Override
    public void onComplete() {
      terminated = true;
      try {
        sender.complete();
      } catch (IllegalStateException alreadyEnded) {
        // The stream was ended by someone else.
      }
    }

    void requestMore() {
      Flow.Subscription s = subscription.get();
      if (s == null || terminated || !sender.isWritable()) {
        return;
      }
      long more;
      synchronized (this) {
        if (prefetch - outstanding < refillAt && outstanding > 0) {
          return;
        }
        more = prefetch - outstanding;
        outstanding = prefetch;
      }
      if (more > 0) {
        s.request(more);
      }
    }

    void cancelUpstream() {
      Flow.Subscription s = subscription.get();
      if (s != null && !terminated) {
        s.cancel();
      }
    }
  }
}
