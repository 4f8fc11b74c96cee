package io.switchboard.batch;

import io.grpc.Status;
import io.switchboard.core.internal.CancellingFuture;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One run of a {@link BatchExecutor}: takes batches from its {@link InputReader} while the {@link
 * Limiter} has a free slot, drives each {@link Batch} through its attempts (calls, timeouts,
 * retries), and hands every item's result to its {@link ResultLedger} exactly once.
 *
 * <p>How exactly-once holds: each input is read once, by the drain loop (one thread at a time),
 * into exactly one batch; once the run has stopped, that same loop reports what it still reads as
 * not attempted. A batch's items are reported by the transition that ends it ({@link Batch#settle}
 * or {@link Batch#abort}, decided under the batch's lock, delivered after it is released), or, for
 * the part of them an attempt finished while the rest are retried, by that attempt (and then
 * dropped from the batch).
 */
final class BatchRun<I, O> {
  private static final Predicate<Status.Code> NO_RETRY = code -> false;

  private final BatchSettings settings;
  private final CallShape<I, O> shape;
  private final ScheduledExecutorService timer;
  private final Executor executor;
  private final Limiter limiter;
  private final RetrySettings retry;
  private final long callTimeoutNanos;
  private final InputReader<I> reader;
  private final ResultLedger<I, O> ledger;
  private final Consumer<BatchRun<I, O>> onFinish;

  /** The future a caller holds: completing it from outside (cancel, timeout) stops the run. */
  final CancellingFuture<Object> future = new CancellingFuture<>(how -> stop(stopReasonFor(how)));

  // Control.
  private final AtomicInteger wip = new AtomicInteger();
  private final Set<Batch<I, O>> running = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Status> stopReason = new AtomicReference<>();
  private final AtomicBoolean finished = new AtomicBoolean();
  private final long startNanos;
  private final long deadlineNanos;
  private final boolean hasDeadline;
  private volatile ScheduledFuture<?> deadlineTimer;

  /**
   * A run, not started.
   *
   * @param settings the executor's settings
   * @param shape how calls are made
   * @param timer the executor's timer thread (timeouts, backoffs, the deadline)
   * @param limiter the run's own slots (also read by the ledger's progress)
   * @param reader the run's inputs
   * @param ledger where the run's results go
   * @param startNanos when the run starts ({@link System#nanoTime()})
   * @param onFinish called once when the run is over, before its future completes
   */
  BatchRun(
      BatchSettings settings,
      CallShape<I, O> shape,
      ScheduledExecutorService timer,
      Limiter limiter,
      InputReader<I> reader,
      ResultLedger<I, O> ledger,
      long startNanos,
      Consumer<BatchRun<I, O>> onFinish) {
    this.settings = settings;
    this.shape = shape;
    this.timer = timer;
    this.executor = settings.executor().orElse(null);
    this.limiter = limiter;
    this.retry = settings.retry();
    this.callTimeoutNanos = settings.callTimeout().toNanos();
    this.reader = reader;
    this.ledger = ledger;
    this.onFinish = onFinish;
    this.startNanos = startNanos;
    Duration deadline = settings.deadline().orElse(null);
    this.hasDeadline = deadline != null;
    this.deadlineNanos = hasDeadline ? startNanos + deadline.toNanos() : 0;
  }

  void start() {
    Duration deadline = settings.deadline().orElse(null);
    if (deadline != null) {
      try {
        deadlineTimer =
            timer.schedule(
                () ->
                    stop(
                        Status.DEADLINE_EXCEEDED.withDescription(
                            "the run's deadline of " + deadline + " passed")),
                deadlineNanos - System.nanoTime(),
                TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        stop(Status.CANCELLED.withDescription("the BatchExecutor was closed"));
      }
    }
    drain();
  }

  /** Stops the run: nothing new is sent, calls in flight are cancelled, the rest is reported. */
  void stop(Status reason) {
    if (!stopReason.compareAndSet(null, reason)) {
      return;
    }
    for (Batch<I, O> b : running) {
      abort(b, reason);
    }
    drain();
  }

  /** Runs the pump on one thread at a time; calls made while it runs make it go round again. */
  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      try {
        pump();
      } catch (RuntimeException | Error e) {
        // Our own bug, or an Error: fail the run rather than hang it.
        if (finished.compareAndSet(false, true)) {
          onFinish.accept(this);
          future.failFromSource(e);
        }
        throw e;
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  private void pump() {
    while (!reader.isDone() && stopReason.get() == null && limiter.tryAcquire()) {
      Batch<I, O> b = reader.next();
      if (b == null) {
        limiter.release();
        break;
      }
      running.add(b);
      launch(b);
    }
    Status reason = stopReason.get();
    if (reason != null) {
      for (Batch<I, O> rest = reader.next(); rest != null; rest = reader.next()) {
        ledger.deliver(rest.abort(reason).items(), System.nanoTime());
      }
    }
    if (reader.isDone() && limiter.inFlight() == 0 && finished.compareAndSet(false, true)) {
      complete();
    }
  }

  private void launch(Batch<I, O> b) {
    if (executor == null) {
      attempt(b);
      return;
    }
    try {
      executor.execute(() -> attempt(b));
    } catch (RuntimeException rejected) {
      int attemptNo = b.begin(System.nanoTime());
      if (attemptNo > 0) {
        onAttemptDone(
            b,
            attemptNo,
            null,
            Status.INTERNAL
                .withDescription("the executor rejected the call: " + rejected)
                .withCause(rejected)
                .asRuntimeException());
      }
    }
  }

  private void attempt(Batch<I, O> b) {
    Status reason = stopReason.get();
    if (reason != null) {
      abort(b, reason);
      return;
    }
    int attemptNo = b.begin(System.nanoTime());
    if (attemptNo < 0) {
      return;
    }
    CompletableFuture<?> call;
    try {
      call = shape.start(b);
    } catch (RuntimeException e) {
      onAttemptDone(b, attemptNo, null, e);
      return;
    }
    if (!b.attach(attemptNo, call, timer, callTimeoutNanos, () -> timeOut(call))) {
      call.cancel(false);
      return;
    }
    call.whenComplete((value, error) -> onAttemptDone(b, attemptNo, value, error));
  }

  private void timeOut(CompletableFuture<?> call) {
    call.completeExceptionally(
        Status.DEADLINE_EXCEEDED
            .withDescription(
                "the call attempt took longer than callTimeout " + settings.callTimeout())
            .asRuntimeException());
  }

  /** An attempt answered: settle the batch, report, learn, and go on. */
  private void onAttemptDone(Batch<I, O> b, int attemptNo, Object rawValue, Throwable rawError) {
    long now = System.nanoTime();
    Object value = rawValue;
    Throwable error = rawError;
    if (error == null) {
      // The user's converter, run outside the batch lock; a converter that throws fails the items.
      try {
        value = shape.convert(rawValue);
      } catch (Throwable e) {
        error = e;
      }
    }
    long backoff = attemptNo < retry.maxAttempts() ? retry.backoffNanos(attemptNo) : 0;
    Predicate<Status.Code> retryable =
        attemptNo < retry.maxAttempts()
                && stopReason.get() == null
                && !(hasDeadline && deadlineNanos - now <= backoff)
            ? retry::isRetryable
            : NO_RETRY;
    Object answer = value;
    Throwable failure = error;
    Batch.Settled<I, O> settled =
        b.settle(
            attemptNo,
            now,
            batch ->
                AttemptOutcome.classify(
                    batch, attemptNo, answer, failure, shape.perBatch(), retryable),
            timer,
            backoff,
            () -> relaunch(b));
    if (settled == null) {
      return; // stale: the batch was aborted, and the abort reported its items
    }
    AttemptOutcome<I, O> outcome = settled.outcome();
    limiter.onSample(settled.latencyNanos(), outcome.sample());
    if (!outcome.finals().isEmpty()) {
      ledger.deliver(outcome.finals(), System.nanoTime());
    }
    ItemResult<I, O> firstFailure = outcome.firstFailure();
    if (firstFailure != null && settings.failFast()) {
      stop(
          Status.CANCELLED.withDescription(
              "fail-fast: stopped after item "
                  + firstFailure.index()
                  + " failed with "
                  + Statuses.describe(firstFailure.status())));
    }
    if (settled.done()) {
      finishBatch(b);
    }
  }

  private void relaunch(Batch<I, O> b) {
    if (b.requeue()) {
      launch(b);
    }
  }

  /** Ends a batch because the run stopped, reporting each of its items once. */
  private void abort(Batch<I, O> b, Status reason) {
    Batch.Aborted<I, O> aborted = b.abort(reason);
    if (aborted == null) {
      return;
    }
    if (aborted.inFlight() != null) {
      aborted.inFlight().cancel(false);
    }
    ledger.deliver(aborted.items(), System.nanoTime());
    finishBatch(b);
  }

  private void finishBatch(Batch<I, O> b) {
    running.remove(b);
    limiter.release();
    drain();
  }

  private void complete() {
    ScheduledFuture<?> deadline = deadlineTimer;
    if (deadline != null) {
      deadline.cancel(false);
    }
    BatchSummary summary = ledger.summarize(System.nanoTime() - startNanos);
    Object result = ledger.result(summary);
    onFinish.accept(this);
    RuntimeException sourceFailure = reader.failure().orElse(null);
    if (sourceFailure != null) {
      future.failFromSource(sourceFailure);
    } else {
      future.completeFromSource(result);
    }
  }

  /** Returns the items reported so far (for metrics and tests). */
  long done() {
    return ledger.done();
  }

  /** Returns the calls in flight now, waits between retries included. */
  int callsInFlight() {
    return limiter.inFlight();
  }

  /** Returns the run's current limit on calls in flight. */
  int concurrencyLimit() {
    return limiter.limit();
  }

  /** Why the run stops when its caller completed its future: cancel, complete, or a failure. */
  private static Status stopReasonFor(Throwable how) {
    if (how == null) {
      return Status.CANCELLED.withDescription("the run's future was completed by its caller");
    }
    if (how instanceof CancellationException) {
      return Status.CANCELLED.withDescription("the run was cancelled by its caller");
    }
    return Status.CANCELLED.withDescription(
        "the run's future was completed by its caller with " + how);
  }
}
