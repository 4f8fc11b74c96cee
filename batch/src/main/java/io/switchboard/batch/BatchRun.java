package io.switchboard.batch;

import io.grpc.Status;
import io.switchboard.core.internal.CancellingFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
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
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a {@link BatchExecutor}: reads inputs, forms batches, keeps at most the limiter's
 * number of calls in flight, retries, and reports every input exactly once.
 *
 * <p>How exactly-once holds: each input is read once, by the drain loop (one thread at a time),
 * into exactly one {@link Batch}, or reported as not attempted by that same loop once the run has
 * stopped. A batch's items are reported by the transition of its state to {@code DONE} (decided
 * under the batch's lock, delivered after it is released, under the run's delivery lock), or, for
 * the part of them that finished on an attempt while the rest are retried, by the attempt that
 * finished them (and then dropped from the batch).
 */
final class BatchRun<I, O> {
  private static final Logger logger = LoggerFactory.getLogger(BatchExecutor.class);

  /** Progress is reported at most this often (and once at the end): a redraw rate, not a flood. */
  static final long PROGRESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private enum State {
    QUEUED,
    RUNNING,
    BACKOFF,
    DONE
  }

  /** The items sent together, retried together; guarded by its own monitor. */
  private final class Batch {
    final long batchIndex;
    long[] indices;
    Object[] inputs;
    Status[] lastStatus;
    int attempts;
    State state = State.QUEUED;
    CompletableFuture<?> current;
    ScheduledFuture<?> timer;
    long startNanos;

    Batch(long batchIndex, long[] indices, Object[] inputs) {
      this.batchIndex = batchIndex;
      this.indices = indices;
      this.inputs = inputs;
    }

    @SuppressWarnings("unchecked")
    I input(int i) {
      return (I) inputs[i];
    }

    @SuppressWarnings("unchecked")
    List<I> inputList() {
      return (List<I>) Collections.unmodifiableList(Arrays.asList(inputs));
    }

    /** Keeps only the items marked for retry, with the status they failed with. */
    void keep(Status[] retryStatus, int count) {
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

    void cancelTimer() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }
  }

  private final BatchSettings settings;
  // The call functions return the raw future (the one cancelled on stop or timed out), and convert
  // turns its value into the output (per item) or the BatchReply (per batch) once it completed.
  private final Function<? super I, ? extends CompletableFuture<?>> itemCall;
  private final Function<? super List<I>, ? extends CompletableFuture<?>> batchCall;
  private final Function<Object, ?> convert;
  private final ScheduledExecutorService timer;
  private final Executor executor;
  private final Limiter limiter;
  private final RetrySettings retry;
  private final long callTimeoutNanos;
  private final Consumer<? super ItemResult<I, O>> itemListener;
  private final Consumer<? super BatchProgress> progressListener;
  private final Consumer<BatchRun<I, O>> onFinish;

  /** The future a caller holds: completing it from outside (cancel, timeout) stops the run. */
  final CancellingFuture<Object> future = new CancellingFuture<>(how -> stop(stopReasonFor(how)));

  // The source, touched only by the drain loop.
  private final List<I> list;
  private final Iterator<? extends I> iterator;
  private final boolean[] duplicate;
  private final int[] sameNext;
  private long nextIndex;
  private long nextBatchIndex;
  private boolean sourceDone;
  private RuntimeException sourceFailure;

  // Reports, guarded by deliveryLock.
  private final Object deliveryLock = new Object();
  private final ItemResult<I, O>[] results;
  private final long total;
  private long succeeded;
  private long failed;
  private long notAttempted;
  private final EnumMap<Status.Code, Long> failuresByCode = new EnumMap<>(Status.Code.class);
  private long lastProgressNanos;
  private boolean itemListenerFailureLogged;
  private boolean progressListenerFailureLogged;

  // Control.
  private final AtomicInteger wip = new AtomicInteger();
  private final Set<Batch> running = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Status> stopReason = new AtomicReference<>();
  private final AtomicBoolean finished = new AtomicBoolean();
  private long startNanos;
  private long deadlineNanos;
  private boolean hasDeadline;
  private ScheduledFuture<?> deadlineTimer;

