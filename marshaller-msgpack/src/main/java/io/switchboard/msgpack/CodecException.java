package io.switchboard.msgpack;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.core.ErrorMapper;
import java.time.DateTimeException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.msgpack.core.MessageInsufficientBufferException;
import org.msgpack.core.MessageIntegerOverflowException;
import org.msgpack.core.MessageNeverUsedFormatException;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageSizeException;
import org.msgpack.core.MessageTypeException;
import org.msgpack.value.ValueType;

/**
 * A failure to encode or decode a value, with the field path where it happened. Unwinding codecs
 * add their part of the path; the marshaller turns it into a status. No stack trace: it is thrown
 * on hostile input, which must stay cheap.
 */
final class CodecException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** msgpack-core's wording of a wrong type: "Expected String, but got Integer (05)". */
  private static final Pattern WRONG_TYPE =
      Pattern.compile("Expected (\\w+), but got (\\w+) \\(([0-9a-fA-F]{2})\\)");

  /** msgpack-core's wording of a wrong extension type (a timestamp is extension type -1). */
  private static final Pattern WRONG_EXTENSION =
      Pattern.compile(
          "Expected extension type (\\w+) \\((-?\\d+)\\), but got extension type (-?\\d+)");

  private final StringBuilder path = new StringBuilder();
  private final boolean overBudget;
  private String innermostType;
  private String innermostField;

  CodecException(String problem) {
    this(problem, null, false);
  }

  CodecException(String problem, Throwable cause) {
    this(problem, cause, false);
  }

  private CodecException(String problem, Throwable cause, boolean overBudget) {
    super(problem, cause, false, false);
    this.overBudget = overBudget;
  }

  /**
   * Returns the failure of a message over {@link MessagePackSettings#maxElementsPerMessage()}: a
   * resource the sender asked too much of, {@code RESOURCE_EXHAUSTED}, not malformed input.
   */
  static CodecException overBudget(String problem) {
    return new CodecException(problem, null, true);
  }

  /** Whether this is a message over its budget ({@link #overBudget}). */
  boolean isOverBudget() {
    return overBudget;
  }

  /** Returns the exception for a failure thrown by msgpack-core, a codec or user code. */
  static CodecException of(Throwable t) {
    if (t instanceof CodecException e) {
      return e;
    }
    if (t instanceof MessageInsufficientBufferException) {
      return new CodecException("truncated: the message ends inside a value", t);
    }
    if (t instanceof MessageIntegerOverflowException e) {
      return new CodecException("integer " + e.getBigInteger() + " out of range", t);
    }
    if (t instanceof MessageSizeException e) {
      return new CodecException("declared length " + e.getSize() + " exceeds 2^31-1", t);
    }
    if (t instanceof MessageNeverUsedFormatException) {
      return new CodecException("the byte 0xc1, which MessagePack never uses", t);
    }
    if (t instanceof MessageTypeException) {
      return new CodecException("wrong type: " + plainWords(t.getMessage()), t);
    }
    if (t instanceof MessagePackException) {
      // Never msgpack-core's class names: its message, in its own words, is all a peer can use.
      return new CodecException("malformed MessagePack: " + t.getMessage(), t);
    }
    if (t instanceof DateTimeException || t instanceof ArithmeticException) {
      return new CodecException("value out of range: " + t.getMessage(), t);
    }
    return new CodecException(t.getClass().getSimpleName() + ": " + t.getMessage(), t);
  }

  /**
   * Rephrases msgpack-core's "Expected String, but got Integer (05)" as "expected a string (str),
   * got an integer (format byte 0x05)".
   */
  static String plainWords(String message) {
    if (message == null) {
      return "a value of another type";
    }
    Matcher m = WRONG_TYPE.matcher(message);
    if (m.matches()) {
      return "expected "
          + article(m.group(1))
          + ", got "
          + article(m.group(2))
          + " (format byte 0x"
          + m.group(3).toLowerCase(Locale.ROOT)
          + ")";
    }
    Matcher e = WRONG_EXTENSION.matcher(message);
    if (e.matches()) {
      return "expected "
          + article(e.group(1))
          + " (extension type "
          + e.group(2)
          + "), got extension type "
          + e.group(3);
    }
    return message;
  }

  /** A MessagePack value type in words with an article, e.g. "a string (str)". */
  static String words(ValueType type) {
    String name = type.name();
    return article(name.charAt(0) + name.substring(1).toLowerCase(Locale.ROOT));
  }

  /** A MessagePack type as msgpack-core names it, in words with an article. */
  private static String article(String type) {
    return switch (type) {
      case "Integer" -> "an integer";
      case "Float" -> "a float";
      case "Boolean" -> "a boolean";
      case "Nil" -> "nil";
      case "String" -> "a string (str)";
      case "Binary" -> "a binary (bin)";
      case "Array" -> "an array";
      case "Map" -> "a map";
      case "Ext", "Extension" -> "an extension value";
      case "Timestamp" -> "a timestamp";
      default -> type.toLowerCase(Locale.ROOT);
    };
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
