package io.switchboard.batch;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * How a {@link BatchExecutor} calls for its inputs: one call per input, or one per batch; and how
 * it turns a call's value into the item's output or the batch's {@link BatchReply}. The call
 * function returns the raw future (the one a stop cancels and a call timeout completes); the value
 * is converted once that future completed.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
abstract class CallShape<I, O> {
  private final Function<Object, ?> convert;

  private CallShape(Function<Object, ?> convert) {
    this.convert = Objects.requireNonNull(convert, "convert");
  }

  /**
   * One call per input.
   *
   * @param call starts the call for one input
   * @param toOutput turns the call's value into the output ({@code Function.identity()} for none)
   */
  static <I, O> CallShape<I, O> perItem(
      Function<? super I, ? extends CompletableFuture<?>> call,
      Function<Object, ? extends O> toOutput) {
    return new PerItem<>(call, toOutput);
  }

  /**
   * One call per batch.
   *
   * @param call starts the call for a batch (an unmodifiable list)
   * @param toReply turns the call's value into the batch's reply ({@code r -> (BatchReply<O>) r}
   *     for none)
   */
  static <I, O> CallShape<I, O> perBatch(
      Function<? super List<I>, ? extends CompletableFuture<?>> call,
      Function<Object, ? extends BatchReply<O>> toReply) {
    return new PerBatch<>(call, toReply);
  }

  /** Returns true for one call per batch, whose value is a {@link BatchReply}. */
  abstract boolean perBatch();

  /** Returns the items per call: 1 per item, the settings' batch size per batch. */
  abstract int batchSize(BatchSettings settings);

  /**
   * Starts the call for a batch's items.
   *
   * @return the call's raw future
   * @throws NullPointerException if the call function returned null
   * @throws RuntimeException what the call function threw
   */
  final CompletableFuture<?> start(Batch<I, O> batch) {
    CompletableFuture<?> call = startCall(batch);
    if (call == null) {
      throw new NullPointerException("the call function returned null (expected: a future)");
    }
    return call;
  }

  /**
   * Converts a completed call's value: the user's converter, run outside any lock.
   *
   * @throws RuntimeException (or an Error) what the converter threw: the call's items fail with it
   */
  final Object convert(Object value) {
    return convert.apply(value);
  }

  abstract CompletableFuture<?> startCall(Batch<I, O> batch);

  private static final class PerItem<I, O> extends CallShape<I, O> {
    private final Function<? super I, ? extends CompletableFuture<?>> call;

    PerItem(
        Function<? super I, ? extends CompletableFuture<?>> call,
        Function<Object, ? extends O> toOutput) {
      super(toOutput);
      this.call = Objects.requireNonNull(call, "call");
    }

    @Override
    boolean perBatch() {
      return false;
    }

    @Override
    int batchSize(BatchSettings settings) {
      return 1;
    }

    @Override
    CompletableFuture<?> startCall(Batch<I, O> batch) {
      return call.apply(batch.firstInput());
    }
  }

  private static final class PerBatch<I, O> extends CallShape<I, O> {
    private final Function<? super List<I>, ? extends CompletableFuture<?>> call;

    PerBatch(
        Function<? super List<I>, ? extends CompletableFuture<?>> call,
        Function<Object, ? extends BatchReply<O>> toReply) {
      super(toReply);
      this.call = Objects.requireNonNull(call, "call");
    }

    @Override
    boolean perBatch() {
      return true;
    }

    @Override
    int batchSize(BatchSettings settings) {
      return settings.batchSize();
    }

    @Override
    CompletableFuture<?> startCall(Batch<I, O> batch) {
      return call.apply(batch.inputList());
    }
  }
}
