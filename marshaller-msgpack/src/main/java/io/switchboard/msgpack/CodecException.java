package io.switchboard.msgpack;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.core.ErrorMapper;
import java.time.DateTimeException;
import org.msgpack.core.MessageInsufficientBufferException;
import org.msgpack.core.MessageIntegerOverflowException;
import org.msgpack.core.MessageSizeException;
import org.msgpack.core.MessageTypeException;

/**
 * A failure to encode or decode a value, with the field path where it happened. Unwinding codecs
 * add their part of the path; the marshaller turns it into a status. No stack trace: it is thrown
 * on hostile input, which must stay cheap.
 */
final class CodecException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final StringBuilder path = new StringBuilder();
  private String innermostType;
  private String innermostField;

  CodecException(String problem) {
    super(problem, null, false, false);
  }

  CodecException(String problem, Throwable cause) {
    super(problem, cause, false, false);
  }

  /** Returns the exception for a failure thrown by msgpack-core, a codec or user code. */
  static CodecException of(Throwable t) {
    if (t instanceof CodecException e) {
      return e;
    }
    if (t instanceof MessageInsufficientBufferException) {
      return new CodecException("truncated: the message ends inside a value", t);
    }
    if (t instanceof MessageIntegerOverflowException) {
      return new CodecException("integer out of range: " + t.getMessage(), t);
    }
    if (t instanceof MessageSizeException e) {
      return new CodecException("declared length " + e.getSize() + " exceeds 2^31-1", t);
    }
    if (t instanceof MessageTypeException) {
      return new CodecException("wrong type: " + t.getMessage(), t);
    }
    if (t instanceof DateTimeException || t instanceof ArithmeticException) {
      return new CodecException("value out of range: " + t.getMessage(), t);
    }
    return new CodecException(t.getClass().getSimpleName() + ": " + t.getMessage(), t);
  }

  /**
   * Prepends a field of {@code type} to the path (null: the failure is the type's own, e.g. its
   * header); the first call names the innermost type and field.
   */
  CodecException inField(String type, String field) {
    if (innermostType == null) {
      innermostType = type;
      innermostField = field;
    }
    if (field != null) {
      path.insert(0, path.length() == 0 || path.charAt(0) == '[' ? field : field + ".");
    }
    return this;
  }

  /** Prepends a position (list index, map entry, sealed subtype) to the path. */
  CodecException inElement(String element) {
    path.insert(0, element + (path.length() == 0 || path.charAt(0) == '[' ? "" : "."));
    return this;
  }

  /** Returns the status exception carrying {@link #describe}'s text, caused by this failure. */
  StatusRuntimeException toStatus(Status status, String action, String topType) {
    Throwable cause = getCause() != null ? getCause() : this;
    return status.withDescription(describe(action, topType)).withCause(cause).asRuntimeException();
  }

  /**
   * Returns a description naming the top-level type, the field, its path and the problem, cut to
   * {@link ErrorMapper#MAX_DESCRIPTION_LENGTH} characters (ending with "...") as core's {@code
   * ErrorMapper} cuts: the problem may quote user text of any length, e.g. a constructor's message.
   */
  String describe(String action, String topType) {
    StringBuilder s = new StringBuilder(action).append(' ').append(topType);
    if (innermostField != null) {
      s.append(": field ").append(innermostType).append('.').append(innermostField);
    } else if (innermostType != null) {
      s.append(": in ").append(innermostType);
    }
    if (path.length() > 0) {
      s.append(" at ").append(path);
    }
    s.append(": ").append(getMessage());
    return s.length() <= ErrorMapper.MAX_DESCRIPTION_LENGTH
        ? s.toString()
        : s.substring(0, ErrorMapper.MAX_DESCRIPTION_LENGTH - 3) + "...";
  }
}
