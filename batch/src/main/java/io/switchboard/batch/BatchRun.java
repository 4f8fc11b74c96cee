package io.switchboard.batch;

import io.grpc.Context;
import io.grpc.Contexts;
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
 *
 * <p>Every call is made in the {@link Context} of the caller of {@code execute}, on whatever thread
 * it starts, so what the caller's context carries (a trace context, a deadline) reaches the calls;
 * cancelling that context stops the run.
 */
final class BatchRun<I, O> {
  private static final Predicate<Status.Code> NO_RETRY = code -> false;

  /**
   * What every run of one executor shares.
   *
   * @param settings the executor's settings
   * @param shape how calls are made
   * @param timer the executor's timer thread (timeouts, backoffs, deadlines)
   * @param metrics where runs report
   * @param onFinish called once when a run is over, before its future completes
   */
  record Shared<I, O>(
      BatchSettings settings,
      CallShape<I, O> shape,
      ScheduledExecutorService timer,
      BatchMetrics metrics,
      Consumer<BatchRun<I, O>> onFinish) {}

  private final BatchSettings settings;
  private final CallShape<I, O> shape;
  private final ScheduledExecutorService timer;
  private final BatchMetrics metrics;
  private final Consumer<BatchRun<I, O>> onFinish;
  private final Executor executor;
  private final RetrySettings retry;
  private final long callTimeoutNanos;
  private final Limiter limiter;
  private final InputReader<I> reader;
  private final ResultLedger<I, O> ledger;
  private final Context context;
  private final Context.CancellationListener contextCancelled = this::contextCancelled;
  // Made once per run rather than per attempt.
  private final Predicate<Status.Code> retryable;
  private final Consumer<Batch<I, O>> relaunch = this::relaunch;

  /** The future a caller holds: completing it from outside (cancel, timeout) stops the run. */
  final CancellingFuture<Object> future = new CancellingFuture<>(how -> stop(stopReasonFor(how)));

  // Control.
  private final AtomicInteger wip = new AtomicInteger();
  private final Set<Batch<I, O>> running = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Status> stopReason = new AtomicReference<>();
  private final AtomicBoolean finished = new AtomicBoolean();
  // Set by start(): the run's clock origin, from which its deadline counts.
  private volatile long startNanos;
  private volatile long deadlineNanos;
  private final boolean hasDeadline;
  private volatile ScheduledFuture<?> deadlineTimer;

  /**
   * A run, not started.
   *
   * @param shared what the executor's runs share
   * @param limiter the run's own slots (also read by the ledger's progress)
   * @param reader the run's inputs
   * @param ledger where the run's results go
   * @param context the caller's context: every call is made in it, and its cancellation stops the
   *     run
   */
  BatchRun(
      Shared<I, O> shared,
      Limiter limiter,
      InputReader<I> reader,
      ResultLedger<I, O> ledger,
      Context context) {
    this.settings = shared.settings();
    this.shape = shared.shape();
    this.timer = shared.timer();
    this.metrics = shared.metrics();
    this.onFinish = shared.onFinish();
    this.executor = settings.executor().orElse(null);
    this.retry = settings.retry();
    this.retryable = retry::isRetryable;
    this.callTimeoutNanos = settings.callTimeout().toNanos();
    this.limiter = limiter;
    this.reader = reader;
    this.ledger = ledger;
    this.context = context;
    this.hasDeadline = settings.deadline().isPresent();
  }

  void start() {
    startNanos = System.nanoTime();
    Duration deadline = settings.deadline().orElse(null);
    if (deadline != null) {
      deadlineNanos = startNanos + deadline.toNanos();
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
    // Runs the listener at once if the context is already cancelled; a root context never is.
    context.addListener(contextCancelled, Runnable::run);
    drain();
  }

  private void contextCancelled(Context cancelled) {
    Status why = Contexts.statusFromCancelled(cancelled);
    stop(
        Status.fromCode(why.getCode())
            .withDescription(
                "the caller's io.grpc.Context was cancelled (" + Statuses.describe(why) + ")")
            .withCause(why.getCause()));
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
      metrics.batchFormed();
      running.add(b);
      launch(b);
    }
    Status reason = stopReason.get();
    if (reason != null) {
      for (Batch<I, O> rest = reader.next(); rest != null; rest = reader.next()) {
        metrics.batchFormed();
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
      int attemptNo = begin(b);
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
    int attemptNo = begin(b);
    if (attemptNo < 0) {
      return;
    }
    CompletableFuture<?> call;
    try {
      call = startInCallersContext(b);
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

  /**
   * Starts the call in the caller's context, whichever thread this is (the caller's, the
   * executor's, the timer's for a retry): its values (a trace context), deadline and cancellation.
   */
  private CompletableFuture<?> startInCallersContext(Batch<I, O> b) {
    Context previous = context.attach();
    try {
      return shape.start(b);
    } finally {
      context.detach(previous);
    }
  }

  /** Begins a batch's next attempt and counts it; -1 if the batch was aborted meanwhile. */
  private int begin(Batch<I, O> b) {
    int attemptNo = b.begin(System.nanoTime());
    if (attemptNo > 0) {
      metrics.attemptBegan(attemptNo);
    }
    return attemptNo;
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
    Predicate<Status.Code> retryNow =
        attemptNo < retry.maxAttempts()
                && stopReason.get() == null
                && !(hasDeadline && deadlineNanos - now <= backoff)
            ? this.retryable
            : NO_RETRY;
    Object answer = value;
    Throwable failure = error;
    Batch.Settled<I, O> settled =
        b.settle(
            attemptNo,
            now,
            batch ->
                AttemptOutcome.classify(
                    batch, attemptNo, answer, failure, shape.perBatch(), retryNow),
            timer,
            backoff,
            relaunch);
    if (settled == null) {
      return; // stale: the batch was aborted, and the abort reported its items
    }
    AttemptOutcome<I, O> outcome = settled.outcome();
    limiter.onSample(settled.latencyNanos(), outcome.sample());
    metrics.attemptAnswered(settled.latencyNanos(), outcome.sample());
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
    context.removeListener(contextCancelled);
    long elapsed = System.nanoTime() - startNanos;
    BatchSummary summary = ledger.summarize(elapsed);
    Object result = ledger.result(summary);
    RuntimeException sourceFailure = reader.failure().orElse(null);
    metrics.runEnded(
        elapsed,
        sourceFailure != null
            ? BatchMetrics.RunEnd.FAILED
            : stopReason.get() != null
                ? BatchMetrics.RunEnd.STOPPED
                : BatchMetrics.RunEnd.COMPLETED);
    onFinish.accept(this);
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
