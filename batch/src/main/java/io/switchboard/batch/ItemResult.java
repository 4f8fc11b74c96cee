package io.switchboard.batch;

import io.grpc.Status;
import java.util.Objects;

/**
 * What happened to one input of a batch run: it succeeded (with its output), failed (with the
 * {@link Status} of its last attempt), or was not attempted (the run stopped first; the status says
 * why). Immutable.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
public final class ItemResult<I, O> {
  /** The three ways an item can end. */
  public enum Outcome {
    /** The call for the item succeeded; {@link #output()} holds its result. */
    SUCCEEDED,
    /** The item's last attempt failed; {@link #status()} says how. */
    FAILED,
    /** The item was never sent: the run stopped (fail-fast, cancel, deadline, close) first. */
    NOT_ATTEMPTED
  }

  private final long index;
  private final I input;
  private final Outcome outcome;
  private final O output;
  private final Status status;
  private final int attempts;
  private final long batchIndex;

  private ItemResult(
      long index, I input, Outcome outcome, O output, Status status, int attempts, long batch) {
    this.index = index;
    this.input = input;
    this.outcome = outcome;
    this.output = output;
    this.status = status;
    this.attempts = attempts;
    this.batchIndex = batch;
  }

  static <I, O> ItemResult<I, O> succeeded(
      long index, I input, O output, int attempts, long batchIndex) {
    return new ItemResult<>(
        index, input, Outcome.SUCCEEDED, output, Status.OK, attempts, batchIndex);
  }

  static <I, O> ItemResult<I, O> failed(
      long index, I input, Status status, int attempts, long batchIndex) {
    return new ItemResult<>(index, input, Outcome.FAILED, null, status, attempts, batchIndex);
  }

  static <I, O> ItemResult<I, O> notAttempted(long index, I input, Status reason) {
    return new ItemResult<>(index, input, Outcome.NOT_ATTEMPTED, null, reason, 0, -1);
  }

  /** The same outcome for an equal input at another position (de-duplication). */
  ItemResult<I, O> at(long otherIndex, I otherInput) {
    return new ItemResult<>(otherIndex, otherInput, outcome, output, status, attempts, batchIndex);
  }

  /** Returns the input's position in the run's input, from 0. */
  public long index() {
    return index;
  }

  /** Returns the input. */
  public I input() {
    return input;
  }

  /** Returns how the item ended. */
  public Outcome outcome() {
    return outcome;
  }

  /** Returns true if the item succeeded. */
  public boolean isSuccess() {
    return outcome == Outcome.SUCCEEDED;
  }

  /**
   * Returns the item's output (may be null if the call's result was null, as for a {@code Void}
   * call).
   *
   * @throws IllegalStateException if the item did not succeed
   */
  public O output() {
    if (outcome != Outcome.SUCCEEDED) {
      throw new IllegalStateException(
          "item " + index + " has no output: " + outcome + " " + Statuses.describe(status));
    }
    return output;
  }

  /**
   * Returns {@link Status#OK} for a success; the last attempt's status for a failure; for an item
   * not attempted, why the run stopped ({@code CANCELLED} for fail-fast, cancellation or close,
   * {@code DEADLINE_EXCEEDED} for the overall deadline).
   */
  public Status status() {
    return status;
  }

  /** Returns the number of calls made for this item: 0 if never sent. */
  public int attempts() {
    return attempts;
  }

  /**
   * Returns the index (from 0, in the order batches were formed) of the batch the item was last
   * sent in; in per-item mode each call is a batch of one. -1 if the item was never sent.
   */
  public long batchIndex() {
    return batchIndex;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ItemResult<?, ?> r
        && r.index == index
        && Objects.equals(r.input, input)
        && r.outcome == outcome
        && Objects.equals(r.output, output)
        && r.status.getCode() == status.getCode()
        && Objects.equals(r.status.getDescription(), status.getDescription())
        && r.attempts == attempts
        && r.batchIndex == batchIndex;
  }

  @Override
  public int hashCode() {
    return Objects.hash(index, input, outcome, output, status.getCode(), attempts, batchIndex);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("#").append(index).append(' ').append(input).append(' ');
    switch (outcome) {
      case SUCCEEDED -> s.append("→ ").append(output);
      case FAILED -> s.append("FAILED ").append(Statuses.describe(status));
      case NOT_ATTEMPTED ->
          s.append("NOT ATTEMPTED (").append(Statuses.describe(status)).append(')');
    }
    if (attempts > 0) {
      s.append(" [attempts ").append(attempts).append(", batch ").append(batchIndex).append(']');
    }
    return s.toString();
  }
}
