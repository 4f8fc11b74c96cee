package io.switchboard.batch;

import io.grpc.Status;
import io.switchboard.core.internal.Descriptions;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

/** Turns what a call function's future failed with into the {@link Status} an item reports. */
final class Statuses {
  private Statuses() {}

  /**
   * Returns the status carried by a failure: the status of the first status exception in its causal
   * chain (grpc's {@link Status#fromThrowable}); {@code CANCELLED} for a cancellation; {@code
   * DEADLINE_EXCEEDED} for a timeout; otherwise {@code UNKNOWN} naming the exception (the call
   * function failed on the client side). Descriptions are capped as core's are; the failure is kept
   * as the cause.
   */
  static Status of(Throwable failure) {
    Status carried = Status.fromThrowable(failure);
    if (carried.getCode() != Status.Code.UNKNOWN || carried.getCause() != failure) {
      return carried; // from a status exception (fromThrowable's fallback is UNKNOWN, cause
      // failure)
    }
    Throwable t = Descriptions.unwrap(failure);
    String description = Descriptions.of(t);
    if (t instanceof CancellationException) {
      return Status.CANCELLED.withDescription("the call's future was cancelled").withCause(t);
    }
    if (t instanceof TimeoutException) {
      return Status.DEADLINE_EXCEEDED.withDescription(description).withCause(t);
    }
    return Status.UNKNOWN
        .withDescription(Descriptions.cap("call function failed: " + description))
        .withCause(t);
  }

  /** Returns "CODE: description" (or just "CODE"), the form items and reports print. */
  static String describe(Status status) {
    return status.getDescription() == null
        ? status.getCode().toString()
        : status.getCode() + ": " + status.getDescription();
  }
}
