package io.switchboard.batch;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.switchboard.core.ErrorMapper;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

/** Turns what a call function's future failed with into the {@link Status} an item reports. */
final class Statuses {
  private Statuses() {}

  /**
   * Returns the status carried by a failure: a status exception's own status; {@code CANCELLED} for
   * a cancellation; {@code DEADLINE_EXCEEDED} for a timeout; otherwise {@code UNKNOWN} naming the
   * exception (the call function failed on the client side). The failure is kept as the cause.
   */
  static Status of(Throwable failure) {
    Throwable t = ErrorMapper.unwrap(failure);
    if (t instanceof StatusRuntimeException sre) {
      return sre.getStatus();
    }
    if (t instanceof StatusException se) {
      return se.getStatus();
    }
    String name =
        t.getClass().getSimpleName().isEmpty()
            ? t.getClass().getName()
            : t.getClass().getSimpleName();
    String description = t.getMessage() == null ? name : name + ": " + t.getMessage();
    if (t instanceof CancellationException) {
      return Status.CANCELLED.withDescription("the call's future was cancelled").withCause(t);
    }
    if (t instanceof TimeoutException) {
      return Status.DEADLINE_EXCEEDED.withDescription(description).withCause(t);
    }
    return Status.UNKNOWN.withDescription("call function failed: " + description).withCause(t);
  }

  /** Returns "CODE: description" (or just "CODE"), the form items and reports print. */
  static String describe(Status status) {
    return status.getDescription() == null
        ? status.getCode().toString()
        : status.getCode() + ": " + status.getDescription();
  }
}
