package io.switchboard.batch;

import io.grpc.Status;
import io.switchboard.core.internal.DaemonThreadFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Accumulates elements added from any number of threads and flushes them as batches (on count,
 * bytes or delay), giving each element a future of its own result: the client-side shape for "many
 * producers, one batch RPC".
 *
 * <pre>{@code
 * try (Batcher<Long, User> users = Batcher.create(
 *     ids -> client.unary(BATCH_GET_USERS, new BatchGetUsersRequest(ids))
 *         .thenApply(response -> UserBatchApi.toBatchReply(response.results())),
 *     BatcherSettings.newBuilder().maxElements(100).maxDelay(Duration.ofMillis(5)).build())) {
 *   CompletableFuture<User> user = users.add(42L);   // from any thread
 * }
 * }</pre>
 *
 * <p>Outstanding elements (added, not yet answered) and bytes are bounded; when full, {@code add}
 * blocks or fails as the settings say. It cannot deadlock: an {@code add} that has to wait first
 * flushes the partial batch, so every outstanding element is always in a batch on its way, and room
 * comes back as answers arrive (provided the flush function's futures complete).
 *
 * <p>The flush function gets an unmodifiable list and returns the future of a {@link BatchReply}
 * with one entry per element; each element's future completes with its output, or fails with a
 * {@code StatusRuntimeException} of its status. A flush function that throws, returns null, or
 * whose future fails, fails every element of that batch; a reply of the wrong size fails them with
 * {@code INTERNAL}. It is called without any lock held, on the thread that triggered the flush (an
 * adder, the caller of {@link #flush()}, or the batcher's timer thread).
 *
 * <p>Thread-safe. {@link #close()} flushes what is pending and stops the timer thread.
 *
 * @param <E> the element type
 * @param <R> the per-element result type
 */
public final class Batcher<E, R> implements AutoCloseable {
  /** Timer threads of all instances, numbered in one sequence. */
  private static final DaemonThreadFactory TIMER_THREADS =
      new DaemonThreadFactory("switchboard-batcher-timer");

  private final Function<? super List<E>, ? extends CompletableFuture<BatchReply<R>>> flusher;
  private final ToLongFunction<? super E> sizer;
  private final BatcherSettings settings;
  private final ScheduledThreadPoolExecutor timer;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition room = lock.newCondition();
  private List<Pending<E, R>> batch = new ArrayList<>();
  private long batchBytes;
  private long generation;
  private ScheduledFuture<?> delayFlush;
  private long outstandingElements;
  private long outstandingBytes;
  private boolean closed;

  private record Pending<E, R>(E element, long bytes, CompletableFuture<R> future) {}

  private Batcher(
      Function<? super List<E>, ? extends CompletableFuture<BatchReply<R>>> flusher,
      ToLongFunction<? super E> sizer,
      BatcherSettings settings) {
    this.flusher = Objects.requireNonNull(flusher, "flusher");
    this.sizer = Objects.requireNonNull(sizer, "sizer");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.timer = Timers.newTimer(TIMER_THREADS);
  }

  /**
   * Returns a batcher that flushes on count and delay (every element counts as 0 bytes).
   *
   * @throws NullPointerException if an argument is null
   */
  public static <E, R> Batcher<E, R> create(
      Function<? super List<E>, ? extends CompletableFuture<BatchReply<R>>> flusher,
      BatcherSettings settings) {
    return new Batcher<>(flusher, e -> 0, settings);
  }

  /**
   * Returns a batcher that also flushes on bytes, measuring each element with {@code sizer} (called
   * once per element, in {@code add}).
   *
   * @throws NullPointerException if an argument is null
   */
  public static <E, R> Batcher<E, R> create(
      Function<? super List<E>, ? extends CompletableFuture<BatchReply<R>>> flusher,
      ToLongFunction<? super E> sizer,
      BatcherSettings settings) {
    return new Batcher<>(flusher, sizer, settings);
  }

  /**
   * Adds an element to the current batch; flushes the batch if it is full. When outstanding
   * elements or bytes are at their limit, first flushes the partial batch, then waits for room
   * ({@link BatcherSettings.WhenFull#BLOCK}) or fails the returned future with {@code
   * RESOURCE_EXHAUSTED} ({@link BatcherSettings.WhenFull#FAIL}). If the waiting thread is
   * interrupted, or the batcher is closed while it waits, the future fails with {@code CANCELLED}
   * (the interrupt flag stays set).
   *
   * @return the future of this element's result
   * @throws NullPointerException if the element is null
   * @throws IllegalArgumentException if the sizer gives a negative size, or one larger than {@code
   *     maxOutstandingBytes} (such an element could never fit)
   * @throws IllegalStateException if the batcher is closed
   */
  public CompletableFuture<R> add(E element) {
    Objects.requireNonNull(element, "element");
    long bytes = sizer.applyAsLong(element);
    if (bytes < 0 || bytes > settings.maxOutstandingBytes()) {
      throw new IllegalArgumentException(
          "element size: "
              + bytes
              + " bytes (expected: 0.."
              + settings.maxOutstandingBytes()
              + ", maxOutstandingBytes)");
    }
    CompletableFuture<R> future = new CompletableFuture<>();
    List<Pending<E, R>> toFlush = null;
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("Batcher is closed (expected: add before close)");
      }
      while (outstandingElements >= settings.maxOutstandingElements()
          || outstandingBytes + bytes > settings.maxOutstandingBytes()) {
        if (!batch.isEmpty()) {
          // The fix for the gax deadlock: what we wait for must be on its way.
          List<Pending<E, R>> partial = takeBatch();
          lock.unlock();
          try {
            send(partial);
          } finally {
            lock.lock();
          }
        } else if (settings.whenFull() == BatcherSettings.WhenFull.FAIL) {
          future.completeExceptionally(
              Status.RESOURCE_EXHAUSTED
                  .withDescription(
                      "batcher full: "
                          + outstandingElements
                          + " elements / "
                          + outstandingBytes
                          + " bytes outstanding (limits "
                          + settings.maxOutstandingElements()
                          + " / "
                          + settings.maxOutstandingBytes()
                          + ")")
                  .asRuntimeException());
          return future;
        } else {
          try {
            room.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.completeExceptionally(
                Status.CANCELLED
                    .withDescription("interrupted while waiting for room in the batcher")
                    .asRuntimeException());
            return future;
          }
        }
        if (closed) {
          future.completeExceptionally(
              Status.CANCELLED
                  .withDescription("the Batcher was closed while this add waited for room")
                  .asRuntimeException());
          return future;
        }
      }
      outstandingElements++;
      outstandingBytes += bytes;
      batch.add(new Pending<>(element, bytes, future));
      batchBytes += bytes;
      if (batch.size() >= settings.maxElements() || batchBytes >= settings.maxBytes()) {
        toFlush = takeBatch();
      } else if (batch.size() == 1) {
        long gen = generation;
        try {
          delayFlush =
              timer.schedule(
                  () -> flushGeneration(gen), settings.maxDelay().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          toFlush = takeBatch();
        }
      }
    } finally {
      lock.unlock();
    }
    if (toFlush != null) {
      send(toFlush);
    }
    return future;
  }

  /** Flushes the current batch now, if it holds anything. Returns at once. */
  public void flush() {
    List<Pending<E, R>> toFlush = null;
    lock.lock();
    try {
      if (!batch.isEmpty()) {
        toFlush = takeBatch();
      }
    } finally {
      lock.unlock();
    }
    if (toFlush != null) {
      send(toFlush);
    }
  }

  /** Returns the number of elements added and not yet answered. */
  public long outstandingElements() {
    lock.lock();
    try {
      return outstandingElements;
    } finally {
      lock.unlock();
    }
  }

  /** Returns the settings. */
  public BatcherSettings settings() {
    return settings;
  }

  /**
   * Flushes what is pending, fails adds that wait for room with {@code CANCELLED}, and stops the
   * timer thread. Elements already flushed complete when their flush's future does. Later adds
   * throw. Idempotent.
   */
  @Override
  public void close() {
    List<Pending<E, R>> toFlush = null;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      if (!batch.isEmpty()) {
        toFlush = takeBatch();
      }
      room.signalAll();
    } finally {
      lock.unlock();
    }
    if (toFlush != null) {
      send(toFlush);
    }
    Timers.shutdown(timer, "the batcher's timer thread");
  }

  private void flushGeneration(long gen) {
    List<Pending<E, R>> toFlush = null;
    lock.lock();
    try {
      if (generation == gen && !batch.isEmpty()) {
        toFlush = takeBatch();
      }
    } finally {
      lock.unlock();
    }
    if (toFlush != null) {
      send(toFlush);
    }
  }

  /** Takes the current batch; lock held. */
  private List<Pending<E, R>> takeBatch() {
    List<Pending<E, R>> taken = batch;
    batch = new ArrayList<>();
    batchBytes = 0;
    generation++;
    if (delayFlush != null) {
      delayFlush.cancel(false);
      delayFlush = null;
    }
    return taken;
  }

  private void send(List<Pending<E, R>> pending) {
    List<E> elements = new ArrayList<>(pending.size());
    for (Pending<E, R> p : pending) {
      elements.add(p.element());
    }
    CompletableFuture<BatchReply<R>> call;
    try {
      call = flusher.apply(Collections.unmodifiableList(elements));
      if (call == null) {
        throw new NullPointerException("the flush function returned null (expected: a future)");
      }
    } catch (RuntimeException e) {
      answer(pending, null, e);
      return;
    }
    call.whenComplete((reply, error) -> answer(pending, reply, error));
  }

  private void answer(List<Pending<E, R>> pending, BatchReply<R> reply, Throwable error) {
    long bytes = 0;
    for (Pending<E, R> p : pending) {
      bytes += p.bytes();
    }
    lock.lock();
    try {
      outstandingElements -= pending.size();
      outstandingBytes -= bytes;
      room.signalAll();
    } finally {
      lock.unlock();
    }
    Status batchError = null;
    if (error != null) {
      batchError = Statuses.of(error);
    } else if (reply == null || reply.size() != pending.size()) {
      batchError =
          Status.INTERNAL.withDescription(
              "the flush reply has "
                  + (reply == null ? "no" : String.valueOf(reply.size()))
                  + " items (expected: "
                  + pending.size()
                  + ", one per element)");
    }
    for (int i = 0; i < pending.size(); i++) {
      CompletableFuture<R> f = pending.get(i).future();
      if (batchError != null) {
        f.completeExceptionally(batchError.asRuntimeException());
      } else if (reply.isSuccess(i)) {
        f.complete(reply.output(i));
      } else {
        f.completeExceptionally(reply.status(i).asRuntimeException());
      }
    }
  }

  @Override
  public String toString() {
    return "Batcher{" + settings + "}";
  }
}
