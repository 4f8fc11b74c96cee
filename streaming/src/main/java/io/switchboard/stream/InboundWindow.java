package io.switchboard.stream;

import io.grpc.Status;
import io.grpc.stub.CallStreamObserver;
import io.grpc.stub.ClientCallStreamObserver;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The inbound side shared by {@link StreamReceiver} and {@link CallbackReceiver}: the messages that
 * arrived and wait for the consumer, the window (how many messages may be requested from the peer
 * and not yet consumed) with its adaptation, the stream's end, and the counters.
 *
 * <p>grpc delivers through {@link #onMessage} and {@link #onEnd} on its callback thread; the
 * consumer takes messages with {@link #take} (blocking, any thread) or {@link #pollNow} followed by
 * {@link #consumed} (one consumer at a time), and the window asks for more as they are consumed, in
 * batches of a quarter window to keep {@code request(n)} calls few. Thread-safe.
 *
 * <p>With an adaptive window it doubles (up to the max) each {@value #GROW_AFTER_STARVED}th time
 * the consumer finds nothing waiting, and halves (down to the min) when the consumer has taken two
 * windows' worth without once finding nothing waiting.
 *
 * @param <T> the message type
 */
final class InboundWindow<T> {
  /** Times the consumer must find the buffer empty before the window doubles. */
  static final int GROW_AFTER_STARVED = 4;

  /** What the stream ended with, once: {@code error} is null for a successful end. */
  record End(Throwable error) {}

  private final ReceiverSettings settings;
  private final Runnable onArrival;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<T> queue = new ArrayDeque<>();
  private volatile CallStreamObserver<?> flow;

  // Guarded by lock.
  private int window;
  private int credit;
  private int starved;
  private int sinceEmpty;
  private long requested;
  private long received;
  private long consumed;
  private long discarded;
  private int peakBuffered;
  private int waitingAtPoll;
  private boolean ended;
  private Throwable endError;
  private boolean stopped;
  private boolean endDelivered;

  /**
   * @param onArrival runs after each message and after the end arrive (outside the lock)
   */
  InboundWindow(ReceiverSettings settings, Runnable onArrival) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.onArrival = onArrival;
    this.window = settings.initialWindow();
  }

  /**
   * Takes the call for flow control.
   *
   * @return the first request: the whole window
   * @throws IllegalStateException if already attached to a call
   */
  int attach(CallStreamObserver<?> call) {
    lock.lock();
    try {
      if (flow != null) {
        throw new IllegalStateException("receiver already attached to a call");
      }
      flow = call;
      credit = window;
      requested = window;
      return window;
    } finally {
      lock.unlock();
    }
  }

  // ---- from grpc ----

  void onMessage(T value) {
    lock.lock();
    try {
      received++;
      if (credit > 0) {
        credit--;
      }
      if (stopped) {
        discarded++;
        return;
      }
      queue.addLast(value);
      if (queue.size() > peakBuffered) {
        peakBuffered = queue.size();
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    onArrival.run();
  }

  /** The stream ended: {@code error} null for success. Later ends are ignored. */
  void onEnd(Throwable error) {
    lock.lock();
    try {
      if (ended) {
        return;
      }
      ended = true;
      endError = error;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    onArrival.run();
  }

  // ---- to the consumer ----

  /**
   * Takes the next message without waiting and counts it as taken; call {@link #consumed} once it
   * is handled. For one consumer at a time.
   *
   * @return the next message, or null if none waits (or the receiver stopped)
   */
  T pollNow() {
    lock.lock();
    try {
      if (stopped) {
        return null;
      }
      T next = queue.pollFirst();
      waitingAtPoll = queue.size();
      return next;
    } finally {
      lock.unlock();
    }
  }

  /** Counts the message last returned by {@link #pollNow} as consumed: may request more. */
  void consumed() {
    int waiting;
    lock.lock();
    try {
      waiting = waitingAtPoll;
    } finally {
      lock.unlock();
    }
    consumedOne(waiting);
  }

  /**
   * Claims the end of the stream for delivery, once: when nothing waits, the stream has ended, and
   * its end was not delivered (nor the receiver stopped).
   *
   * @return the end, or null if there is none to deliver now
   */
  End claimEnd() {
    lock.lock();
    try {
      if (stopped || endDelivered || !ended || !queue.isEmpty()) {
        return null;
      }
      endDelivered = true;
      return new End(endError);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes the next message, waiting at most {@code timeoutNanos} (forever if negative), and counts
   * it as consumed.
   *
   * @return the next message, or null when the stream ended successfully or the time ran out
   * @throws io.grpc.StatusRuntimeException when the stream failed (after every message that arrived
   *     before), or with {@code CANCELLED} if the wait is interrupted (the flag is kept)
   */
  T take(long timeoutNanos) {
    T next;
    int waiting;
    lock.lock();
    try {
      long remaining = timeoutNanos;
      while (queue.isEmpty() && !ended) {
        if (timeoutNanos >= 0 && remaining <= 0) {
          return null;
        }
        try {
          if (timeoutNanos < 0) {
            changed.await();
          } else {
            remaining = changed.awaitNanos(remaining);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw Status.CANCELLED
              .withDescription("interrupted while waiting for a message")
              .withCause(e)
              .asRuntimeException();
        }
      }
      next = queue.pollFirst();
      waiting = queue.size();
      if (next == null) {
        endDelivered = true;
        if (endError != null) {
          throw Status.fromThrowable(endError)
              .asRuntimeException(Status.trailersFromThrowable(endError));
        }
        return null;
      }
    } finally {
      lock.unlock();
    }
    consumedOne(waiting);
    return next;
  }

  /**
   * Stops receiving: discards what waits, requests nothing more, cancels a client call with the
   * cause, and wakes a blocked {@link #take} (which then throws the cause's status).
   *
   * @return true if this call stopped it and the end was not delivered yet: the caller tells its
   *     consumer
   */
  boolean stop(Throwable cause) {
    boolean first;
    lock.lock();
    try {
      if (stopped) {
        return false;
      }
      stopped = true;
      discarded += queue.size();
      queue.clear();
      first = !endDelivered;
      endDelivered = true;
      if (!ended) {
        ended = true;
        endError = cause;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (flow instanceof ClientCallStreamObserver<?> client) {
      client.cancel("the receiver stopped: " + cause, cause);
    }
    return first;
  }

  /** Returns true once the stream has ended and every message was consumed (or discarded). */
  boolean isFinished() {
    lock.lock();
    try {
      return ended && queue.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  ReceiverStats stats() {
    lock.lock();
    try {
      return new ReceiverStats(
          requested, received, consumed, discarded, queue.size(), peakBuffered, window);
    } finally {
      lock.unlock();
    }
  }

  /** Requests more after a message was consumed; adapts the window. */
  private void consumedOne(int waitingAtTake) {
    int toRequest = 0;
    lock.lock();
    try {
      consumed++;
      if (settings.adaptive()) {
        if (waitingAtTake == 0) {
          // The consumer emptied the buffer: it waits on the network, a larger window helps.
          sinceEmpty = 0;
          if (++starved >= GROW_AFTER_STARVED && window < settings.maxWindow()) {
            window = Math.min(settings.maxWindow(), window * 2);
            starved = 0;
          }
        } else if (++sinceEmpty >= 2 * window && window > settings.minWindow()) {
          // Two windows consumed without ever catching up: the consumer lags, hold less.
          window = Math.max(settings.minWindow(), window / 2);
          sinceEmpty = 0;
          starved = 0;
        }
      }
      if (!stopped && !ended) {
        int room = window - queue.size() - credit;
        if (room >= Math.max(1, window / 4)) {
          toRequest = room;
          credit += room;
          requested += room;
        }
      }
    } finally {
      lock.unlock();
    }
    if (toRequest > 0) {
      CallStreamObserver<?> f = flow;
      if (f != null) {
        f.request(toRequest);
      }
    }
  }
}
