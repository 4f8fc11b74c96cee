package io.switchboard.batch;

import java.util.Optional;

/**
 * Thrown by {@code throwIfAnyFailed()} when a run had failed or not-attempted items. It carries the
 * run's {@link BatchSummary} and, for a run over a collection, its full {@link BatchResult}; its
 * message names the counts and the first failure.
 */
public final class BatchFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient BatchSummary summary;
  private final transient BatchResult<?, ?> result;

  BatchFailedException(BatchSummary summary, BatchResult<?, ?> result) {
    super(message(summary, result));
    this.summary = summary;
    this.result = result;
  }

  /** Returns the run's counts. */
  public BatchSummary summary() {
    return summary;
  }

  /** Returns the run's per-item result, for a run over a collection. */
  public Optional<BatchResult<?, ?>> result() {
    return Optional.ofNullable(result);
  }

  private static String message(BatchSummary summary, BatchResult<?, ?> result) {
    StringBuilder s =
        new StringBuilder()
            .append(summary.failed() + summary.notAttempted())
            .append(" of ")
            .append(summary.total())
            .append(" items did not succeed: ")
            .append(summary.failed())
            .append(" failed");
    if (!summary.failuresByCode().isEmpty()) {
      s.append(' ').append(summary.failuresByCode());
    }
    s.append(", ").append(summary.notAttempted()).append(" not attempted");
    if (result != null) {
      for (ItemResult<?, ?> item : result.items()) {
        if (!item.isSuccess()) {
          s.append("; first: ").append(item);
          break;
        }
      }
    }
    return s.toString();
  }
}
