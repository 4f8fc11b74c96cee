package io.switchboard.stream;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.CallStreamObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.switchboard.core.internal.Checks;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends messages on a gRPC stream without ever buffering past a bound: writes to the call only
 * while it {@linkplain CallStreamObserver#isReady() is ready}, keeps the rest in a buffer bounded
 * by count and by bytes, and applies an {@link OverflowStrategy} when the buffer is full.
 *
 * <p>grpc-java's {@code onNext} never pushes back: it enqueues, so a producer faster than the
 * network grows memory without bound (grpc-java #2379, #11770). This sender is the missing
 * pushback. Works on both sides of a call:
 *
 * <pre>{@code
 * // server streaming: create it inside the handler, before the handler returns
 * (request, responses) -> {
 *   FlowControlledSender<LogLine> sender =
 *       FlowControlledSender.create((ServerCallStreamObserver<LogLine>) responses, settings);
 *   producerPool.submit(() -> { lines.forEach(sender::send); sender.complete(); });
 * }
 *
 * // client streaming: create it in ClientResponseObserver.beforeStart(requestStream)
 * }</pre>
 *
 * <p><b>Threads.</b> {@link #send}, {@link #complete}, {@link #fail} and {@link #failNow} may be
 * called from any number of threads. Writes to the call are serialized (grpc's observers are not
 * thread-safe): whichever thread finds the transport ready drains the buffer, the producer's own
 * thread when the buffer is empty, otherwise the call's on-ready callback. Spurious on-ready calls
 * are harmless. Readiness is checked under the sender's lock just before each write, so a write
 * lands after the transport turned not-ready only when that happened in between, which grpc
 * tolerates (one extra message is queued in the transport).
 *
 * <p><b>Ending.</b> {@link #complete()} and {@link #fail(Throwable)} are delivered after every
 * buffered message was written; {@link #failNow(Throwable)} discards the buffer and ends at once.
 * When the call is cancelled (by the peer, a deadline, or a disconnect), the buffer is released at
 * once, blocked producers return, and later messages are rejected; on the server this is detected
 * through {@link ServerCallStreamObserver#setOnCancelHandler}, which this sender takes (use {@link
 * #whenDone()} to be told yourself). On the client the response side sees the end: call {@link
 * #callClosed()} from the response observer's {@code onError}/{@code onCompleted}.
 *
 * <p><b>Callbacks.</b> The {@linkplain SenderSettings#dropListener() drop listener} and the
 * {@linkplain #setOnWritableHandler writable handler} run outside the lock; an exception from
 * either is logged and ignored.
 *
 * @param <T> the message type
 */
public final class FlowControlledSender<T> {
  private static final Logger logger = LoggerFactory.getLogger(FlowControlledSender.class);

  private enum State {
    OPEN,
    CLOSING,
    TERMINATED,
    CANCELLED
  }

  private final CallStreamObserver<T> call;
  private final long maxBytes;
  private final OverflowStrategy strategy;
  private final long blockTimeoutNanos;
  private final ToIntFunction<? super T> sizeFunction;
  private final ToIntFunction<? super T> priorityFunction;
  private final SenderSettings.DropListener<? super T> dropListener;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notFull = lock.newCondition();
  private final OutboundBuffer<T> buffer; // guarded by lock
  private final AtomicInteger wip = new AtomicInteger();
  private final AtomicInteger notifying = new AtomicInteger();
  private final CompletableFuture<Status> done = new CompletableFuture<>();

  // Guarded by lock.
  private State state = State.OPEN;
  private Throwable terminalError;
  private int waiters;
  private final StreamMetrics.SenderMeter meter; // lock held
  private long offered;
  private long sent;
  private long rejected;

  private volatile Runnable onWritable;

  private FlowControlledSender(CallStreamObserver<T> call, SenderSettings<? super T> settings) {
    this.call = call;
    this.maxBytes = settings.maxBufferedBytes();
    this.strategy = settings.overflowStrategy();
    this.buffer =
        new OutboundBuffer<>(settings.maxBufferedMessages(), maxBytes, settings.overflowStrategy());
    this.blockTimeoutNanos = TimeUnit.NANOSECONDS.convert(settings.blockTimeout()); // saturates
    this.sizeFunction = settings.sizeFunction();
    this.priorityFunction = settings.priority();
    this.dropListener = settings.dropListener();
    this.meter = StreamMetrics.SenderMeter.of(settings.metrics(), strategy);
  }

  /**
   * Creates a sender over a call's outbound stream and takes its on-ready handler (and, on the
   * server, its on-cancel handler). Call it where grpc allows those handlers to be set: inside the
   * server handler before it returns, or in {@code ClientResponseObserver.beforeStart}.
   *
   * @param call the outbound stream: a {@link ServerCallStreamObserver} or a {@link
   *     io.grpc.stub.ClientCallStreamObserver}
   * @param settings bounds and overflow strategy
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if grpc no longer allows setting the handlers
   */
  public static <T> FlowControlledSender<T> create(
      CallStreamObserver<T> call, SenderSettings<? super T> settings) {
    Objects.requireNonNull(call, "call");
    Objects.requireNonNull(settings, "settings");
    FlowControlledSender<T> sender = new FlowControlledSender<>(call, settings);
    call.setOnReadyHandler(sender::drain);
    if (call instanceof ServerCallStreamObserver<?> server) {
      server.setOnCancelHandler(sender::callClosed);
    }
    BufferGauge.report(sender::buffered); // a registry tracking the call shows what waits here
    return sender;
  }

  /**
   * Offers a message: written at once if the transport is ready and nothing is waiting, buffered if
   * it fits, otherwise handled by the overflow strategy.
   *
   * @return true if the message was written or buffered; false if it was dropped (by {@code
   *     DROP_NEWEST}, {@code DROP_LOWEST_PRIORITY}, a {@code BLOCK} timeout or {@code FAIL}) or
   *     rejected because the call is cancelled or failed. {@code DROP_OLDEST} returns true: an
   *     older message made room.
   * @throws NullPointerException if the message is null
   * @throws IllegalArgumentException if its size is negative or larger than the byte bound (it
   *     could never fit)
   * @throws IllegalStateException if {@link #complete()} was called before (after {@link #fail} or
   *     {@link #failNow} it returns false instead, counted as rejected)
   * @throws StatusRuntimeException with {@code CANCELLED} if a {@code BLOCK} wait is interrupted
   *     (the interrupt flag is kept)
   */
  public boolean send(T message) {
    Objects.requireNonNull(message, "message");
    int size =
        (int)
            Checks.inRange("message size in bytes", sizeFunction.applyAsInt(message), 0, maxBytes);
    int priority =
        strategy == OverflowStrategy.DROP_LOWEST_PRIORITY
            ? priorityFunction.applyAsInt(message)
            : 0;
    List<T> dropped = null;
    boolean accepted;
    boolean writeNow = false;
    lock.lock();
    try {
      offered++;
      if (state != State.OPEN) {
        if (state == State.CANCELLED || terminalError != null) {
          rejected++;
          return false;
        }
        offered--;
        throw new IllegalStateException("send after complete()");
      }
      if (buffer.isEmpty() && wip.get() == 0 && call.isReady() && wip.compareAndSet(0, 1)) {
        sent++;
        writeNow = true;
        accepted = true;
      } else if (buffer.add(message, size, priority)) {
        accepted = true;
      } else if (strategy == OverflowStrategy.BLOCK) {
        long droppedBefore = buffer.dropped();
        accepted = awaitRoomAndEnqueue(message, size);
        if (buffer.dropped() != droppedBefore) {
          dropped = List.of(message);
        }
      } else {
        OutboundBuffer.Overflow<T> overflow = buffer.overflow(message, size, priority);
        accepted = overflow.accepted();
        dropped = overflow.dropped();
        if (strategy == OverflowStrategy.FAIL) {
          beginFailNow(
              Status.RESOURCE_EXHAUSTED
                  .withDescription(buffer.describeFull(size))
                  .asRuntimeException());
        }
      }
      meter.report(buffer);
    } finally {
      lock.unlock();
    }
    if (writeNow) {
      writeSafely(message);
      afterDirectWrite();
    } else {
      if (dropped != null) {
        notifyDropped(dropped);
      }
      drain();
    }
    return accepted;
  }

  /**
   * Writes a message only if it can be written at once (open, nothing buffered, transport ready);
   * otherwise leaves it to the caller. For lazy producers inside this package: one lock instead of
   * {@link #isWritable()} followed by {@link #send}.
   *
   * @return true if the message was written
   */
  boolean trySendNow(T message) {
    Objects.requireNonNull(message, "message");
    lock.lock();
    try {
      if (state != State.OPEN
          || !buffer.isEmpty()
          || wip.get() != 0
          || !call.isReady()
          || !wip.compareAndSet(0, 1)) {
        return false;
      }
      offered++;
      sent++;
    } finally {
      lock.unlock();
    }
    writeSafely(message);
    afterDirectWrite();
    return true;
  }

  /**
   * Ends the stream successfully once every buffered message was written.
   *
   * @throws IllegalStateException if {@code complete()} or {@code fail} was already called
   */
  public void complete() {
    terminate(null);
  }

  /**
   * Ends the stream with an error once every buffered message was written. A {@link
   * StatusRuntimeException} carries its status to the peer; on a server bound with core's {@code
   * ServiceBinder} other throwables are mapped by its {@code ErrorMapper}.
   *
   * @throws NullPointerException if the error is null
   * @throws IllegalStateException if {@code complete()} or {@code fail} was already called
   */
  public void fail(Throwable error) {
    terminate(Objects.requireNonNull(error, "error"));
  }

  /**
   * Ends the stream with an error now: buffered messages are discarded (counted in {@link
   * SenderStats#discarded()}) and blocked producers return false. Does nothing if the stream has
   * already ended or been cancelled; replaces a pending {@code complete()}/{@code fail}.
   *
   * @throws NullPointerException if the error is null
   */
  public void failNow(Throwable error) {
    Objects.requireNonNull(error, "error");
    lock.lock();
    try {
      if (state == State.TERMINATED || state == State.CANCELLED) {
        return;
      }
      beginFailNow(error);
    } finally {
      lock.unlock();
    }
    drain();
  }

  /**
   * Tells the sender that the call has ended from the other side (cancelled, failed, or the peer
   * closed it): buffered messages are released and counted as discarded, blocked producers return
   * false, and later messages are rejected. Called automatically on the server; on the client, call
   * it from the response observer's {@code onError} and {@code onCompleted}. Idempotent.
   */
  public void callClosed() {
    lock.lock();
    try {
      if (state == State.TERMINATED || state == State.CANCELLED) {
        return;
      }
      state = State.CANCELLED;
      discardBuffer();
      meter.ended(buffer);
    } finally {
      lock.unlock();
    }
    done.complete(Status.CANCELLED.withDescription("the call ended before the sender finished"));
  }

  /**
   * Sets a handler run whenever the buffer has become empty while the transport is still ready: the
   * moment a lazy producer (a history reader, a coalescer) should produce more. Runs on the thread
   * that drained the buffer (a producer or grpc's callback thread): keep it short or hand off to an
   * executor. Replaces any previous handler.
   *
   * @throws NullPointerException if the handler is null
   */
  public void setOnWritableHandler(Runnable handler) {
    this.onWritable = Objects.requireNonNull(handler, "handler");
  }

  /**
   * Returns true when a message sent now would be written at once: the stream is open, nothing is
   * buffered and the transport is ready.
   */
  public boolean isWritable() {
    lock.lock();
    try {
      return state == State.OPEN && buffer.isEmpty() && call.isReady();
    } finally {
      lock.unlock();
    }
  }

  /** Returns true once the stream has ended (written its end, failed, or been cancelled). */
  public boolean isDone() {
    return done.isDone();
  }

  /**
   * Returns a stage completed when the stream has ended: with {@link Status#OK} after {@code
   * onCompleted} was written, with the error's status after {@code onError}, with {@code CANCELLED}
   * when the call ended first. Never completes exceptionally.
   */
  public CompletionStage<Status> whenDone() {
    return done.minimalCompletionStage();
  }

  /**
   * Returns the number of messages buffered now, without a whole snapshot: for the registry's gauge
   * and tests ({@link #stats()} gives users the same number).
   */
  int buffered() {
    lock.lock();
    try {
      return buffer.size();
    } finally {
      lock.unlock();
    }
  }

  /** Returns the number of producers blocked in a {@code BLOCK} wait now; for tests. */
  int waitingProducers() {
    lock.lock();
    try {
      return waiters;
    } finally {
      lock.unlock();
    }
  }

  /** Returns a consistent snapshot of the counters. */
  public SenderStats stats() {
    lock.lock();
    try {
      return new SenderStats(
          offered,
          sent,
          buffer.dropped(),
          buffer.timedOut(),
          buffer.discarded(),
          rejected,
          buffer.size(),
          buffer.bytes(),
          buffer.peakMessages(),
          buffer.peakBytes());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "FlowControlledSender{" + strategy + ", " + stats() + "}";
  }

  // ---- internals (callers hold the lock where noted) ----

  /** Lock held. Returns false when the wait timed out or the stream ended meanwhile. */
  private boolean awaitRoomAndEnqueue(T message, int size) {
    long remaining = blockTimeoutNanos;
    waiters++;
    meter.waited();
    try {
      while (state == State.OPEN && !buffer.fits(size)) {
        if (remaining <= 0) {
          buffer.countTimedOut();
          return false;
        }
        try {
          remaining = notFull.awaitNanos(remaining);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          buffer.countInterrupted();
          throw Status.CANCELLED
              .withDescription("interrupted while waiting for room in the outbound buffer")
              .withCause(e)
              .asRuntimeException();
        }
      }
    } finally {
      waiters--;
    }
    if (state != State.OPEN) {
      // Cancelled or failed while waiting: a rejection, not an overflow drop.
      rejected++;
      return false;
    }
    buffer.add(message, size, 0);
    return true;
  }

  /** Lock held. Wakes blocked producers when a drain pass stops with room left. */
  private void wakeWaitersIfRoom() {
    if (waiters > 0 && buffer.belowCountBound()) {
      notFull.signalAll();
    }
  }

  /** Lock held. */
  private void beginFailNow(Throwable error) {
    discardBuffer();
    state = State.CLOSING;
    terminalError = error;
  }

  /** Lock held. */
  private void discardBuffer() {
    buffer.discardAll();
    meter.report(buffer);
    if (waiters > 0) {
      notFull.signalAll();
    }
  }

  private void terminate(Throwable error) {
    lock.lock();
    try {
      if (state == State.CANCELLED) {
        return;
      }
      if (state != State.OPEN) {
        throw new IllegalStateException(
            (error == null ? "complete()" : "fail()") + " after the stream was already ended");
      }
      state = State.CLOSING;
      terminalError = error;
      if (waiters > 0) {
        notFull.signalAll();
      }
    } finally {
      lock.unlock();
    }
    drain();
  }

  /**
   * After a direct write (made holding wip = 1 with the buffer empty): if nobody enqueued or ended
   * the stream meanwhile (they would have bumped wip), the buffer is still empty and no lock is
   * needed; otherwise drain what they left.
   */
  private void afterDirectWrite() {
    int missed = wip.decrementAndGet();
    if (missed != 0) {
      drainLoop(missed);
    } else if (onWritable != null && call.isReady()) {
      fireWritable();
    }
  }

  /** Drains the buffer if no other thread is doing it; safe to call at any time (on-ready). */
  private void drain() {
    if (wip.getAndIncrement() == 0) {
      drainLoop(1);
    }
  }

  /** Runs with wip >= missed owned by this thread. */
  private void drainLoop(int missed) {
    boolean writable = false;
    for (; ; ) {
      for (; ; ) {
        T next = null;
        boolean end = false;
        Throwable error = null;
        lock.lock();
        try {
          if (state == State.TERMINATED || state == State.CANCELLED) {
            writable = false;
            break;
          }
          if (!buffer.isEmpty()) {
            if (!call.isReady()) {
              wakeWaitersIfRoom();
              writable = false;
              break;
            }
            next = buffer.poll();
            sent++;
            meter.report(buffer);
            if (waiters > 0 && buffer.belowLowWatermark()) {
              // Not on every message: a blocked producer woken per message would ping-pong the
              // lock with the drainer; waking it at half-empty lets it refill in one go.
              notFull.signalAll();
            }
          } else if (state == State.CLOSING) {
            state = State.TERMINATED;
            meter.ended(buffer);
            end = true;
            error = terminalError;
          } else {
            wakeWaitersIfRoom();
            writable = onWritable != null && call.isReady();
            break;
          }
        } finally {
          lock.unlock();
        }
        if (end) {
          deliverEnd(error);
          writable = false;
          break;
        }
        writeSafely(next);
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        break;
      }
    }
    if (writable && onWritable != null) {
      fireWritable();
    }
  }

  /**
   * Runs the writable handler, never re-entrantly: a handler that sends (and so drains, and so
   * finds the sender writable again) is run again after it returns instead of recursing.
   */
  private void fireWritable() {
    if (notifying.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      try {
        onWritable.run();
      } catch (RuntimeException e) {
        logger.warn("writable handler failed", e);
      }
      missed = notifying.addAndGet(-missed);
    } while (missed != 0);
  }

  private void writeSafely(T message) {
    try {
      call.onNext(message);
    } catch (RuntimeException e) {
      // The call was closed under us (cancelled, or closed by a marshalling failure).
      logger.debug("write failed; treating the call as closed", e);
      callClosed();
    }
  }

  private void deliverEnd(Throwable error) {
    Status status;
    try {
      if (error == null) {
        call.onCompleted();
        status = Status.OK;
      } else {
        call.onError(error);
        status = Status.fromThrowable(error);
      }
    } catch (RuntimeException e) {
      logger.debug("ending the call failed; it was already closed", e);
      status = Status.CANCELLED.withDescription("the call ended before the sender finished");
    }
    done.complete(status);
  }

  private void notifyDropped(List<T> messages) {
    for (T m : messages) {
      try {
        dropListener.dropped(m, strategy);
      } catch (RuntimeException e) {
        logger.warn("drop listener failed", e);
      }
    }
  }
}
