package io.switchboard.core.internal;

import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A future handed to a user whose completion from outside ({@code cancel}, {@code complete}, {@code
 * completeExceptionally}, and so {@code orTimeout} and {@code completeOnTimeout}) cancels the work
 * it stands for: a call, a batch, a run. The work itself completes it with {@link
 * #completeFromSource} and {@link #failFromSource}, which do not run the action.
 *
 * <p>The action runs at most once, only when an outside completion is the one that completed the
 * future (a second {@code cancel}, which {@link CompletableFuture} answers with true, does not run
 * it again), on the thread that completed it. It is given {@code null} after {@code
 * complete(value)}, a {@link CancellationException} after {@code cancel}, and the failure after
 * {@code completeExceptionally}. Futures derived with {@code thenApply} and the like are plain
 * futures: completing them does not reach the source.
 *
 * @param <T> the result type
 */
public class CancellingFuture<T> extends CompletableFuture<T> {
  private final Consumer<? super Throwable> onOutsideCompletion;
  // CompletableFuture.cancel returns true again on a cancelled future: this keeps the action once.
  private final AtomicBoolean actionRan = new AtomicBoolean();

  /**
   * Creates a future that runs the action when completed from outside.
   *
   * @param onOutsideCompletion cancels the work; given how the future was completed (see the class
   *     documentation). What it throws reaches the caller of the completing method, after the
   *     future is completed.
   * @throws NullPointerException if the action is null
   */
  public CancellingFuture(Consumer<? super Throwable> onOutsideCompletion) {
    this.onOutsideCompletion = Objects.requireNonNull(onOutsideCompletion, "onOutsideCompletion");
  }

  /**
   * Completes the future with the work's result, without running the action.
   *
   * @return true if this completed the future
   */
  public final boolean completeFromSource(T value) {
    return super.complete(value);
  }

  /**
   * Completes the future with the work's failure, without running the action.
   *
   * @return true if this completed the future
   * @throws NullPointerException if the failure is null
   */
  public final boolean failFromSource(Throwable failure) {
    return super.completeExceptionally(failure);
  }

  /** Completes the future with the value and, if that completed it, runs the action. */
  @Override
  public boolean complete(T value) {
    boolean done = super.complete(value);
    if (done) {
      runAction(null);
    }
    return done;
  }

  /**
   * Completes the future with the failure and, if that completed it, runs the action.
   *
   * @throws NullPointerException if the failure is null
   */
  @Override
  public boolean completeExceptionally(Throwable failure) {
    boolean done = super.completeExceptionally(failure);
    if (done) {
      runAction(failure);
    }
    return done;
  }

  /** Cancels the future and, if that completed it, runs the action. */
  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean done = super.cancel(mayInterruptIfRunning);
    if (done) {
      runAction(new CancellationException("cancelled from outside"));
    }
    return done;
  }

  private void runAction(Throwable how) {
    if (actionRan.compareAndSet(false, true)) {
      onOutsideCompletion.accept(how);
    }
  }
}
