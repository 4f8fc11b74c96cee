package io.switchboard.batch;

import io.grpc.Context;
import io.grpc.Status;
import io.switchboard.core.ErrorMapper;
import io.switchboard.core.internal.CancellingFuture;
import io.switchboard.core.internal.Checks;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of a batch RPC: validates the batch, runs its items on a bounded worker pool and
 * classifies each as a success or a failure with its {@link Status}, in a {@link BatchReply} the
 * service turns into its response message.
 *
 * <ul>
 *   <li>{@linkplain #perItem Per item}: items run independently, up to {@code parallelism} at a
 *       time for one batch; one item's failure does not affect the others.
 *   <li>{@linkplain #allOrNothing All or nothing}: the whole batch runs in one transaction, items
 *       in order on one worker; if any fails, the transaction is rolled back and every item is
 *       reported failed: the failing one with its own status, the others with {@code ABORTED}
 *       naming the item that caused the rollback.
 * </ul>
 *
 * <pre>{@code
 * BatchHandler<Long, User> getUsers = BatchHandler.perItem(repository::get)
 *     .executor(databaseWorkers).parallelism(8).build();
 * binder.unaryAsync(BATCH_GET_USERS,
 *     request -> getUsers.handle(request.ids(),
 *         reply -> new BatchGetUsersResponse(UserBatchApi.toResults(request.ids(), reply))));
 * }</pre>
 *
 * <p>Use {@link #handle(List, Function)} to build the response, rather than {@code
 * handle(items).thenApply(...)}: the binder cancels the future it is given when the client cancels
 * the call, and only the future {@code handle(items, toResponse)} returns passes that on to the
 * batch's work; cancelling a {@code thenApply} of it does not.
 *
 * <p>Items run in the {@link Context} of the caller of {@code handle} (in a service, the call's):
 * an item handler that makes calls of its own passes on the call's deadline, cancellation and trace
 * context.
 *
 * <p>Item handler exceptions become the item's status through the {@link ErrorMapper} (standard by
 * default); a null output fails the item with {@code INTERNAL}. Instances are immutable and
 * thread-safe: one handler serves all calls.
 *
 * @param <I> the item type
 * @param <O> the output type
 */
public final class BatchHandler<I, O> {
  private static final Logger logger = LoggerFactory.getLogger(BatchHandler.class);

  /**
   * 8 items of a batch at a time: the worker pool, within a typical 10-connection database
   * pool.
   */
  public static final int DEFAULT_PARALLELISM = 8;

  /**
   * Largest batch accepted by default: the client's hard maximum ({@value
   * BatchSettings#MAX_BATCH_SIZE}).
   */
  public static final int DEFAULT_MAX_BATCH_SIZE = BatchSettings.MAX_BATCH_SIZE;

  private final ItemHandler<? super I, ? extends O> itemHandler;
  private final Transactional<?, I, O> transactional;
  private final Executor executor;
  private final int parallelism;
  private final int maxBatchSize;
  private final ErrorMapper errorMapper;

  private BatchHandler(Builder<I, O> b) {
    this.itemHandler = b.itemHandler;
    this.transactional = b.transactional;
    this.executor = b.executor;
    this.parallelism = b.parallelism;
    this.maxBatchSize = b.maxBatchSize;
    this.errorMapper = b.errorMapper;
  }

  /**
   * Starts building a handler whose items run independently.
   *
   * @throws NullPointerException if the handler is null
   */
  public static <I, O> Builder<I, O> perItem(ItemHandler<? super I, ? extends O> handler) {
    Objects.requireNonNull(handler, "handler");
    return new Builder<>(handler, null);
  }

  /**
   * Starts building a handler that runs each batch in one transaction, all or nothing.
   *
   * @throws NullPointerException if an argument is null
   */
  public static <T, I, O> Builder<I, O> allOrNothing(
      Transactor<T> transactor,
      TransactionalItemHandler<? super T, ? super I, ? extends O> handler) {
    Objects.requireNonNull(transactor, "transactor");
    Objects.requireNonNull(handler, "handler");
    return new Builder<>(null, new Transactional<>(transactor, handler));
  }

  /**
   * Returns a builder holding this handler's mode, item work and settings, to build a variant (e.g.
   * another {@code maxBatchSize}); this handler is unchanged.
   */
  public Builder<I, O> toBuilder() {
    Builder<I, O> b = new Builder<>(itemHandler, transactional);
    b.executor = executor;
    b.parallelism = parallelism;
    b.maxBatchSize = maxBatchSize;
    b.errorMapper = errorMapper;
    return b;
  }

  /** Returns how many items of one batch run at once (per-item mode). */
  public int parallelism() {
    return parallelism;
  }

  /** Returns true for an all-or-nothing handler. */
  public boolean isAllOrNothing() {
    return transactional != null;
  }

  /** Returns the largest batch accepted. */
  public int maxBatchSize() {
    return maxBatchSize;
  }

  /**
   * Handles one batch on the worker pool.
   *
   * @param items the batch's items
   * @return the future reply, one entry per item in order; it fails with a {@code
   *     StatusRuntimeException} of {@code INVALID_ARGUMENT} if the batch is larger than {@link
   *     #maxBatchSize()} or holds a null item (before any item runs), and with {@code UNAVAILABLE}
   *     if the worker pool rejects the batch. Cancelling it stops items not yet started (and rolls
   *     an all-or-nothing batch back, also when it comes while the last item runs: cancellation is
   *     checked before the commit).
   * @throws NullPointerException if the list is null
   */
  public CompletableFuture<BatchReply<O>> handle(List<? extends I> items) {
    Objects.requireNonNull(items, "items");
    if (items.size() > maxBatchSize) {
      return invalid(
          "batch of "
              + items.size()
              + " items exceeds the maximum of "
              + maxBatchSize
              + " (split it into batches of at most "
              + maxBatchSize
              + ")");
    }
    for (int i = 0; i < items.size(); i++) {
      if (items.get(i) == null) {
        return invalid("items[" + i + "] is null (expected: non-null items)");
      }
    }
    if (items.isEmpty()) {
      return CompletableFuture.completedFuture(BatchReply.<O>newBuilder().build());
    }
    CompletableFuture<BatchReply<O>> reply = new CompletableFuture<>();
    if (transactional != null) {
      submit(reply, () -> transactional.run(items, reply, this));
    } else {
      runPerItem(items, reply);
    }
    return reply;
  }

  /**
   * Handles one batch on the worker pool and turns its reply into the response: the form to return
   * from {@code ServiceBinder.unaryAsync}.
   *
   * @param items the batch's items
   * @param toResponse turns the reply into the response message; if it throws, the returned future
   *     fails with what it threw
   * @return the future response; it fails as {@link #handle(List)}'s does. Cancelling or completing
   *     it (as the binder does when the client cancels the call) also cancels the batch's reply, so
   *     items not yet started do not run (and an all-or-nothing batch is rolled back).
   * @throws NullPointerException if an argument is null
   */
  public <R> CompletableFuture<R> handle(
      List<? extends I> items, Function<? super BatchReply<O>, ? extends R> toResponse) {
    Objects.requireNonNull(toResponse, "toResponse");
    CompletableFuture<BatchReply<O>> reply = handle(items);
    LinkedFuture<R> response = new LinkedFuture<>(reply);
    reply.whenComplete(
        (value, failure) -> {
          if (failure != null) {
            response.failFromSource(failure);
            return;
          }
          R converted;
          try {
            converted = toResponse.apply(value);
          } catch (Throwable e) {
            response.failFromSource(e);
            return;
          }
          response.completeFromSource(converted);
        });
    return response;
  }

  /** A response future whose completion from outside (cancel, complete) cancels its source. */
  static final class LinkedFuture<R> extends CancellingFuture<R> {
    private final CompletableFuture<?> source;

    LinkedFuture(CompletableFuture<?> source) {
      super(how -> source.cancel(false));
      this.source = source;
    }

    /** The batch's reply this response is derived from (for tests). */
    CompletableFuture<?> source() {
      return source;
    }
  }

  private static <O> CompletableFuture<BatchReply<O>> invalid(String description) {
    return CompletableFuture.failedFuture(
        Status.INVALID_ARGUMENT.withDescription(description).asRuntimeException());
  }

  /**
   * Runs a task on the worker pool in the caller's {@link Context} (for a service, the call's: its
   * deadline, its cancellation, a trace context), so item handlers that make calls of their own
   * pass them on.
   */
  private boolean submit(CompletableFuture<BatchReply<O>> reply, Runnable task) {
    try {
      executor.execute(Context.current().wrap(task));
      return true;
    } catch (RejectedExecutionException e) {
      reply.completeExceptionally(
          Status.UNAVAILABLE
              .withDescription("the batch worker pool rejected the batch: " + e.getMessage())
              .withCause(e)
              .asRuntimeException());
      return false;
    }
  }

  private void runPerItem(List<? extends I> items, CompletableFuture<BatchReply<O>> reply) {
    int n = items.size();
    Object[] outputs = new Object[n];
    Status[] statuses = new Status[n];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger remaining = new AtomicInteger(n);
    Runnable worker =
        () -> {
          for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
            if (reply.isDone()) {
              return;
            }
            try {
              Object output = itemHandler.handle(items.get(i));
              if (output == null) {
                statuses[i] =
                    Status.INTERNAL.withDescription("the item handler returned null for item " + i);
              } else {
                outputs[i] = output;
                statuses[i] = Status.OK;
              }
            } catch (Throwable e) {
              // An Error too: the item fails with its status, and the reply still completes.
              statuses[i] = toStatus(e);
            }
            if (remaining.decrementAndGet() == 0) {
              reply.complete(replyOf(outputs, statuses));
            }
          }
        };
    int workers = Math.min(parallelism, n);
    for (int w = 0; w < workers; w++) {
      // Once one worker runs it drains every item, so only a rejection of the first one matters.
      if (!submit(w == 0 ? reply : new CompletableFuture<>(), worker) && w == 0) {
        return;
      }
    }
  }

  @SuppressWarnings("unchecked")
  private BatchReply<O> replyOf(Object[] outputs, Status[] statuses) {
    BatchReply.Builder<O> b = BatchReply.newBuilder();
    for (int i = 0; i < statuses.length; i++) {
      if (statuses[i].isOk()) {
        b.success((O) outputs[i]);
      } else {
        b.failure(statuses[i]);
      }
    }
    return b.build();
  }

  /**
   * The item's status for a failure: the mapper's, else (it threw, or gave null or OK) the standard
   * mapping's, else (the failure itself carries OK) {@code INTERNAL}: a failure is never a success.
   */
  Status toStatus(Throwable failure) {
    Status status;
    try {
      status = errorMapper.toStatus(failure);
    } catch (Throwable mapperFailure) {
      status = null;
    }
    if (status == null || status.isOk()) {
      status = ErrorMapper.standard().toStatus(failure);
    }
    if (status.isOk()) {
      status =
          Status.INTERNAL
              .withDescription("the item handler threw a status exception with code OK: " + failure)
              .withCause(failure);
    }
    return status;
  }

  /** The all-or-nothing mode's transactor and item handler, typed together. */
  private static final class Transactional<T, I, O> {
    private final Transactor<T> transactor;
    private final TransactionalItemHandler<? super T, ? super I, ? extends O> handler;

    Transactional(
        Transactor<T> transactor,
        TransactionalItemHandler<? super T, ? super I, ? extends O> handler) {
      this.transactor = transactor;
      this.handler = handler;
    }

    void run(
        List<? extends I> items, CompletableFuture<BatchReply<O>> reply, BatchHandler<I, O> owner) {
      int n = items.size();
      T tx;
      try {
        tx = transactor.begin();
      } catch (Throwable e) {
        Status s = owner.toStatus(e);
        reply.complete(
            allFailed(
                n, s.withDescription("could not begin the transaction: " + Statuses.describe(s))));
        return;
      }
      BatchReply.Builder<O> ok = BatchReply.newBuilder();
      for (int i = 0; i < n; i++) {
        if (reply.isDone()) {
          rollback(tx);
          return;
        }
        Status failure;
        try {
          O output = handler.handle(tx, items.get(i));
          if (output != null) {
            ok.success(output);
            continue;
          }
          failure = Status.INTERNAL.withDescription("the item handler returned null for item " + i);
        } catch (Throwable e) {
          // An Error too: the transaction is rolled back and the reply completes.
          failure = owner.toStatus(e);
        }
        rollback(tx);
        Status others =
            Status.ABORTED.withDescription(
                "not applied: the batch was rolled back because item "
                    + i
                    + " failed with "
                    + Statuses.describe(failure));
        BatchReply.Builder<O> failed = BatchReply.newBuilder();
        for (int j = 0; j < n; j++) {
          failed.failure(j == i ? failure : others);
        }
        reply.complete(failed.build());
        return;
      }
      if (reply.isDone()) {
        // Cancelled (the client went away) while the last item ran: the client sees CANCELLED,
        // so nothing may be applied. Checked before the commit, which cannot be undone.
        rollback(tx);
        return;
      }
      try {
        transactor.commit(tx);
      } catch (Throwable e) {
        rollback(tx);
        Status s = owner.toStatus(e);
        reply.complete(allFailed(n, s.withDescription("commit failed: " + Statuses.describe(s))));
        return;
      }
      reply.complete(ok.build());
    }

    private void rollback(T tx) {
      try {
        transactor.rollback(tx);
      } catch (Throwable e) {
        logger.warn("rollback of an all-or-nothing batch failed", e);
      }
    }

    private BatchReply<O> allFailed(int n, Status status) {
      BatchReply.Builder<O> b = BatchReply.newBuilder();
      for (int i = 0; i < n; i++) {
        b.failure(status);
      }
      return b.build();
    }
  }

  /** Builds a {@link BatchHandler}; each setter checks its argument at once. Not thread-safe. */
  public static final class Builder<I, O> {
    private final ItemHandler<? super I, ? extends O> itemHandler;
    private final Transactional<?, I, O> transactional;
    private Executor executor;
    private int parallelism = DEFAULT_PARALLELISM;
    private int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;
    private ErrorMapper errorMapper = ErrorMapper.standard();

    private Builder(
        ItemHandler<? super I, ? extends O> itemHandler, Transactional<?, I, O> transactional) {
      this.itemHandler = itemHandler;
      this.transactional = transactional;
    }

    /**
     * Sets the worker pool items run on (required): usually a fixed pool sized to the database's
     * connection pool. It is not shut down by the handler.
     *
     * @throws NullPointerException if null
     */
    public Builder<I, O> executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Sets how many items of one batch run at once (per-item mode; an all-or-nothing batch runs its
     * items one after another).
     *
     * @throws IllegalArgumentException if outside 1..{@value BatchSettings#MAX_BATCH_SIZE}
     */
    public Builder<I, O> parallelism(int parallelism) {
      this.parallelism =
          Checks.inRange("parallelism", parallelism, 1, BatchSettings.MAX_BATCH_SIZE);
      return this;
    }

    /**
     * Sets the largest batch accepted; a larger one fails with {@code INVALID_ARGUMENT}.
     *
     * @throws IllegalArgumentException if outside 1..{@value BatchSettings#MAX_BATCH_SIZE}
     */
    public Builder<I, O> maxBatchSize(int maxBatchSize) {
      this.maxBatchSize =
          Checks.inRange("maxBatchSize", maxBatchSize, 1, BatchSettings.MAX_BATCH_SIZE);
      return this;
    }

    /**
     * Sets how item exceptions become statuses (standard by default). A mapper that throws or
     * returns null or OK is replaced by the standard mapping for that failure.
     *
     * @throws NullPointerException if null
     */
    public Builder<I, O> errorMapper(ErrorMapper errorMapper) {
      this.errorMapper = Objects.requireNonNull(errorMapper, "errorMapper");
      return this;
    }

    /**
     * Returns the handler.
     *
     * @throws IllegalStateException if no executor was set
     */
    public BatchHandler<I, O> build() {
      if (executor == null) {
        throw new IllegalStateException(
            "executor: not set (expected: the worker pool items run on, see executor(Executor))");
      }
      return new BatchHandler<>(this);
    }
  }
}
