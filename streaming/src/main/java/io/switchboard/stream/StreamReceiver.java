package io.switchboard.stream;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.CallStreamObserver;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives a gRPC stream with manual flow control: asks the peer for at most a window of messages
 * beyond those consumed, so no more than {@link ReceiverSettings#maxWindow()} messages are ever
 * buffered, and asks for more as the consumer takes them (in batches of a quarter window, to keep
 * {@code request(n)} calls few). Consume in one of two styles:
 *
 * <ul>
 *   <li><b>callback</b>: a {@link MessageHandler} called once per message, in order, on grpc's
 *       callback thread or on the {@linkplain ReceiverSettings#executor() executor};
 *   <li><b>blocking</b>: {@link #take()}, {@link #poll(Duration)} or {@link #iterator()} on a
 *       thread of your own.
 * </ul>
 *
 * <p>Attach it where grpc allows turning automatic flow control off: on the server inside the
 * handler ({@link #forServer}, and return the receiver as the request observer); on the client by
 * passing {@link #clientObserver()} as the response observer.
 *
 * <pre>{@code
 * // client: a server-streaming call read one message at a time on this thread
 * StreamReceiver<LogLine> lines = StreamReceiver.forClient(ReceiverSettings.defaults());
 * client.serverStreaming(TAIL, query, lines.clientObserver());
 * for (LogLine line : lines) { ... }   // blocks; ends with the stream, throws its error status
 * }</pre>
 *
 * <p>With an adaptive window the receiver doubles the window while the consumer keeps up and halves
 * it when messages pile up (see {@link ReceiverSettings}). A handler running on grpc's own thread
 * leaves later messages waiting inside grpc rather than here (still bounded by the window), so only
 * the growth half of the adaptation applies to it.
 *
 * @param <T> the message type
 */
public final class StreamReceiver<T> implements StreamObserver<T>, Iterable<T> {
  private static final Logger logger = LoggerFactory.getLogger(StreamReceiver.class);

  /** Times the consumer must find the buffer empty before the window doubles. */
  private static final int GROW_AFTER_STARVED = 4;

  private final ReceiverSettings settings;
  private final MessageHandler<? super T> handler;
  private final Executor executor;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<T> queue = new ArrayDeque<>();
  private final AtomicInteger wip = new AtomicInteger();
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
  private boolean ended;
  private Throwable endError;
  private boolean stopped;
  private boolean endDelivered;

  private StreamReceiver(ReceiverSettings settings, MessageHandler<? super T> handler) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.handler = handler;
    this.executor = settings.executor();
    this.window = settings.initialWindow();
  }

  /**
   * Attaches a callback-style receiver to a server call's request stream. Call it inside the
   * handler (grpc allows turning automatic flow control off only there) and return the receiver as
   * the handler's request observer.
   *
   * @param call the call's response observer (grpc uses it for the call's flow control)
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if grpc no longer allows disabling automatic requests
   */
  public static <T> StreamReceiver<T> forServer(
      ServerCallStreamObserver<?> call,
      ReceiverSettings settings,
      MessageHandler<? super T> handler) {
    Objects.requireNonNull(call, "call");
    StreamReceiver<T> receiver =
        new StreamReceiver<>(settings, Objects.requireNonNull(handler, "handler"));
    receiver.attachServer(call);
    return receiver;
  }

  /**
   * Attaches a blocking-style receiver to a server call's request stream; read it with {@link
   * #take()}, {@link #poll} or {@link #iterator()} from a thread of your own (never from grpc's
   * callback thread, which delivers the messages).
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if grpc no longer allows disabling automatic requests
   */
  public static <T> StreamReceiver<T> forServer(
      ServerCallStreamObserver<?> call, ReceiverSettings settings) {
    Objects.requireNonNull(call, "call");
    StreamReceiver<T> receiver = new StreamReceiver<>(settings, null);
    receiver.attachServer(call);
    return receiver;
  }

  /**
   * Returns a callback-style receiver for a client call's responses; pass {@link #clientObserver()}
   * to the call.
   *
   * @throws NullPointerException if an argument is null
   */
  public static <T> StreamReceiver<T> forClient(
      ReceiverSettings settings, MessageHandler<? super T> handler) {
    return new StreamReceiver<>(settings, Objects.requireNonNull(handler, "handler"));
  }

  /**
   * Returns a blocking-style receiver for a client call's responses; pass {@link #clientObserver()}
   * to the call, then read with {@link #take()}, {@link #poll} or {@link #iterator()}.
   *
   * @throws NullPointerException if the settings are null
   */
  public static <T> StreamReceiver<T> forClient(ReceiverSettings settings) {
    return new StreamReceiver<>(settings, null);
  }

  /**
   * Returns the response observer to start a client call with; it turns automatic flow control off
   * before the call starts and feeds this receiver.
   *
   * @throws IllegalStateException when the call starts, if this receiver is already attached to
   *     another call
   */
  public <ReqT> ClientResponseObserver<ReqT, T> clientObserver() {
    return clientObserver(requests -> {});
  }

  /**
   * Like {@link #clientObserver()}, also handing the call's request stream to {@code beforeStart}
   * before the call starts: the place to create a {@link FlowControlledSender} for a bidi call.
   *
   * @throws NullPointerException if {@code beforeStart} is null
   */
  public <ReqT> ClientResponseObserver<ReqT, T> clientObserver(
      Consumer<? super ClientCallStreamObserver<ReqT>> beforeStart) {
    Objects.requireNonNull(beforeStart, "beforeStart");
    return new ForwardingClientObserver<ReqT, T>(
        this,
        requestStream -> {
          attachClient(requestStream);
          beforeStart.accept(requestStream);
        });
  }

  private void attachServer(ServerCallStreamObserver<?> call) {
    call.disableAutoRequest();
    call.request(attach(call));
  }

  private void attachClient(ClientCallStreamObserver<?> call) {
    call.disableAutoRequestWithInitial(attach(call));
  }

  /** Takes the call for flow control; returns the first request, the whole window. */
  private int attach(CallStreamObserver<?> call) {
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

  // ---- inbound (grpc's callback thread) ----

  /** Receives a message from grpc; not for application use. */
  @Override
  public void onNext(T value) {
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
    scheduleDrain();
  }

  /** Receives the stream's failure from grpc; not for application use. */
  @Override
  public void onError(Throwable t) {
    end(Objects.requireNonNull(t, "t"));
  }

  /** Receives the stream's end from grpc; not for application use. */
  @Override
  public void onCompleted() {
    end(null);
  }

  private void end(Throwable error) {
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
    scheduleDrain();
  }

  // ---- callback style ----

  private void scheduleDrain() {
    if (handler == null || wip.getAndIncrement() != 0) {
      return;
    }
    if (executor == null) {
      drainLoop();
    } else {
      try {
        executor.execute(this::drainLoop);
      } catch (RuntimeException rejected) {
        wip.set(0);
        stop(rejected, true);
      }
    }
  }

  private void drainLoop() {
    int missed = 1;
    for (; ; ) {
      for (; ; ) {
        T next;
        boolean deliverEnd = false;
        Throwable error = null;
        int waiting;
        lock.lock();
        try {
          if (stopped) {
            break;
          }
          next = queue.pollFirst();
          waiting = queue.size();
          if (next == null) {
            if (ended && !endDelivered) {
              endDelivered = true;
              deliverEnd = true;
              error = endError;
            } else {
              break;
            }
          }
        } finally {
          lock.unlock();
        }
        if (deliverEnd) {
          deliverEnd(error);
          break;
        }
        try {
          handler.onMessage(next);
        } catch (Exception e) {
          stop(e, true);
          break;
        } catch (Error e) {
          stop(e, true);
          throw e;
        }
        consumedOne(waiting);
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
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

  /** Stops receiving: discards the buffer, requests nothing more, cancels a client call. */
  private void stop(Throwable cause, boolean tellHandler) {
    lock.lock();
    try {
      if (stopped) {
        return;
      }
      stopped = true;
      discarded += queue.size();
      queue.clear();
      boolean first = !endDelivered;
      endDelivered = true;
      tellHandler &= first && handler != null;
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
    if (tellHandler) {
      deliverEnd(cause);
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

  // ---- blocking style ----

  /**
   * Takes the next message, waiting for it.
   *
   * @return the next message, or null when the stream ended successfully
   * @throws StatusRuntimeException when the stream failed (after every message that arrived before
   *     the failure was taken), or with {@code CANCELLED} if the wait is interrupted (the interrupt
   *     flag is kept)
   * @throws IllegalStateException if this receiver was made with a handler
   */
  public T take() {
    return poll(-1);
  }

  /**
   * Takes the next message, waiting at most {@code timeout}.
   *
   * @return the next message, or null when the stream ended successfully or the time ran out (tell
   *     them apart with {@link #isFinished()})
   * @throws StatusRuntimeException when the stream failed, or with {@code CANCELLED} if the wait is
   *     interrupted
   * @throws IllegalStateException if this receiver was made with a handler
   * @throws NullPointerException if the timeout is null
   */
  public T poll(Duration timeout) {
    return poll(Math.max(0, Limits.nanos(Objects.requireNonNull(timeout, "timeout"))));
  }

  private T poll(long timeoutNanos) {
    if (handler != null) {
      throw new IllegalStateException("a receiver with a handler cannot be read with take/poll");
    }
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
   * Returns an iterator over the messages: {@code hasNext()} waits for the next message or the end,
   * and throws {@link StatusRuntimeException} when the stream failed. Single-use: every iterator
   * reads from the same stream.
   *
   * @throws IllegalStateException if this receiver was made with a handler
   */
  @Override
  public Iterator<T> iterator() {
    if (handler != null) {
      throw new IllegalStateException("a receiver with a handler cannot be iterated");
    }
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

  /**
   * Stops receiving: buffered messages are discarded, nothing more is requested, a client call is
   * cancelled with the reason; a blocked reader wakes with {@code CANCELLED}, a handler gets {@code
   * onError} with {@code CANCELLED}. On the server the peer is not told (end the call through its
   * response stream for that). Idempotent.
   *
   * @throws NullPointerException if the reason is null
   */
  public void cancel(String reason) {
    Objects.requireNonNull(reason, "reason");
    stop(Status.CANCELLED.withDescription(reason).asRuntimeException(), true);
  }

  /** Returns true once the stream has ended and every message was consumed (or discarded). */
  public boolean isFinished() {
    lock.lock();
    try {
      return ended && queue.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /** Returns a snapshot of the counters. */
  public ReceiverStats stats() {
    lock.lock();
    try {
      return new ReceiverStats(
          requested, received, consumed, discarded, queue.size(), peakBuffered, window);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "StreamReceiver{" + stats() + "}";
  }
}
