package io.switchboard.batch;

import io.grpc.Status;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The counts of a finished run: how many inputs succeeded, failed and were not attempted, the
 * failures by status code, and how long the run took. It is all a run over an iterator keeps (the
 * items themselves go to the listener). Immutable.
 */
public final class BatchSummary {
  private final long total;
  private final long succeeded;
  private final long failed;
  private final long notAttempted;
  private final Map<Status.Code, Long> failuresByCode;
  private final Duration elapsed;

  BatchSummary(
      long succeeded,
      long failed,
      long notAttempted,
      EnumMap<Status.Code, Long> failuresByCode,
      Duration elapsed) {
    this.total = succeeded + failed + notAttempted;
    this.succeeded = succeeded;
    this.failed = failed;
    this.notAttempted = notAttempted;
    this.failuresByCode =
        Collections.unmodifiableMap(new EnumMap<Status.Code, Long>(failuresByCode));
    this.elapsed = Objects.requireNonNull(elapsed, "elapsed");
  }

  /** Returns the number of inputs. */
  public long total() {
    return total;
  }

  /** Returns the number of items that succeeded. */
  public long succeeded() {
    return succeeded;
  }

  /** Returns the number of items that failed. */
  public long failed() {
    return failed;
  }

  /** Returns the number of items never sent because the run stopped. */
  public long notAttempted() {
    return notAttempted;
  }

  /** Returns true if every input succeeded (also true for an empty input). */
  public boolean allSucceeded() {
    return succeeded == total;
  }

  /** Returns the number of failed items per status code (not-attempted items are not counted). */
  public Map<Status.Code, Long> failuresByCode() {
    return failuresByCode;
  }

  /** Returns the time from the start of the run to its last item's report. */
  public Duration elapsed() {
    return elapsed;
  }

  /**
   * Throws if any item failed or was not attempted.
   *
   * @return this summary, when every item succeeded
   * @throws BatchFailedException carrying this summary, otherwise
   */
  public BatchSummary throwIfAnyFailed() {
    if (!allSucceeded()) {
      throw new BatchFailedException(this, null);
    }
    return this;
  }

  @Override
  public String toString() {
    return total
        + " items: "
        + succeeded
        + " succeeded, "
        + failed
        + " failed"
        + (failuresByCode.isEmpty() ? "" : " " + failuresByCode)
        + ", "
        + notAttempted
        + " not attempted, in "
        + elapsed.toMillis()
        + " ms";
  }
}
