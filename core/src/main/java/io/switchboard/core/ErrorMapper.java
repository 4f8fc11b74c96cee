package io.switchboard.core;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.switchboard.core.internal.Descriptions;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns an exception thrown by a server handler into the {@link Status} the client receives.
 *
 * <p>The {@linkplain #standard() standard} mapping:
 *
 * <ul>
 *   <li>{@link StatusRuntimeException} / {@link StatusException}: its status, as is (its trailers
 *       are kept by the binder);
 *   <li>{@link IllegalArgumentException}: {@code INVALID_ARGUMENT} with the exception's message;
 *   <li>anything else: {@code INTERNAL} with the exception's class name and message.
 * </ul>
 *
 * <p>Wrappers ({@link CompletionException}, {@link ExecutionException}, {@link
 * InvocationTargetException}, {@link UndeclaredThrowableException}) are unwrapped first. A
 * description is never a stack trace, and is cut to {@value #MAX_DESCRIPTION_LENGTH} characters so
 * an exception with a huge message cannot blow up the trailers. The cause is never sent to the
 * client; the binder logs it on the server.
 *
 * <p>Write your own to map domain exceptions, delegating to {@code standard()} for the rest:
 *
 * <pre>{@code
 * ErrorMapper mapper = t -> t instanceof NoSuchUserException e
 *     ? Status.NOT_FOUND.withDescription("no user " + e.id())
 *     : ErrorMapper.standard().toStatus(t);
 * }</pre>
 *
 * <p>A mapper must not throw and must not return null; if it does, the call fails with {@code
 * INTERNAL} and the standard description.
 */
@FunctionalInterface
public interface ErrorMapper {
  /**
   * Longest description the standard mapper produces: long enough for a useful message, short
   * enough to stay far below grpc's default 8 KiB header limit.
   */
  int MAX_DESCRIPTION_LENGTH = Descriptions.MAX_LENGTH;

  /**
   * Returns the status to send for the given failure.
   *
   * @param failure what the handler threw or passed to {@code onError}, never null
   * @return the status; must not be {@link Status#OK} or null
   */
  Status toStatus(Throwable failure);

  /** Returns the standard mapping described in the class documentation. */
  static ErrorMapper standard() {
    return ErrorMapper::standardStatus;
  }

  private static Status standardStatus(Throwable failure) {
    Throwable t = Descriptions.unwrap(failure);
    if (t instanceof StatusRuntimeException sre) {
      return sre.getStatus();
    }
    if (t instanceof StatusException se) {
      return se.getStatus();
    }
    if (t instanceof IllegalArgumentException) {
      String message = t.getMessage();
      return Status.INVALID_ARGUMENT.withDescription(
          Descriptions.cap(message == null ? "invalid argument" : message));
    }
    return Status.INTERNAL.withDescription(Descriptions.of(t));
  }
}
