package io.switchboard.stream;

import io.switchboard.core.ExperimentalApi;
import io.switchboard.core.internal.Checks;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packs small messages into batch messages, adapting to the transport: a message added while the
 * stream is idle (its {@link FlowControlledSender} {@linkplain FlowControlledSender#isWritable()
 * writable}) goes out at once as a batch of one, for the lowest latency; while the transport is
 * busy, messages gather into a batch that goes out when the transport is ready again, when it
 * reaches {@link CoalescerSettings#maxBatchMessages()} or {@link
 * CoalescerSettings#maxBatchBytes()}, or when its oldest message has waited {@link
 * CoalescerSettings#maxDelay()}: fewer, larger messages exactly when throughput matters.
 *
 * <pre>{@code
 * FlowControlledSender<LogBatch> sender = FlowControlledSender.create(responses, settings);
 * Coalescer<LogLine, LogBatch> lines =
 *     Coalescer.create(sender, LogBatch::new, CoalescerSettings.newBuilder().build(), scheduler);
 * lines.add(line);   // from any thread
 * }</pre>
 *
 * <p>The coalescer takes the sender's {@linkplain FlowControlledSender#setOnWritableHandler
 * writable handler}. Batches reach the sender in the order their messages were added; the sender's
 * bounds and overflow strategy apply to batches. {@code toBatch} runs on the thread that flushes;
 * an exception it throws reaches that caller of {@link #add} or {@link #flush} (or is logged, from
 * the max-delay timer or the writable handler) and the messages of that batch are lost.
 * Thread-safe.
 *
 * @param <T> the message type
 * @param <B> the batch message type
 */
@ExperimentalApi("the batching heuristic may change with measurements")
public final class Coalescer<T, B> {
  private static final Logger logger = LoggerFactory.getLogger(Coalescer.class);

  private enum Reason {
    IDLE,
    FULL,
    MAX_DELAY
  }

  private final FlowControlledSender<B> sender;
  private final Function<? super List<T>, ? extends B> toBatch;
  private final ScheduledExecutorService scheduler;
  private final int maxMessages;
  private final int maxBytes;
  private final long maxDelayNanos;
  private final ToIntFunction<? super T> sizeFunction;
  private final Object sendLock = new Object();

  // Guarded by this.
  private List<T> pending = new ArrayList<>();
  private long pendingBytes;
  private ScheduledFuture<?> delayTimer;
  private long messages;
  private long batches;
  private int largestBatch;
  private long sentIdle;
  private long sentFull;
  private long sentMaxDelay;

  private Coalescer(
      FlowControlledSender<B> sender,
      Function<? super List<T>, ? extends B> toBatch,
      CoalescerSettings<? super T> settings,
      ScheduledExecutorService scheduler) {
    this.sender = sender;
    this.toBatch = toBatch;
    this.scheduler = scheduler;
    this.maxMessages = settings.maxBatchMessages();
    this.maxBytes = settings.maxBatchBytes();
    this.maxDelayNanos = TimeUnit.NANOSECONDS.convert(settings.maxDelay()); // saturates
    this.sizeFunction = settings.sizeFunction();
  }

  /**
   * Creates a coalescer in front of {@code sender} and takes its writable handler.
   *
   * @param toBatch makes one batch message from the messages of a batch (a fresh list it may keep)
   * @param scheduler runs the max-delay timer; not shut down by the coalescer
   * @throws NullPointerException if an argument is null
   */
  public static <T, B> Coalescer<T, B> create(
      FlowControlledSender<B> sender,
      Function<? super List<T>, ? extends B> toBatch,
      CoalescerSettings<? super T> settings,
      ScheduledExecutorService scheduler) {
    Objects.requireNonNull(sender, "sender");
    Objects.requireNonNull(toBatch, "toBatch");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(scheduler, "scheduler");
    Coalescer<T, B> coalescer = new Coalescer<>(sender, toBatch, settings, scheduler);
    sender.setOnWritableHandler(coalescer::onWritable);
    return coalescer;
  }

  /**
   * Adds a message: sent at once if the transport is idle, otherwise batched.
   *
   * @return what the sender returned for the batch this message went out in, or true if it is
   *     waiting for a batch
   * @throws NullPointerException if the message is null
   * @throws IllegalArgumentException if its size is negative or above the batch byte bound
   */
  public boolean add(T message) {
    Objects.requireNonNull(message, "message");
    int size =
        Checks.inRange("message size in bytes", sizeFunction.applyAsInt(message), 0, maxBytes);
    Reason reason = null;
    for (; ; ) {
      boolean flushFirst = false;
      synchronized (this) {
        if (!pending.isEmpty() && pendingBytes + size > maxBytes) {
          flushFirst = true; // It does not fit with what waits: that batch goes first.
        } else {
          messages++;
          pending.add(message);
          pendingBytes += size;
          if (pending.size() >= maxMessages || pendingBytes >= maxBytes) {
            reason = Reason.FULL;
          } else if (sender.isWritable()) {
            reason = Reason.IDLE;
          } else if (delayTimer == null) {
            delayTimer =
                scheduler.schedule(
                    () -> flushQuietly(Reason.MAX_DELAY), maxDelayNanos, TimeUnit.NANOSECONDS);
          }
          break;
        }
      }
      if (flushFirst) {
        send(Reason.FULL);
      }
    }
    return reason == null || send(reason);
  }

  /**
   * Sends whatever is waiting as one batch now. Returns what the sender returned (true if none).
   */
  public boolean flush() {
    return send(Reason.FULL);
  }

  /** Returns a snapshot of the counters. */
  public synchronized CoalescerStats stats() {
    return new CoalescerStats(
        messages, batches, largestBatch, sentIdle, sentFull, sentMaxDelay, pending.size());
  }

  private void onWritable() {
    flushQuietly(Reason.IDLE);
  }

  private void flushQuietly(Reason reason) {
    try {
      send(reason);
    } catch (RuntimeException e) {
      logger.warn("coalescer flush failed", e);
    }
  }

  private boolean send(Reason reason) {
    synchronized (sendLock) {
      List<T> batch;
      synchronized (this) {
        if (pending.isEmpty()) {
          return true;
        }
        batch = pending;
        pending = new ArrayList<>(Math.min(batch.size() * 2, maxMessages));
        pendingBytes = 0;
        if (delayTimer != null) {
          delayTimer.cancel(false);
          delayTimer = null;
        }
        batches++;
        largestBatch = Math.max(largestBatch, batch.size());
        switch (reason) {
          case IDLE -> sentIdle++;
          case FULL -> sentFull++;
          case MAX_DELAY -> sentMaxDelay++;
          default -> throw new AssertionError(reason);
        }
      }
      return sender.send(toBatch.apply(batch));
    }
  }
}
