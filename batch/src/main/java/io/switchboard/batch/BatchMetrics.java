package io.switchboard.batch;

import io.grpc.Status;
import io.switchboard.core.metrics.BoundCounter;
import io.switchboard.core.metrics.BoundHistogram;
import io.switchboard.core.metrics.Instrument;
import io.switchboard.core.metrics.MetricSink;
import io.switchboard.core.metrics.Registration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.ToLongFunction;

/**
 * A batch executor's instruments (see the README's metrics table). Items, batches, attempts and
 * runs are counted as they end, on handles bound once (per status code on first use), so recording
 * allocates nothing; calls in flight and the concurrency limit are observed from the executor's
 * runs when metrics are collected.
 */
class BatchMetrics {
  static final String BATCH = "switchboard.batch";
  static final String OUTCOME = "switchboard.batch.outcome";
  static final String STATUS = "grpc.status";
  static final String ATTEMPT = "switchboard.batch.attempt";
  static final String END = "switchboard.batch.run.end";

  static final Instrument ITEMS =
      Instrument.counter(
          "switchboard.batch.items",
          "{item}",
          "Items reported by runs, by outcome (succeeded, failed, not_attempted) and status code"
              + " (OK for a success, the last attempt's for a failure, why the run stopped for an"
              + " item not attempted).",
          BATCH,
          OUTCOME,
          STATUS);
  static final Instrument BATCHES =
      Instrument.counter(
          "switchboard.batch.batches",
          "{batch}",
          "Batches formed from the input (per item, each item is one); those read after the run"
              + " stopped are never sent, so batches minus first attempts is what a stop left.",
          BATCH);
  static final Instrument ATTEMPTS =
      Instrument.counter(
          "switchboard.batch.attempts",
          "{attempt}",
          "Calls made: a batch's first attempt, or a retry of its failed items.",
          BATCH,
          ATTEMPT);
  static final Instrument ATTEMPT_DURATION =
      Instrument.histogram(
          "switchboard.batch.attempt.duration",
          "s",
          "Time from an attempt's start to its answer, by the code the concurrency limit learns"
              + " from (OK, a push-back code if any item got one, else the first failure's).",
          BATCH,
          STATUS);
  static final Instrument CALLS_IN_FLIGHT =
      Instrument.observedUpDownCounter(
          "switchboard.batch.calls.in_flight",
          "{call}",
          "Calls the executor's runs hold slots for (waits between retries included).",
          BATCH);
  static final Instrument CONCURRENCY_LIMIT =
      Instrument.gauge(
          "switchboard.batch.concurrency.limit",
          "{call}",
          "The limit on calls in flight, summed over the executor's runs going on (fixed, or the"
              + " adaptive limit as it moves); 0 when no run is going on.",
          BATCH);
  static final Instrument RUN_DURATION =
      Instrument.histogram(
          "switchboard.batch.run.duration",
          "s",
          "Time from a run's start to its last item's report, by how it ended (completed,"
              + " stopped by fail-fast, deadline, cancel or close, or failed reading its input).",
          BATCH,
          END);

  /** Every instrument of the batch module, for the README's table and its test. */
  static final List<Instrument> ALL =
      List.of(
          ITEMS,
          BATCHES,
          ATTEMPTS,
          ATTEMPT_DURATION,
          CALLS_IN_FLIGHT,
          CONCURRENCY_LIMIT,
          RUN_DURATION);

  /** How a run ended, the values of {@link #END}. */
  enum RunEnd {
    COMPLETED,
    STOPPED,
    FAILED
  }

  /** Records nothing. */
  static final BatchMetrics NOOP = new BatchMetrics();

  private BatchMetrics() {}

  /**
   * Binds the instruments for an executor named {@code name} and observes its runs; a no-op when
   * the sink is.
   */
  static BatchMetrics create(
      MetricSink sink, String name, Collection<? extends BatchRun<?, ?>> runs) {
    return sink.isNoop() ? NOOP : new Bound(sink, name, runs);
  }

