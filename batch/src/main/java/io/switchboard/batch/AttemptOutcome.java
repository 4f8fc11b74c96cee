package io.switchboard.batch;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What one answered attempt of a {@link Batch} means for each of its items: succeeded, failed for
 * good, or to be sent again; and which status code the concurrency limiter learns from. Decided by
 * {@link #classify} from the answer alone: no lock of its own, no clock, no thread.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
final class AttemptOutcome<I, O> {
  private final List<ItemResult<I, O>> finals;
  private final Status[] retryStatuses;
  private final Status.Code sample;
  private final ItemResult<I, O> firstFailure;

  private AttemptOutcome(
      List<ItemResult<I, O>> finals,
      Status[] retryStatuses,
      Status.Code sample,
      ItemResult<I, O> firstFailure) {
    this.finals = finals;
    this.retryStatuses = retryStatuses;
    this.sample = sample;
    this.firstFailure = firstFailure;
  }

  /**
   * Classifies the answer to attempt {@code attempt} of {@code batch}.
   *
   * <p>The answer is a failure of the whole call ({@code error}), or a value: the output of the one
   * item (per item), or a {@link BatchReply} with one entry per item, in order (per batch). A reply
   * that is missing or of another size fails every item with {@code INTERNAL}. Each failed item
   * whose code {@code retryable} accepts is kept for a retry with its status; the others are final.
   *
   * @param batch the batch, its lock held by the caller
   * @param attempt the attempt's number, from 1
   * @param value the call's value, already converted; ignored if {@code error} is not null
   * @param error what the call (or the converter) failed with; null if it answered
   * @param perBatch true if {@code value} is a {@link BatchReply}
   * @param retryable the codes worth another attempt now ({@code code -> false} when no attempt is
   *     left, the run is stopping, or the deadline would pass during the backoff)
   */
  @SuppressWarnings("unchecked")
  static <I, O> AttemptOutcome<I, O> classify(
      Batch<I, O> batch,
      int attempt,
      Object value,
      Throwable error,
      boolean perBatch,
      Predicate<Status.Code> retryable) {
    int n = batch.size();
    Status batchError = null;
    BatchReply<O> reply = null;
    if (error != null) {
      batchError = Statuses.of(error);
    } else if (perBatch) {
      if (value instanceof BatchReply<?> r) {
        reply = (BatchReply<O>) r;
        if (reply.size() != n) {
          batchError =
              Status.INTERNAL.withDescription(
                  "the reply to batch "
                      + batch.index()
                      + " has "
                      + reply.size()
                      + " items (expected: "
                      + n
                      + ", one per item sent)");
        }
      } else {
        batchError =
            Status.INTERNAL.withDescription(
                "the batch call's future completed with null (expected: a BatchReply)");
      }
    }
    List<ItemResult<I, O>> finals = new ArrayList<>(n);
    Status[] retryStatuses = null;
    Status.Code sample = Status.Code.OK;
    ItemResult<I, O> firstFailure = null;
    for (int i = 0; i < n; i++) {
      Status s = batchError != null ? batchError : reply == null ? Status.OK : reply.status(i);
      long index = batch.indexOf(i);
      if (s.isOk()) {
        O output = reply == null ? (O) value : reply.output(i);
        finals.add(ItemResult.succeeded(index, batch.input(i), output, attempt, batch.index()));
        continue;
      }
      Status.Code code = s.getCode();
      if (sample == Status.Code.OK || Limiter.isPushBack(code)) {
        sample = code;
      }
      if (retryable.test(code)) {
        if (retryStatuses == null) {
          retryStatuses = new Status[n];
        }
        retryStatuses[i] = s;
      } else {
        ItemResult<I, O> failed =
            ItemResult.failed(index, batch.input(i), s, attempt, batch.index());
        finals.add(failed);
        if (firstFailure == null) {
          firstFailure = failed;
        }
      }
    }
    return new AttemptOutcome<>(finals, retryStatuses, sample, firstFailure);
  }

  /** Returns the items reported now: succeeded, or failed for good. */
  List<ItemResult<I, O>> finals() {
    return finals;
  }

  /** Returns true if some items are to be sent again. */
  boolean retries() {
    return retryStatuses != null;
  }

  /**
   * Returns, per item of the batch as it was sent, the status it failed with if it is to be sent
   * again, else null; null when nothing is retried.
   */
  Status[] retryStatuses() {
    return retryStatuses;
  }

  /**
   * Returns the code the concurrency limiter learns from: OK if every item succeeded, else the last
   * push-back code if any item failed with one, else the first failure's code.
   */
  Status.Code sample() {
    return sample;
  }

  /** Returns the first item that failed for good (fail-fast stops on it); null if none. */
  ItemResult<I, O> firstFailure() {
    return firstFailure;
  }

  /** The same decision, reporting {@code items} instead (the timers refused a retry). */
  AttemptOutcome<I, O> withFinals(List<ItemResult<I, O>> items) {
    return new AttemptOutcome<>(items, retryStatuses, sample, firstFailure);
  }
}
