package io.switchboard.batch;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The items of one run sent together and retried together, and where they are in their life: the
 * per-batch state machine of a {@link BatchRun}. Each transition is decided under the batch's own
 * monitor, so whatever races (an attempt's answer, its timeout, the run stopping, a retry timer)
 * exactly one of them reports each item:
 *
 * <pre>
 *   QUEUED --begin--> RUNNING --settle--> DONE              (every item final)
 *                        |  ^
 *                  settle|  |begin
 *                        v  |
 *                     BACKOFF --requeue--> QUEUED          (the items to retry, after a wait)
 *   any state but DONE --abort--> DONE                     (the run stopped)
 * </pre>
 *
 * <p>An attempt is named by its number: what belongs to an older attempt (a late answer, a late
 * timer) finds the number changed and is ignored. A settled attempt that retries some items reports
 * the others at once and keeps only those it retries.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
final class Batch<I, O> {
  /** Where a batch is in its life. */
  enum State {
    /** Formed, or waiting to be sent again; no call in flight. */
    QUEUED,
    /** An attempt's call is in flight. */
    RUNNING,
    /** Waiting out the backoff before its failed items are sent again. */
    BACKOFF,
    /** Every item was reported. */
    DONE
  }

  /**
   * What settling an attempt decided.
   *
   * @param outcome the items reported now, what is retried, the limiter's sample
   * @param latencyNanos the attempt's time from begin to its answer
   * @param done true if every item is now reported (the batch frees its slot)
   */
  record Settled<I, O>(AttemptOutcome<I, O> outcome, long latencyNanos, boolean done) {}

  /**
   * What aborting a batch reported and left to cancel.
   *
   * @param items every item still held by the batch, reported once
   * @param inFlight the call in flight, to cancel outside the lock; null if none
   */
  record Aborted<I, O>(List<ItemResult<I, O>> items, CompletableFuture<?> inFlight) {}

  private final long index;
  private long[] indices;
  private Object[] inputs;
  private Status[] lastStatus;
  private int attempts;
  private State state = State.QUEUED;
  private CompletableFuture<?> current;
  private ScheduledFuture<?> timer;
  private long startNanos;

  /**
   * A new batch of the given inputs, QUEUED.
   *
   * @param index the batch's number in the run, from 0, in the order batches are formed
   * @param indices each input's position in the run's input
   * @param inputs the inputs, as many as indices
   */
  Batch(long index, long[] indices, Object[] inputs) {
    if (indices.length != inputs.length || inputs.length == 0) {
      throw new IllegalArgumentException(
          "inputs: "
              + inputs.length
              + ", indices: "
              + indices.length
              + " (expected: as many, at least one)");
    }
    this.index = index;
    this.indices = indices;
    this.inputs = inputs;
  }

  /** Returns the batch's number in the run. */
  long index() {
    return index;
  }

  synchronized State state() {
    return state;
  }

  /** Returns the attempts begun so far. */
  synchronized int attempts() {
    return attempts;
  }

  /** Returns the number of items the batch still holds (fewer after a partial retry). */
  synchronized int size() {
    return inputs.length;
  }

  /** Returns the run indices of the items the batch still holds, in order. */
  synchronized long[] indices() {
    return indices.clone();
  }

  /** Returns the items the batch still holds, for the call: an unmodifiable list. */
  @SuppressWarnings("unchecked")
  synchronized List<I> inputList() {
    return (List<I>)
        Collections.unmodifiableList(Arrays.asList(inputs)); // arrays are replaced, never changed
  }

  /** Returns the first item the batch holds (the only one, in per-item mode). */
  @SuppressWarnings("unchecked")
  synchronized I firstInput() {
    return (I) inputs[0];
  }

  /**
   * QUEUED → RUNNING: an attempt begins.
   *
   * @return the attempt's number, from 1; -1 if the batch is not QUEUED (it was aborted)
   */
  synchronized int begin(long nowNanos) {
    if (state != State.QUEUED) {
      return -1;
    }
    state = State.RUNNING;
    startNanos = nowNanos;
    return ++attempts;
  }

  /**
   * Makes {@code call} the attempt's call in flight (cancelled if the batch is aborted) and starts
   * its timeout on {@code timers}.
   *
   * @return false if the attempt is no longer the batch's current one (aborted meanwhile): the
   *     caller cancels the call
   */
  synchronized boolean attach(
      int attempt,
      CompletableFuture<?> call,
      ScheduledExecutorService timers,
      long timeoutNanos,
      Runnable onTimeout) {
    if (state != State.RUNNING || attempts != attempt) {
      return false;
    }
    current = call;
    try {
      timer = timers.schedule(onTimeout, timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closed) {
      // The executor is closing; close() stops the run, and that aborts this batch.
    }
    return true;
  }

  /**
   * RUNNING → DONE or BACKOFF: attempt {@code attempt} answered. Classifies the answer, reports the
   * final items, keeps those to retry and schedules their relaunch after {@code backoffNanos}; if
   * the timers refuse it (closing), they fail with the status they just had.
   *
   * @param classify turns the answer into an outcome, given this batch (its lock held)
   * @return what was decided; null if the attempt is stale (aborted, or an older attempt's answer)
   */
  synchronized Settled<I, O> settle(
      int attempt,
      long nowNanos,
      Function<? super Batch<I, O>, AttemptOutcome<I, O>> classify,
      ScheduledExecutorService timers,
      long backoffNanos,
      Consumer<? super Batch<I, O>> relaunch) {
    if (state != State.RUNNING || attempts != attempt) {
      return null;
    }
    cancelTimer();
    current = null;
    long latency = nowNanos - startNanos;
    AttemptOutcome<I, O> outcome = classify.apply(this);
    if (!outcome.retries()) {
      state = State.DONE;
      return new Settled<>(outcome, latency, true);
    }
    keep(outcome.retryStatuses());
    state = State.BACKOFF;
    try {
      timer = timers.schedule(() -> relaunch.accept(this), backoffNanos, TimeUnit.NANOSECONDS);
      return new Settled<>(outcome, latency, false);
    } catch (RejectedExecutionException closed) {
      state = State.DONE;
      List<ItemResult<I, O>> finals = new ArrayList<>(outcome.finals());
      finals.addAll(lastFailures());
      return new Settled<>(outcome.withFinals(finals), latency, true);
    }
  }

  /**
   * BACKOFF → QUEUED: the backoff passed.
   *
   * @return false if the batch is no longer waiting (it was aborted)
   */
  synchronized boolean requeue() {
    if (state != State.BACKOFF) {
      return false;
    }
    state = State.QUEUED;
    timer = null;
    return true;
  }

  /**
   * Any state but DONE → DONE: the run stopped. Items in flight fail with {@code reason} (saying
   * so), items waiting to retry fail with the status of their last attempt, items never sent are
   * not attempted.
   *
   * @return the items reported and the call to cancel; null if the batch was already DONE
   */
  synchronized Aborted<I, O> abort(Status reason) {
    if (state == State.DONE) {
      return null;
    }
    State previous = state;
    state = State.DONE;
    cancelTimer();
    CompletableFuture<?> inFlight = current;
    current = null;
    List<ItemResult<I, O>> items;
    if (previous == State.RUNNING) {
      Status cancelled =
          reason.withDescription("in flight when the run stopped: " + reason.getDescription());
      items = new ArrayList<>(inputs.length);
      for (int i = 0; i < inputs.length; i++) {
        items.add(ItemResult.failed(indices[i], input(i), cancelled, attempts, index));
      }
    } else if (attempts == 0) {
      items = new ArrayList<>(inputs.length);
      for (int i = 0; i < inputs.length; i++) {
        items.add(ItemResult.notAttempted(indices[i], input(i), reason));
      }
    } else {
      items = lastFailures();
    }
    return new Aborted<>(items, inFlight);
  }

  /** Item {@code i} of those the batch holds; for the classification, under this lock. */
  @SuppressWarnings("unchecked")
  I input(int i) {
    return (I) inputs[i];
  }

  /** Run index of item {@code i}; for the classification, under this lock. */
  long indexOf(int i) {
    return indices[i];
  }

  /** Every held item failed with the status of its last attempt. */
  private List<ItemResult<I, O>> lastFailures() {
    List<ItemResult<I, O>> items = new ArrayList<>(inputs.length);
    for (int i = 0; i < inputs.length; i++) {
      items.add(ItemResult.failed(indices[i], input(i), lastStatus[i], attempts, index));
    }
    return items;
  }

  /** Keeps only the items with a retry status, with that status. */
  private void keep(Status[] retryStatus) {
    int count = 0;
    for (Status s : retryStatus) {
      if (s != null) {
        count++;
      }
    }
    long[] keptIndices = new long[count];
    Object[] keptInputs = new Object[count];
    Status[] keptStatus = new Status[count];
    int k = 0;
    for (int i = 0; i < retryStatus.length; i++) {
      if (retryStatus[i] != null) {
        keptIndices[k] = indices[i];
        keptInputs[k] = inputs[i];
        keptStatus[k] = retryStatus[i];
        k++;
      }
    }
    indices = keptIndices;
    inputs = keptInputs;
    lastStatus = keptStatus;
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  @Override
  public synchronized String toString() {
    return "Batch{"
        + index
        + ", "
        + state
        + ", "
        + inputs.length
        + " items, attempts "
        + attempts
        + "}";
  }
}