  /** An item was reported (once per input, de-duplicated copies included). */
  void itemReported(ItemResult.Outcome outcome, Status.Code code) {}

  /** A batch was formed from the input. */
  void batchFormed() {}

  /** A batch's attempt began. */
  void attemptBegan(int attempt) {}

  /** An attempt answered after {@code nanos}; {@code sample} as the limiter learns it. */
  void attemptAnswered(long nanos, Status.Code sample) {}

  /** A run ended after {@code nanos}. */
  void runEnded(long nanos, RunEnd end) {}

  /** Stops the observations (the executor closed). */
  void close() {}

  private static final class Bound extends BatchMetrics {
    private static final Status.Code[] CODES = Status.Code.values();
    private static final ItemResult.Outcome[] OUTCOMES = ItemResult.Outcome.values();

    private final MetricSink sink;
    private final String name;
    private final AtomicReferenceArray<BoundCounter> items =
        new AtomicReferenceArray<>(OUTCOMES.length * CODES.length);
    private final AtomicReferenceArray<BoundHistogram> attemptDurations =
        new AtomicReferenceArray<>(CODES.length);
    private final BoundCounter batches;
    private final BoundCounter firstAttempts;
    private final BoundCounter retries;
    private final BoundHistogram[] runDurations = new BoundHistogram[RunEnd.values().length];
    private final Registration inFlight;
    private final Registration limit;

    Bound(MetricSink sink, String name, Collection<? extends BatchRun<?, ?>> runs) {
      this.sink = sink;
      this.name = name;
      this.batches = sink.counter(BATCHES, name);
      this.firstAttempts = sink.counter(ATTEMPTS, name, "first");
      this.retries = sink.counter(ATTEMPTS, name, "retry");
      for (RunEnd end : RunEnd.values()) {
        runDurations[end.ordinal()] = sink.histogram(RUN_DURATION, name, lower(end));
      }
      this.inFlight = sink.observe(CALLS_IN_FLIGHT, () -> sum(runs, BatchRun::callsInFlight), name);
      this.limit =
          sink.observe(CONCURRENCY_LIMIT, () -> sum(runs, BatchRun::concurrencyLimit), name);
    }

    private static long sum(
        Collection<? extends BatchRun<?, ?>> runs, ToLongFunction<BatchRun<?, ?>> value) {
      long sum = 0;
      for (BatchRun<?, ?> run : runs) {
        sum += value.applyAsLong(run);
      }
      return sum;
    }

    private static String lower(Enum<?> e) {
      return e.name().toLowerCase(Locale.ROOT);
    }

    @Override
    void itemReported(ItemResult.Outcome outcome, Status.Code code) {
      int i = outcome.ordinal() * CODES.length + code.ordinal();
      BoundCounter counter = items.get(i);
      if (counter == null) {
        // Bound on first use, so only the codes that occur become series; a race binds twice,
        // and both handles record into the same series.
        counter = sink.counter(ITEMS, name, lower(outcome), code.name());
        items.set(i, counter);
      }
      counter.increment();
    }

    @Override
    void batchFormed() {
      batches.increment();
    }

    @Override
    void attemptBegan(int attempt) {
      if (attempt == 1) {
        firstAttempts.increment();
      } else {
        retries.increment();
      }
    }

    @Override
    void attemptAnswered(long nanos, Status.Code sample) {
      BoundHistogram histogram = attemptDurations.get(sample.ordinal());
      if (histogram == null) {
        histogram = sink.histogram(ATTEMPT_DURATION, name, sample.name());
        attemptDurations.set(sample.ordinal(), histogram);
      }
      histogram.recordNanos(nanos);
    }

    @Override
    void runEnded(long nanos, RunEnd end) {
      runDurations[end.ordinal()].recordNanos(nanos);
    }

    @Override
    void close() {
      inFlight.close();
      limit.close();
    }
  }
}
