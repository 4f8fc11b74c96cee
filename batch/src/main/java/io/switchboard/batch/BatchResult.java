package io.switchboard.batch;

import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a run over a collection: one {@link ItemResult} per input, in input order ({@code
 * items().get(i).index() == i}), each input exactly once, with the {@link BatchSummary} counts.
 * Failures are data: nothing is thrown until {@link #throwIfAnyFailed()} is asked to. Immutable.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
public final class BatchResult<I, O> {
  private final List<ItemResult<I, O>> items;
  private final BatchSummary summary;

  BatchResult(List<ItemResult<I, O>> items, BatchSummary summary) {
    this.items = Collections.unmodifiableList(items);
    this.summary = summary;
  }

  /** Returns every item, in input order. */
  public List<ItemResult<I, O>> items() {
    return items;
  }

  /**
   * Returns the result of input {@code index}.
   *
   * @throws IndexOutOfBoundsException if outside 0..total()-1
   */
  public ItemResult<I, O> item(int index) {
    return items.get(index);
  }

  /** Returns the counts and elapsed time. */
  public BatchSummary summary() {
    return summary;
  }

  /** Returns the items that succeeded, in input order. */
  public List<ItemResult<I, O>> successes() {
    return select(ItemResult.Outcome.SUCCEEDED);
  }

  /** Returns the items that failed, in input order. */
  public List<ItemResult<I, O>> failures() {
    return select(ItemResult.Outcome.FAILED);
  }

  /** Returns the items never sent because the run stopped, in input order. */
  public List<ItemResult<I, O>> notAttempted() {
    return select(ItemResult.Outcome.NOT_ATTEMPTED);
  }

  /** Returns the outputs of the items that succeeded, in input order. */
  public List<O> outputs() {
    List<O> outputs = new ArrayList<>((int) summary.succeeded());
    for (ItemResult<I, O> item : items) {
      if (item.isSuccess()) {
        outputs.add(item.output());
      }
    }
    return outputs;
  }

  /** Returns the number of inputs. */
  public int total() {
    return items.size();
  }

  /** Returns the number of items that succeeded. */
  public long succeededCount() {
    return summary.succeeded();
  }

  /** Returns the number of items that failed. */
  public long failedCount() {
    return summary.failed();
  }

  /** Returns the number of items not attempted. */
  public long notAttemptedCount() {
    return summary.notAttempted();
  }

  /** Returns true if every input succeeded. */
  public boolean allSucceeded() {
    return summary.allSucceeded();
  }

  /** Returns the number of failed items per status code. */
  public Map<Status.Code, Long> failuresByCode() {
    return summary.failuresByCode();
  }

  /** Returns the run's elapsed time. */
  public Duration elapsed() {
    return summary.elapsed();
  }

  /**
   * Throws if any item failed or was not attempted.
   *
   * @return this result, when every item succeeded
   * @throws BatchFailedException carrying this result, otherwise
   */
  public BatchResult<I, O> throwIfAnyFailed() {
    if (!summary.allSucceeded()) {
      throw new BatchFailedException(summary, this);
    }
    return this;
  }

  private List<ItemResult<I, O>> select(ItemResult.Outcome outcome) {
    List<ItemResult<I, O>> selected = new ArrayList<>();
    for (ItemResult<I, O> item : items) {
      if (item.outcome() == outcome) {
        selected.add(item);
      }
    }
    return selected;
  }

  @Override
  public String toString() {
    return "BatchResult{" + summary + "}";
  }
}