  @SuppressWarnings("unchecked")
  BatchRun(
      BatchSettings settings,
      Function<? super I, ? extends CompletableFuture<?>> itemCall,
      Function<? super List<I>, ? extends CompletableFuture<?>> batchCall,
      Function<Object, ?> convert,
      ScheduledExecutorService timer,
      List<I> list,
      Iterator<? extends I> iterator,
      Consumer<? super ItemResult<I, O>> itemListener,
      Consumer<? super BatchProgress> progressListener,
      Consumer<BatchRun<I, O>> onFinish) {
    this.settings = settings;
    this.itemCall = itemCall;
    this.batchCall = batchCall;
    this.convert = convert;
    this.timer = timer;
    this.executor = settings.executor().orElse(null);
    this.limiter = settings.concurrency().newLimiter();
    this.retry = settings.retry();
    this.callTimeoutNanos = settings.callTimeout().toNanos();
    this.itemListener = itemListener;
    this.progressListener = progressListener;
    this.onFinish = onFinish;
    this.list = list;
    this.iterator = iterator;
    if (list != null) {
      this.results = (ItemResult<I, O>[]) new ItemResult<?, ?>[list.size()];
      this.total = list.size();
      if (settings.deduplicate()) {
        this.duplicate = new boolean[list.size()];
        this.sameNext = new int[list.size()];
        Arrays.fill(sameNext, -1);
        Map<I, Integer> last = new java.util.HashMap<>();
        for (int i = 0; i < list.size(); i++) {
          Integer previous = last.put(list.get(i), i);
          if (previous != null) {
            duplicate[i] = true;
            sameNext[previous] = i;
          }
        }
      } else {
        this.duplicate = null;
        this.sameNext = null;
      }
    } else {
      this.results = null;
      this.total = -1;
      this.duplicate = null;
      this.sameNext = null;
    }
  }

