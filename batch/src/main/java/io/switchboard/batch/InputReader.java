package io.switchboard.batch;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads a run's inputs into {@link Batch}es of up to {@code batchSize}, numbering inputs and
 * batches in the order read: from a collection (copied, checked, de-duplicated if asked) or from an
 * iterator (read lazily, one batch at a time, so memory stays bounded). Each input is read once.
 * Not thread-safe: a run reads from its drain loop, one thread at a time.
 *
 * @param <I> the input type
 */
abstract class InputReader<I> {
  private final int batchSize;
  private long nextBatchIndex;
  private boolean done;

  private InputReader(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize: " + batchSize + " (expected: > 0)");
    }
    this.batchSize = batchSize;
  }

  /**
   * Reads a list, skipping inputs that are {@linkplain Duplicates#isDuplicate duplicates}.
   *
   * @param inputs the inputs, none null (the executor checked them)
   */
  static <I> InputReader<I> of(List<I> inputs, int batchSize, Duplicates duplicates) {
    return new FromList<>(inputs, batchSize, duplicates);
  }

  /**
   * Reads an iterator. A null input or an exception from the iterator ends the reading; {@link
   * #failure()} then says what happened (the inputs read before it are processed as usual).
   */
  static <I> InputReader<I> of(Iterator<? extends I> inputs, int batchSize) {
    return new FromIterator<>(inputs, batchSize);
  }

  /** Returns the next batch, QUEUED; null once every input was read. */
  final <O> Batch<I, O> next() {
    long[] indices = null;
    Object[] inputs = null;
    int n = 0;
    while (n < batchSize && !done) {
      I input = read();
      if (input == null) {
        done = true;
        break;
      }
      if (indices == null) {
        indices = new long[batchSize];
        inputs = new Object[batchSize];
      }
      indices[n] = lastIndex();
      inputs[n] = input;
      n++;
    }
    if (n == 0) {
      return null;
    }
    if (n < batchSize) {
      indices = Arrays.copyOf(indices, n);
      inputs = Arrays.copyOf(inputs, n);
    }
    return new Batch<>(nextBatchIndex++, indices, inputs);
  }

  /** Returns true once every input was read (or the reading failed). */
  final boolean isDone() {
    return done;
  }

  /** Returns why the reading ended early (the iterator threw or gave null), if it did. */
  abstract Optional<RuntimeException> failure();

  /** Reads the next input to send; null at the end. */
  abstract I read();

  /** Returns the run index (position in the input) of the input {@link #read} just returned. */
  abstract long lastIndex();

  private static final class FromList<I> extends InputReader<I> {
    private final List<I> inputs;
    private final Duplicates duplicates;
    private int cursor;
    private int position;

    FromList(List<I> inputs, int batchSize, Duplicates duplicates) {
      super(batchSize);
      this.inputs = Objects.requireNonNull(inputs, "inputs");
      this.duplicates = Objects.requireNonNull(duplicates, "duplicates");
    }

    @Override
    I read() {
      while (cursor < inputs.size() && duplicates.isDuplicate(cursor)) {
        cursor++;
      }
      if (cursor >= inputs.size()) {
        return null;
      }
      position = cursor++;
      return inputs.get(position);
    }

    @Override
    long lastIndex() {
      return position;
    }

    @Override
    Optional<RuntimeException> failure() {
      return Optional.empty();
    }
  }

  private static final class FromIterator<I> extends InputReader<I> {
    private final Iterator<? extends I> inputs;
    private long count;
    private RuntimeException failure;

    FromIterator(Iterator<? extends I> inputs, int batchSize) {
      super(batchSize);
      this.inputs = Objects.requireNonNull(inputs, "inputs");
    }

    @Override
    I read() {
      I input;
      try {
        if (!inputs.hasNext()) {
          return null;
        }
        input = inputs.next();
      } catch (RuntimeException e) {
        failure =
            new IllegalStateException(
                "inputs: the iterator threw after "
                    + count
                    + " items (those were processed and reported)",
                e);
        return null;
      }
      if (input == null) {
        failure =
            new NullPointerException(
                "inputs: item " + count + " from the iterator is null (expected: non-null)");
        return null;
      }
      count++;
      return input;
    }

    @Override
    long lastIndex() {
      return count - 1;
    }

    @Override
    Optional<RuntimeException> failure() {
      return Optional.ofNullable(failure);
    }
  }
}
