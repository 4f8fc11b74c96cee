package io.switchboard.batch;

import io.grpc.Status;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a run's item results go, each exactly once: counted, kept in input order (for a collection)
 * or handed to the listener (for an iterator), copied to the duplicates of a de-duplicated input,
 * and summed up in progress snapshots and the final summary. One delivery at a time: listeners are
 * called under the ledger's lock, in delivery order.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
final class ResultLedger<I, O> {
  private static final Logger logger = LoggerFactory.getLogger(BatchExecutor.class);

  /** Progress is reported at most this often (and once at the end): a redraw rate, not a flood. */
  static final long PROGRESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private static final Consumer<Object> NO_LISTENER = r -> {};

  private final List<I> inputs; // for a collection: the copies' inputs; else empty
  private final ItemResult<I, O>[] results; // for a collection; else empty
  private final Duplicates duplicates;
  private final Consumer<? super ItemResult<I, O>> listener;
  private final boolean collecting;
  private final long total;

  // Guarded by this.
  private long succeeded;
  private long failed;
  private long notAttempted;
  private final EnumMap<Status.Code, Long> failuresByCode = new EnumMap<>(Status.Code.class);
  private Consumer<? super BatchProgress> progress;
  private Limiter limiter;
  private BatchMetrics metrics = BatchMetrics.NOOP;
  private long lastProgressNanos;
  private boolean listenerFailureLogged;
  private boolean progressFailureLogged;

  @SuppressWarnings("unchecked")
  private ResultLedger(
      List<I> inputs,
      Duplicates duplicates,
      Consumer<? super ItemResult<I, O>> listener,
      boolean collecting) {
    this.inputs = inputs;
    this.results = (ItemResult<I, O>[]) new ItemResult<?, ?>[collecting ? inputs.size() : 0];
    this.duplicates = duplicates;
    this.listener = listener;
    this.collecting = collecting;
    this.total = collecting ? inputs.size() : -1;
  }

  /**
   * A ledger that keeps every result, in input order, for a {@link BatchResult}.
   *
   * @param inputs the run's inputs
   * @param duplicates which inputs are reported with an earlier equal input's outcome
   */
  static <I, O> ResultLedger<I, O> collecting(List<I> inputs, Duplicates duplicates) {
    return new ResultLedger<>(inputs, duplicates, NO_LISTENER, true);
  }

  /** A ledger that hands each result to {@code listener} and keeps only counts. */
  static <I, O> ResultLedger<I, O> streaming(Consumer<? super ItemResult<I, O>> listener) {
    return new ResultLedger<>(
        List.of(), Duplicates.none(), Objects.requireNonNull(listener, "listener"), false);
  }

  /**
   * Also reports progress to {@code progress}, at most every {@link #PROGRESS_INTERVAL_NANOS} and
   * once at the end, with the calls in flight and the limit read from {@code limiter}. Before the
   * run starts.
   */
  synchronized ResultLedger<I, O> reportingProgress(
      Consumer<? super BatchProgress> progress, Limiter limiter, long startNanos) {
    this.progress = Objects.requireNonNull(progress, "progress");
    this.limiter = Objects.requireNonNull(limiter, "limiter");
    this.lastProgressNanos = startNanos;
    return this;
  }

  /** Also counts every item in {@code metrics}. Before the run starts. */
  synchronized ResultLedger<I, O> metered(BatchMetrics metrics) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    return this;
  }

  /**
   * Records items (and their duplicates' copies), calls the listener for each, and reports progress
   * if the interval passed.
   *
   * @throws IllegalStateException if an item of a collection is reported twice (a bug: the run
   *     reports each once)
   */
  synchronized void deliver(List<ItemResult<I, O>> items, long nowNanos) {
    for (ItemResult<I, O> r : items) {
      record(r);
      for (int j = duplicates.nextCopy(r.index()); j >= 0; j = duplicates.nextCopy(j)) {
        record(r.at(j, inputs.get(j)));
      }
    }
    if (progress != null && nowNanos - lastProgressNanos >= PROGRESS_INTERVAL_NANOS) {
      lastProgressNanos = nowNanos;
      reportProgress();
    }
  }

  /** Returns the items reported so far. */
  synchronized long done() {
    return succeeded + failed + notAttempted;
  }

  /**
   * Reports the last progress and returns the run's counts.
   *
   * @param elapsedNanos the run's time, from its start to now
   */
  synchronized BatchSummary summarize(long elapsedNanos) {
    if (progress != null) {
      reportProgress();
    }
    return new BatchSummary(
        succeeded, failed, notAttempted, failuresByCode, Duration.ofNanos(elapsedNanos));
  }

  /**
   * Returns what the run's future completes with: the {@link BatchResult} of a collection, the
   * {@code summary} alone for an iterator.
   *
   * @throws IllegalStateException if an item of a collection was never reported (a bug)
   */
  synchronized Object result(BatchSummary summary) {
    if (!collecting) {
      return summary;
    }
    for (int i = 0; i < results.length; i++) {
      if (results[i] == null) {
        throw new IllegalStateException("item " + i + " was never reported");
      }
    }
    return new BatchResult<>(Arrays.asList(results), summary);
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
    metrics.itemReported(r.outcome(), r.status().getCode());
    if (collecting) {
      int i = (int) r.index();
      if (results[i] != null) {
        throw new IllegalStateException("item " + i + " reported twice: " + results[i] + ", " + r);
      }
      results[i] = r;
    }
    try {
      listener.accept(r);
    } catch (Throwable e) {
      // An Error too: escaping here would leave the run's bookkeeping half done and the run hung.
      if (!listenerFailureLogged) {
        listenerFailureLogged = true;
        logger.warn("item listener threw on {}; ignored (logged once per run)", r, e);
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
      progress.accept(p);
    } catch (Throwable e) {
      if (!progressFailureLogged) {
        progressFailureLogged = true;
        logger.warn("progress listener threw on {}; ignored (logged once per run)", p, e);
      }
    }
  }
}