  void start() {
    startNanos = System.nanoTime();
    lastProgressNanos = startNanos;
    Duration deadline = settings.deadline().orElse(null);
    if (deadline != null) {
      hasDeadline = true;
      deadlineNanos = startNanos + deadline.toNanos();
      try {
        deadlineTimer =
            timer.schedule(
                () ->
                    stop(
                        Status.DEADLINE_EXCEEDED.withDescription(
                            "the run's deadline of " + deadline + " passed")),
                deadline.toNanos(),
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
    for (Batch b : running) {
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
    while (!sourceDone && stopReason.get() == null && limiter.tryAcquire()) {
      Batch b = readBatch();
      if (b == null) {
        limiter.release();
        break;
      }
      running.add(b);
      launch(b);
    }
    Status reason = stopReason.get();
    if (reason != null && !sourceDone) {
      for (Batch rest = readBatch(); rest != null; rest = readBatch()) {
        List<ItemResult<I, O>> items = new ArrayList<>(rest.inputs.length);
        for (int i = 0; i < rest.inputs.length; i++) {
          items.add(ItemResult.notAttempted(rest.indices[i], rest.input(i), reason));
        }
        deliver(items);
      }
    }
    if (sourceDone && limiter.inFlight() == 0 && finished.compareAndSet(false, true)) {
      complete();
    }
  }

  /** Reads up to one batch of inputs; null when none is left. Drain loop only. */
  private Batch readBatch() {
    int size = itemCall != null ? 1 : settings.batchSize();
    long[] indices = null;
    Object[] inputs = null;
    int n = 0;
    while (n < size && !sourceDone) {
      I input;
      long index;
      if (list != null) {
        while (duplicate != null && nextIndex < list.size() && duplicate[(int) nextIndex]) {
          nextIndex++;
        }
        if (nextIndex >= list.size()) {
          sourceDone = true;
          break;
        }
        index = nextIndex++;
        input = list.get((int) index);
      } else {
        try {
          if (!iterator.hasNext()) {
            sourceDone = true;
            break;
          }
          input = iterator.next();
        } catch (RuntimeException e) {
          sourceFailure =
              new IllegalStateException(
                  "inputs: the iterator threw after "
                      + nextIndex
                      + " items (those were processed and reported)",
                  e);
          sourceDone = true;
          break;
        }
        if (input == null) {
          sourceFailure =
              new NullPointerException(
                  "inputs: item " + nextIndex + " from the iterator is null (expected: non-null)");
          sourceDone = true;
          break;
        }
        index = nextIndex++;
      }
      if (indices == null) {
        indices = new long[size];
        inputs = new Object[size];
      }
      indices[n] = index;
      inputs[n] = input;
      n++;
    }
    if (n == 0) {
      return null;
    }
    if (n < size) {
      indices = Arrays.copyOf(indices, n);
      inputs = Arrays.copyOf(inputs, n);
    }
    return new Batch(nextBatchIndex++, indices, inputs);
  }

  private void launch(Batch b) {
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

  /** Moves a queued batch to RUNNING and counts the attempt; -1 if it was aborted meanwhile. */
  private int begin(Batch b) {
    synchronized (b) {
      if (b.state != State.QUEUED) {
        return -1;
      }
      b.state = State.RUNNING;
      b.startNanos = System.nanoTime();
      return ++b.attempts;
    }
  }

  private void attempt(Batch b) {
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
      call = itemCall != null ? itemCall.apply(b.input(0)) : batchCall.apply(b.inputList());
      if (call == null) {
        throw new NullPointerException("the call function returned null (expected: a future)");
      }
    } catch (RuntimeException e) {
      onAttemptDone(b, attemptNo, null, e);
      return;
    }
    boolean cancelNow;
    synchronized (b) {
      cancelNow = b.state != State.RUNNING || b.attempts != attemptNo;
      if (!cancelNow) {
        b.current = call;
        try {
          b.timer = timer.schedule(() -> timeOut(call), callTimeoutNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
          // The executor is closing; close() stops this run and cancels the call.
        }
      }
    }
    if (cancelNow) {
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

  @SuppressWarnings("unchecked")
  private void onAttemptDone(Batch b, int attemptNo, Object rawValue, Throwable rawError) {
    long now = System.nanoTime();
    Object value = rawValue;
    Throwable error = rawError;
    if (error == null && convert != null) {
      // The user's converter, run outside the batch lock; a converter that throws fails the items.
      try {
        value = convert.apply(rawValue);
      } catch (Throwable e) {
        error = e;
      }
    }
    List<ItemResult<I, O>> finals;
    ItemResult<I, O> firstFailure = null;
    Status.Code sampleCode = Status.Code.OK;
    long latency;
    boolean done;
    synchronized (b) {
      if (b.state != State.RUNNING || b.attempts != attemptNo) {
        return;
      }
      b.cancelTimer();
      b.current = null;
      latency = now - b.startNanos;
      int n = b.inputs.length;
      Status batchError = null;
      BatchReply<O> reply = null;
      if (error != null) {
        batchError = Statuses.of(error);
      } else if (batchCall != null) {
        if (value instanceof BatchReply<?> r) {
          reply = (BatchReply<O>) r;
          if (reply.size() != n) {
            batchError =
                Status.INTERNAL.withDescription(
                    "the reply to batch "
                        + b.batchIndex
                        + " has "
                        + reply.size()
                        + " items (expected: "
                        + n
                        + ", one per item sent)");
            reply = null;
          }
        } else {
          batchError =
              Status.INTERNAL.withDescription(
                  "the batch call's future completed with null (expected: a BatchReply)");
        }
      }
      boolean canRetry = attemptNo < retry.maxAttempts() && stopReason.get() == null;
      long backoff = canRetry ? retry.backoffNanos(attemptNo) : 0;
      if (canRetry && hasDeadline && deadlineNanos - now <= backoff) {
        canRetry = false;
      }
      finals = new ArrayList<>(n);
      Status[] retryStatus = null;
      int retryCount = 0;
      for (int i = 0; i < n; i++) {
        Status s = batchError != null ? batchError : reply == null ? Status.OK : reply.status(i);
        if (s.isOk()) {
          O output = reply == null ? (O) value : reply.output(i);
          finals.add(
              ItemResult.succeeded(b.indices[i], b.input(i), output, attemptNo, b.batchIndex));
          continue;
        }
        Status.Code code = s.getCode();
        if (sampleCode == Status.Code.OK || Limiter.isPushBack(code)) {
          sampleCode = code;
        }
        if (canRetry && retry.isRetryable(code)) {
          if (retryStatus == null) {
            retryStatus = new Status[n];
          }
          retryStatus[i] = s;
          retryCount++;
        } else {
          ItemResult<I, O> f =
              ItemResult.failed(b.indices[i], b.input(i), s, attemptNo, b.batchIndex);
          finals.add(f);
          if (firstFailure == null) {
            firstFailure = f;
          }
        }
      }
      if (retryCount > 0) {
        b.keep(retryStatus, retryCount);
        b.state = State.BACKOFF;
        try {
          b.timer = timer.schedule(() -> relaunch(b), backoff, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
          b.state = State.DONE;
          for (int i = 0; i < b.inputs.length; i++) {
            finals.add(
                ItemResult.failed(
                    b.indices[i], b.input(i), b.lastStatus[i], attemptNo, b.batchIndex));
          }
        }
      } else {
        b.state = State.DONE;
      }
      done = b.state == State.DONE;
    }
    limiter.onSample(latency, sampleCode);
    if (!finals.isEmpty()) {
      deliver(finals);
    }
    if (firstFailure != null && settings.failFast()) {
      stop(
          Status.CANCELLED.withDescription(
              "fail-fast: stopped after item "
                  + firstFailure.index()
                  + " failed with "
                  + Statuses.describe(firstFailure.status())));
    }
    if (done) {
      finishBatch(b);
    }
  }

  private void relaunch(Batch b) {
    synchronized (b) {
      if (b.state != State.BACKOFF) {
        return;
      }
      b.state = State.QUEUED;
      b.timer = null;
    }
    launch(b);
  }

  /** Ends a batch because the run stopped, reporting each of its items once. */
  private void abort(Batch b, Status reason) {
    List<ItemResult<I, O>> finals;
    CompletableFuture<?> inFlight;
    synchronized (b) {
      if (b.state == State.DONE) {
        return;
      }
      State previous = b.state;
      b.state = State.DONE;
      b.cancelTimer();
      inFlight = b.current;
      b.current = null;
      Status cancelled =
          reason.withDescription("in flight when the run stopped: " + reason.getDescription());
      finals = new ArrayList<>(b.inputs.length);
      for (int i = 0; i < b.inputs.length; i++) {
        ItemResult<I, O> r;
        if (previous == State.RUNNING) {
          r = ItemResult.failed(b.indices[i], b.input(i), cancelled, b.attempts, b.batchIndex);
        } else if (b.attempts == 0) {
          r = ItemResult.notAttempted(b.indices[i], b.input(i), reason);
        } else {
          r =
              ItemResult.failed(
                  b.indices[i], b.input(i), b.lastStatus[i], b.attempts, b.batchIndex);
        }
        finals.add(r);
      }
    }
    if (inFlight != null) {
      inFlight.cancel(false);
    }
    deliver(finals);
    finishBatch(b);
  }

  private void finishBatch(Batch b) {
    running.remove(b);
    limiter.release();
    drain();
  }

  private void deliver(List<ItemResult<I, O>> items) {
    synchronized (deliveryLock) {
      for (ItemResult<I, O> r : items) {
        record(r);
        if (sameNext != null) {
          for (int j = sameNext[(int) r.index()]; j >= 0; j = sameNext[j]) {
            record(r.at(j, list.get(j)));
          }
        }
      }
      if (progressListener != null) {
        long now = System.nanoTime();
        if (now - lastProgressNanos >= PROGRESS_INTERVAL_NANOS) {
          lastProgressNanos = now;
          reportProgress();
        }
      }
    }
  }

  private void record(ItemResult<I, O> r) {
    switch (r.outcome()) {
      case SUCCEEDED -> succeeded++;
      case FAILED -> {
        failed++;
        failuresByCode.merge(r.status().getCode(), 1L, Long::sum);
      }
      case NOT_ATTEMPTED -> notAttempted++;
    }
    if (results != null) {
      int i = (int) r.index();
      if (results[i] != null) {
        throw new IllegalStateException("item " + i + " reported twice: " + results[i] + ", " + r);
      }
      results[i] = r;
    }
    if (itemListener != null) {
      try {
        itemListener.accept(r);
      } catch (Throwable e) {
        // An Error too: escaping here would leave the run's bookkeeping half done and the run hung.
        if (!itemListenerFailureLogged) {
          itemListenerFailureLogged = true;
          logger.warn("item listener threw on {}; ignored (logged once per run)", r, e);
        }
      }
    }
  }

  private void reportProgress() {
    BatchProgress p =
        new BatchProgress(
            total,
            succeeded + failed + notAttempted,
            succeeded,
            failed,
            notAttempted,
            limiter.inFlight(),
            limiter.limit());
    try {
      progressListener.accept(p);
    } catch (Throwable e) {
      if (!progressListenerFailureLogged) {
        progressListenerFailureLogged = true;
        logger.warn("progress listener threw on {}; ignored (logged once per run)", p, e);
      }
    }
  }

  private void complete() {
    if (deadlineTimer != null) {
      deadlineTimer.cancel(false);
    }
    BatchSummary summary;
    synchronized (deliveryLock) {
      if (progressListener != null) {
        reportProgress();
      }
      summary =
          new BatchSummary(
              succeeded,
              failed,
              notAttempted,
              failuresByCode,
              Duration.ofNanos(System.nanoTime() - startNanos));
    }
    onFinish.accept(this);
    if (sourceFailure != null) {
      future.failFromSource(sourceFailure);
    } else if (results != null) {
      future.completeFromSource(new BatchResult<>(Arrays.asList(results), summary));
    } else {
      future.completeFromSource(summary);
    }
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
