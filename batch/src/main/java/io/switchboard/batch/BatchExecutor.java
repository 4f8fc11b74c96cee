package io.switchboard.batch;

import io.grpc.Context;
import io.grpc.Status;
import io.switchboard.core.internal.DaemonThreadFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs a call for many inputs with a bound on calls in flight, and reports every input's outcome as
 * data: the answer to "I hold 10,000 ids; a loop of calls is slow and one giant request is unsafe".
 *
 * <p>Two call shapes:
 *
 * <ul>
 *   <li>{@linkplain #perItem per item}: {@code I → CompletableFuture<O>}, e.g. a unary call per id,
 *       fanned out with up to {@link BatchSettings#concurrency()} calls in flight;
 *   <li>{@linkplain #perBatch per batch}: {@code List<I> → CompletableFuture<BatchReply<O>>}, e.g.
 *       a {@code BatchGetUsers} RPC whose reply carries a result or an error per item; inputs are
 *       cut into batches of {@link BatchSettings#batchSize()}, and up to {@code concurrency}
 *       batches are in flight.
 * </ul>
 *
 * <pre>{@code
 * RpcClient client = RpcClient.create(channel).withTimeout(Duration.ofSeconds(5));
 * try (BatchExecutor<Long, User> users = BatchExecutor.perBatch(
 *     ids -> client.unary(BATCH_GET_USERS, new BatchGetUsersRequest(ids)),   // the RPC's own future
 *     response -> UserBatchApi.toBatchReply(response.results()),             // converted here
 *     BatchSettings.newBuilder().batchSize(100).maxInFlight(8).build())) {
 *   BatchResult<Long, User> result = users.execute(ids).join();
 *   result.failures().forEach(f -> log.warn("{}", f));   // index, input, status, attempts, batch
 * }
 * }</pre>
 *
 * <p><b>Every input is accounted for exactly once</b>, in a {@link BatchResult} (for a collection,
 * in input order) or through an item listener (for an iterator, whose items are never all held): as
 * {@linkplain ItemResult.Outcome#SUCCEEDED succeeded}, {@linkplain ItemResult.Outcome#FAILED
 * failed} (with the status of its last attempt, the number of attempts and its batch), or
 * {@linkplain ItemResult.Outcome#NOT_ATTEMPTED not attempted} when the run stopped first. A run
 * stops on fail-fast, on its overall deadline, when its future is cancelled or completed by the
 * caller (e.g. {@code orTimeout}), or when the executor is {@linkplain #close() closed}; calls in
 * flight are then cancelled and their items fail with the stop's status. What is cancelled is the
 * future the call function returned: for the RPC itself to be cancelled, that must be {@link
 * io.switchboard.core.RpcClient}'s own future (completing or cancelling it cancels the RPC), not a
 * future derived from it with {@code thenApply}. Hence the overloads taking the raw call and a
 * converter ({@link #perItem(Function, Function, BatchSettings)}, {@link #perBatch(Function,
 * Function, BatchSettings)}), which keep the call's own future and convert its value themselves.
 * The same holds for {@link BatchSettings#callTimeout()}.
 *
 * <p><b>Bounded</b>: a call holds its slot from its first attempt until its items are reported,
 * waits between retries included, so a run holds at most {@code concurrency × batchSize} items in
 * flight, however large its input.
 *
 * <p><b>Threads</b>: a batch executor owns one timer thread (timeouts, retry waits, deadlines),
 * stopped by {@link #close()}. Calls start on the {@linkplain BatchSettings.Builder#executor
 * settings' executor}, or by default on whichever thread frees a slot. Listeners run on the thread
 * that completes an item, one call at a time per run; a listener that throws is logged once per run
 * and otherwise ignored: the item keeps its outcome. A call function that throws, or returns null,
 * fails that call's items (a thrown {@code StatusRuntimeException} with its status, anything else
 * with {@code UNKNOWN}).
 *
 * <p><b>Context</b>: every call of a run is made in the {@link io.grpc.Context} that was current
 * when {@code execute} was called, whichever thread starts it, so what that context carries (a
 * trace context, a deadline, values of the caller's own keys) reaches every call. Cancelling that
 * context stops the run like cancelling its future (the status is {@code CANCELLED}, or {@code
 * DEADLINE_EXCEEDED} when its deadline passed).
 *
 * <p><b>Metrics</b>: with {@link BatchSettings.Builder#metrics} set, the executor reports items by
 * outcome and status code, batches, attempts and retries, calls in flight, the concurrency limit
 * and run durations (the README's metrics table).
 *
 * <p>Thread-safe: several runs may go on at once, each with its own concurrency limit.
 *
 * @param <I> the input type (used as a hash key when de-duplicating)
 * @param <O> the output type
 */
public final class BatchExecutor<I, O> implements AutoCloseable {
  /** Timer threads of all instances, numbered in one sequence. */
  private static final DaemonThreadFactory TIMER_THREADS =
      new DaemonThreadFactory("switchboard-batch-timer");

  private final BatchSettings settings;
  private final CallShape<I, O> shape;
  private final ScheduledThreadPoolExecutor timer;
  private final Set<BatchRun<I, O>> runs = ConcurrentHashMap.newKeySet();
  private final BatchMetrics metrics;
  private final BatchRun.Shared<I, O> shared;
  private boolean closed;

  private BatchExecutor(BatchSettings settings, CallShape<I, O> shape) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.shape = shape;
    this.timer = Timers.newTimer(TIMER_THREADS);
    this.metrics = BatchMetrics.create(settings.metrics(), settings.name(), runs);
    this.shared = new BatchRun.Shared<>(settings, shape, timer, metrics, runs::remove);
  }

  /**
   * Returns an executor that makes one call per input.
   *
   * <p>Stopping a run (fail-fast, deadline, cancel, close) and {@code callTimeout} cancel or
   * complete exactly the future {@code call} returns. That reaches the RPC only if it is the RPC's
   * own future (e.g. {@code client.unary(...)} itself, not a {@code thenApply} of it): to convert
   * the response, use {@link #perItem(Function, Function, BatchSettings)}.
   *
   * @param call starts the call for one input and returns its future; completing that future
   *     exceptionally fails the item (a {@code StatusRuntimeException} gives its status)
   * @throws NullPointerException if an argument is null
   */
  @SuppressWarnings("unchecked")
  public static <I, O> BatchExecutor<I, O> perItem(
      Function<? super I, ? extends CompletableFuture<? extends O>> call, BatchSettings settings) {
    Objects.requireNonNull(call, "call");
    return new BatchExecutor<>(settings, CallShape.perItem(call, value -> (O) value));
  }

  /**
   * Returns an executor that makes one call per input and converts each response to the output
   * itself, so that stopping the run or timing an attempt out cancels the call's own future (for
   * {@link io.switchboard.core.RpcClient}, the RPC).
   *
   * <pre>{@code
   * BatchExecutor.perItem(id -> client.unary(GET_USER, new GetUserRequest(id)), User::email, settings)
   * }</pre>
   *
   * @param call starts the call for one input and returns its raw future, e.g. {@code
   *     client.unary(...)}; completing it exceptionally fails the item (a {@code
   *     StatusRuntimeException} gives its status)
   * @param toOutput turns the call's response into the item's output; if it throws, the item fails
   *     (a thrown {@code StatusRuntimeException} with its status, anything else with {@code
   *     UNKNOWN})
   * @throws NullPointerException if an argument is null
   */
  @SuppressWarnings("unchecked")
  public static <I, R, O> BatchExecutor<I, O> perItem(
      Function<? super I, ? extends CompletableFuture<? extends R>> call,
      Function<? super R, ? extends O> toOutput,
      BatchSettings settings) {
    Objects.requireNonNull(call, "call");
    Objects.requireNonNull(toOutput, "toOutput");
    return new BatchExecutor<>(
        settings,
        CallShape.perItem(call, value -> ((Function<Object, ? extends O>) toOutput).apply(value)));
  }

  /**
   * Returns an executor that makes one call per batch of inputs.
   *
   * <p>Stopping a run (fail-fast, deadline, cancel, close) and {@code callTimeout} cancel or
   * complete exactly the future {@code call} returns. That reaches the RPC only if it is the RPC's
   * own future (e.g. {@code client.unary(...)} itself, not a {@code thenApply} of it): to convert
   * the response, use {@link #perBatch(Function, Function, BatchSettings)}.
   *
   * @param call starts the call for one batch (an unmodifiable list of up to {@code batchSize}
   *     inputs) and returns the future of its reply, which must hold one entry per input, in order;
   *     a reply of another size fails the batch with {@code INTERNAL}, and a future that completes
   *     exceptionally fails every item of the batch with that status
   * @throws NullPointerException if an argument is null
   */
  @SuppressWarnings("unchecked")
  public static <I, O> BatchExecutor<I, O> perBatch(
      Function<? super List<I>, ? extends CompletableFuture<BatchReply<O>>> call,
      BatchSettings settings) {
    Objects.requireNonNull(call, "call");
    return new BatchExecutor<>(settings, CallShape.perBatch(call, value -> (BatchReply<O>) value));
  }

  /**
   * Returns an executor that makes one call per batch of inputs and converts each response to a
   * {@link BatchReply} itself, so that stopping the run or timing an attempt out cancels the call's
   * own future (for {@link io.switchboard.core.RpcClient}, the RPC).
   *
   * <pre>{@code
   * BatchExecutor.perBatch(
   *     ids -> client.unary(BATCH_GET_USERS, new BatchGetUsersRequest(ids)),
   *     response -> UserBatchApi.toBatchReply(response.results()),
   *     settings)
   * }</pre>
   *
   * @param call starts the call for one batch (an unmodifiable list of up to {@code batchSize}
   *     inputs) and returns its raw future, e.g. {@code client.unary(...)}; completing it
   *     exceptionally fails every item of the batch with that status
   * @param toReply turns the response into the batch's reply, which must hold one entry per input,
   *     in order (another size fails the batch with {@code INTERNAL}); if it throws, every item of
   *     the batch fails (a thrown {@code StatusRuntimeException} with its status, anything else
   *     with {@code UNKNOWN})
   * @throws NullPointerException if an argument is null
   */
  @SuppressWarnings("unchecked")
  public static <I, R, O> BatchExecutor<I, O> perBatch(
      Function<? super List<I>, ? extends CompletableFuture<? extends R>> call,
      Function<? super R, BatchReply<O>> toReply,
      BatchSettings settings) {
    Objects.requireNonNull(call, "call");
    Objects.requireNonNull(toReply, "toReply");
    return new BatchExecutor<>(
        settings,
        CallShape.perBatch(
            call, value -> ((Function<Object, BatchReply<O>>) toReply).apply(value)));
  }

  /** Returns the settings every run of this executor uses. */
  public BatchSettings settings() {
    return settings;
  }

  /**
   * Starts a run over the given inputs. The first calls start before this method returns (on this
   * thread, unless an executor is set).
   *
   * @return the future of the result: one item per input, in input order; an empty input gives an
   *     empty result. Cancelling this future stops the run (see the class documentation).
   * @throws NullPointerException if the collection or one of its elements is null (before any call
   *     is made)
   * @throws IllegalStateException if this executor is closed
   */
  public CompletableFuture<BatchResult<I, O>> execute(Collection<? extends I> inputs) {
    return execute(inputs, null);
  }

  /**
   * Like {@link #execute(Collection)}, also reporting progress.
   *
   * @param progress receives a snapshot at most every 20 ms while the run goes on and once at its
   *     end; null for none
   * @throws NullPointerException if the collection or one of its elements is null
   * @throws IllegalStateException if this executor is closed
   */
  @SuppressWarnings("unchecked")
  public CompletableFuture<BatchResult<I, O>> execute(
      Collection<? extends I> inputs, Consumer<? super BatchProgress> progress) {
    Objects.requireNonNull(inputs, "inputs");
    List<I> copy = new ArrayList<>(inputs);
    for (int i = 0; i < copy.size(); i++) {
      if (copy.get(i) == null) {
        throw new NullPointerException("inputs[" + i + "] is null (expected: non-null inputs)");
      }
    }
    Duplicates duplicates = settings.deduplicate() ? Duplicates.of(copy) : Duplicates.none();
    return (CompletableFuture<BatchResult<I, O>>)
        (CompletableFuture<?>)
            start(
                InputReader.of(copy, shape.batchSize(settings), duplicates),
                ResultLedger.collecting(copy, duplicates),
                progress);
  }

  /**
   * Starts a run over inputs too many to hold: they are read from the iterator as slots free up,
   * and each item's result goes to {@code listener} and is then let go, so memory stays bounded by
   * the calls in flight. The iterator is read by one thread at a time, and to its end even when the
   * run stops (the rest is reported as not attempted), so it must be finite.
   *
   * @param listener receives every input's result exactly once, in completion order
   * @return the future of the counts; it fails with {@link NullPointerException} if the iterator
   *     yields null, or {@link IllegalStateException} if it throws (the items read before were
   *     processed and reported)
   * @throws NullPointerException if the iterator or the listener is null
   * @throws IllegalArgumentException if the settings de-duplicate (that needs a collection)
   * @throws IllegalStateException if this executor is closed
   */
  public CompletableFuture<BatchSummary> execute(
      Iterator<? extends I> inputs, Consumer<? super ItemResult<I, O>> listener) {
    return execute(inputs, listener, null);
  }

  /**
   * Like {@link #execute(Iterator, Consumer)}, also reporting progress (with a total of -1).
   *
   * @throws NullPointerException if the iterator or the listener is null
   * @throws IllegalArgumentException if the settings de-duplicate (that needs a collection)
   * @throws IllegalStateException if this executor is closed
   */
  @SuppressWarnings("unchecked")
  public CompletableFuture<BatchSummary> execute(
      Iterator<? extends I> inputs,
      Consumer<? super ItemResult<I, O>> listener,
      Consumer<? super BatchProgress> progress) {
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(listener, "listener");
    if (settings.deduplicate()) {
      throw new IllegalArgumentException(
          "deduplicate: true (expected: false for an iterator input; remembering every input"
              + " would make memory unbounded, pass a Collection instead)");
    }
    return (CompletableFuture<BatchSummary>)
        (CompletableFuture<?>)
            start(
                InputReader.of(inputs, shape.batchSize(settings)),
                ResultLedger.streaming(listener),
                progress);
  }

  private CompletableFuture<Object> start(
      InputReader<I> reader, ResultLedger<I, O> ledger, Consumer<? super BatchProgress> progress) {
    Limiter limiter = settings.concurrency().newLimiter();
    if (progress != null) {
      ledger.reportingProgress(progress, limiter, System.nanoTime());
    }
    ledger.metered(metrics);
    BatchRun<I, O> run = new BatchRun<>(shared, limiter, reader, ledger, Context.current());
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("BatchExecutor is closed (expected: execute before close)");
      }
      runs.add(run);
    }
    run.start();
    return run.future;
  }

  /**
   * Stops every run still going (calls in flight are cancelled, their items fail with {@code
   * CANCELLED}, items not yet sent are reported as not attempted, and each run's future completes
   * with its result), ends the executor's metric observations, then stops the timer thread. Later
   * {@code execute} calls throw. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    Status reason = Status.CANCELLED.withDescription("the BatchExecutor was closed");
    for (BatchRun<I, O> run : runs) {
      run.stop(reason);
    }
    metrics.close();
    Timers.shutdown(timer, "the batch timer thread");
  }

  @Override
  public String toString() {
    return "BatchExecutor{" + (shape.perBatch() ? "per batch" : "per item") + ", " + settings + "}";
  }
}
