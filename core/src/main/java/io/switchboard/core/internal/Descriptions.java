package io.switchboard.core.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Exceptions as the one-line text a {@code Status} description carries: never a stack trace, never
 * longer than {@value #MAX_LENGTH} characters.
 */
public final class Descriptions {
  /**
   * Longest description: long enough for a useful message, short enough to stay far below grpc's
   * default 8 KiB header limit.
   */
  public static final int MAX_LENGTH = 1024;

  /** How many wrappers {@link #unwrap} looks through at most: a cycle guard, not a real depth. */
  private static final int MAX_WRAPPERS = 16;

  private Descriptions() {}

  /**
   * Returns {@code "SimpleClassName: message"}, or the class name alone when there is no message
   * (the full name for an anonymous class), cut to {@value #MAX_LENGTH} characters.
   *
   * @throws NullPointerException if the failure is null
   */
  public static String of(Throwable failure) {
    Class<?> type = failure.getClass();
    String name = type.getSimpleName().isEmpty() ? type.getName() : type.getSimpleName();
    String message = failure.getMessage();
    return cap(message == null ? name : name + ": " + message);
  }

  /**
   * Returns the text if it has at most {@value #MAX_LENGTH} characters, else its start ending with
   * "..." in exactly that many.
   *
   * @throws NullPointerException if the text is null
   */
  public static String cap(String description) {
    return description.length() <= MAX_LENGTH
        ? description
        : description.substring(0, MAX_LENGTH - 3) + "...";
  }

  /**
   * Returns the innermost meaningful throwable, looking through {@link CompletionException}, {@link
   * ExecutionException}, {@link InvocationTargetException} and {@link UndeclaredThrowableException}
   * wrappers that have a cause.
   *
   * @throws NullPointerException if the failure is null
   */
  public static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    for (int depth = 0; depth < MAX_WRAPPERS; depth++) {
      boolean wrapper =
          t instanceof CompletionException
              || t instanceof ExecutionException
              || t instanceof InvocationTargetException
              || t instanceof UndeclaredThrowableException;
      if (!wrapper || t.getCause() == null) {
        return t;
      }
      t = t.getCause();
    }
    return t;
  }
}
