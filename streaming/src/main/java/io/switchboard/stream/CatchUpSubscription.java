package io.switchboard.stream;

import io.grpc.Status;
import io.switchboard.core.ExperimentalApi;
import io.switchboard.core.internal.Checks;
import io.switchboard.core.metrics.BoundCounter;
import io.switchboard.core.metrics.BoundUpDownCounter;
import io.switchboard.core.metrics.MetricSink;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.Predicate;

/**
 * Replays an {@link EventLog} from a sequence number (or a time) to a gRPC stream, then follows it
 * live, with no gap and no duplicate even while events are appended concurrently, at the pace the
 * stream can take.
 *
 * <pre>{@code
 * FlowControlledSender<LogLine> sender = FlowControlledSender.create(responses, settings);
 * CatchUpSubscription<LogLine> subscription =
 *     CatchUpSubscription.newBuilder(log, sender, event -> event.payload().withSequence(event.sequence()))
 *         .fromSequence(request.fromSequence())
 *         .filter(line -> line.level() >= request.minLevel())
 *         .checkpoints(1_000, seq -> LogLine.checkpoint(seq))
 *         .start();
 * }</pre>
 *
 * <p><b>How.</b> The subscription reads history from the store a page at a time, and only while the
 * sender {@linkplain FlowControlledSender#isWritable() can write at once}: a slow reader slows the
 * replay instead of filling memory. When it has read everything stored, it registers for live
 * events under the log's lock (so no event can fall between its last read and its first live event)
 * and takes new events from a bounded live buffer: the log's own appends, or, over a {@linkplain
 * EventStore#isShared() shared store}, every process's appends as the log's tail reads them from
 * the store. Every event is checked against the next expected sequence: one already seen is
 * skipped, one after a gap sends the subscription back to the store. When a slow subscriber's live
 * buffer overflows, the log unhooks it and it catches up from the store again instead of losing
 * events; only when the events it needs were evicted meanwhile does the stream end, with {@code
 * OUT_OF_RANGE}.
 *
 * <p><b>Where it may start (resume semantics).</b> The subscription checks its start against the
 * store before it sends anything:
 *
 * <ul>
 *   <li>older than the oldest retained event: {@code OUT_OF_RANGE}, naming the earliest available
 *       sequence (and the newest);
 *   <li>beyond the end, after {@code lastSequence() + 1}: {@code OUT_OF_RANGE}, naming the newest
 *       sequence. Such a position comes from another log, or from before the log was reset: waiting
 *       for it would skip every event up to it without a word, so the client is told instead and
 *       decides (Kafka's {@code OffsetOutOfRange} and KurrentDB's position checks do the same). The
 *       start {@code lastSequence() + 1} itself is fine: the next event to come;
 *   <li>from another epoch ({@link Builder#expectEpoch}, when the store {@linkplain
 *       EventStore#epoch() can tell}): {@code DATA_LOSS}, naming both epochs: the log was reset and
 *       its sequences mean something else now.
 * </ul>
 *
 * <p>While it runs, a log whose newest sequence goes below what the subscription already handled
 * (the log was reset under it) ends the stream with {@code DATA_LOSS} too; after the start, evicted
 * events it still needs end it with {@code OUT_OF_RANGE} as above. {@link #close()} stops the
 * subscription (the stream stays open, for the caller to end); a cancelled stream stops it too.
 *
 * <p><b>Signals.</b> A {@link SubscriptionSignal} marks each change between replaying and following
 * live: {@code CAUGHT_UP} when everything stored was handled, {@code FELL_BEHIND} when the live
 * buffer overflowed and the subscription reads the store again. The server code hears of them
 * through {@link Builder#listener}, the client through an optional marker message in the stream
 * ({@link Builder#signals}), and metrics count them ({@code switchboard.stream.catchup.caught_up},
 * {@code ...fell_behind}).
 *
 * <p><b>Filtering.</b> Events the filter leaves out are not sent; with {@linkplain
 * Builder#checkpoints checkpoints} a checkpoint message goes out after every {@code n} events
 * skipped in a row (since the last event or checkpoint sent), carrying the sequence of the last
 * one, so a client can resume after it without replaying what it filtered out.
 *
 * <p><b>Threads.</b> Reading and sending run on the executor ({@link ForkJoinPool#commonPool()} by
 * default; give a store that blocks an executor of its own), one task per subscription at a time.
 * The mapping, filter and checkpoint functions run there too; an exception from any of them ends
 * the stream (after what was already sent) through {@link FlowControlledSender#fail}, as an {@link
 * IllegalStateException} naming the sequence with the exception as its cause: on a server bound
 * with core's {@code ServiceBinder}, its {@code ErrorMapper} turns that into {@code INTERNAL} and
 * the binder logs it.
 *
 * <p>There is no {@code toBuilder()}: a subscription is a running thing bound to one sender (it
 * takes the sender's writable handler), not a settings object; start a new one for another stream.
 *
 * @param <E> the event payload type
 */
@ExperimentalApi("the log is being extended for stores shared by several processes")
public final class CatchUpSubscription<E> implements AutoCloseable {
  /**
   * Default live buffer: 1,024 events, the sender's default buffer: a subscriber further behind
   * than that reads from the store, which holds the events anyway.
   */
  public static final int DEFAULT_LIVE_BUFFER = 1024;

  /** Default history page: 256 events per store read, few reads without holding much memory. */
  public static final int DEFAULT_PAGE_SIZE = 256;

  private final EventLog<E> log;
  private final Sink<E, ?> sink;
  private final Predicate<? super E> filter;
  private final long checkpointEvery;
  private final int pageSize;
  private final Executor executor;
  private final LiveBuffer<E> liveHandle;
  private final boolean pushLive;
  private final Consumer<? super SubscriptionSignal> listener;
  private final String expectedEpoch;
  private final BoundCounter replayedCounter;
  private final BoundCounter caughtUpCounter;
  private final BoundCounter fellBehindCounter;
  private final BoundUpDownCounter lagCounter;
  private long reportedLag; // guarded by this
  private final AtomicInteger wip = new AtomicInteger();

  // Confined to the pump (one at a time, ordered by wip), or, once pushing live, to appenders
  // (one at a time, under the log's append lock, which the switch to live happens under).
  // nextSequence and live are volatile only so that stats() may read them from other threads.
  private volatile long nextSequence;
  private ArrayDeque<Event<E>> page = new ArrayDeque<>();
  private volatile boolean live;
  private long skippedSinceCheckpoint;
  private boolean startChecked;
  private volatile String epoch = "";

  // Read by stats() from other threads.
  private volatile long delivered;
  private volatile long skipped;
  private volatile long checkpoints;
  private volatile long replayed;
  private volatile long fallbacks;
  private volatile boolean closed;

  private CatchUpSubscription(Builder<E, ?> b, Sink<E, ?> sink, long start) {
    this.log = b.log;
    this.sink = sink;
    this.filter = b.filter;
    this.checkpointEvery = b.checkpointEvery;
    this.pageSize = b.pageSize;
    this.executor = b.executor;
    this.pushLive = b.pushLive;
    this.listener = b.listener;
    this.expectedEpoch = b.expectedEpoch;
    this.replayedCounter = b.metrics.counter(StreamMetrics.REPLAYED);
    this.caughtUpCounter = b.metrics.counter(StreamMetrics.CAUGHT_UP);
    this.fellBehindCounter = b.metrics.counter(StreamMetrics.FELL_BEHIND);
    this.lagCounter = b.metrics.upDownCounter(StreamMetrics.LAG);
    this.liveHandle =
        b.pushLive
            ? LiveBuffer.pushing(this::push, this::schedule)
            : LiveBuffer.buffered(b.liveBuffer, this::schedule);
    this.nextSequence = start;
  }

  /**
   * Starts building a subscription that sends to {@code sender}, turning each event into a message
   * with {@code toMessage}.
   *
   * @throws NullPointerException if an argument is null
   */
  public static <E, T> Builder<E, T> newBuilder(
      EventLog<E> log,
      FlowControlledSender<T> sender,
      Function<? super Event<E>, ? extends T> toMessage) {
    return new Builder<>(log, sender, toMessage);
  }

  /** Stops the subscription; the stream stays open. Idempotent. */
  @Override
  public void close() {
    closed = true;
    reportLag(0);
    log.removeLive(liveHandle);
    liveHandle.clear();
  }

  /** Returns true once closed, by {@link #close()}, an error, or the stream ending. */
  public boolean isClosed() {
    return closed;
  }

  /** Returns a snapshot of the subscription's progress. */
  public SubscriptionStats stats() {
    return new SubscriptionStats(
        nextSequence, delivered, skipped, checkpoints, replayed, fallbacks, live);
  }

  private void schedule() {
    if (wip.getAndIncrement() == 0) {
      try {
        executor.execute(this::pump);
      } catch (RuntimeException rejected) {
        wip.set(0);
        end(Status.UNAVAILABLE.withDescription("subscription executor rejected the task"));
      }
    }
  }

  private void pump() {
    int missed = 1;
    for (; ; ) {
      try {
        pumpOnce();
      } catch (RuntimeException e) {
        endWith(e, nextSequence);
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  private void pumpOnce() {
    if (closed) {
      return;
    }
    if (sink.sender.isDone()) {
      close();
      return;
    }
    while (!closed && !(live && pushLive && !liveHandle.overflowed())) {
      if (!sink.flushPending()) {
        return; // The stream cannot take more now; the writable handler brings us back.
      }
      Event<E> event = next();
      if (event == null) {
        if (sink.hasPending()) {
          continue; // A signal waits to be sent first: flushPending above decides.
        }
        return;
      }
      deliver(event, false);
    }
  }

  /**
   * Sends (or skips) one event in sequence order: pulled events are written only when the stream
   * can take them at once (else kept pending), pushed ones go through the sender's strategy.
   * Returns false after a gap (it fell back to the store).
   */
  private boolean deliver(Event<E> event, boolean push) {
    if (event.sequence() < nextSequence) {
      return true; // Seen already (a live event that was also read from the store).
    }
    if (event.sequence() > nextSequence) {
      fallBack(push); // A gap (events evicted meanwhile, or a tail that skipped): ask the store.
      return false;
    }
    nextSequence = event.sequence() + 1;
    if (filter.test(event.payload())) {
      sink.event(event, push);
      skippedSinceCheckpoint = 0; // A delivered event tells the client where it is.
      delivered++;
      if (!live) {
        replayed++;
        replayedCounter.increment();
      }
    } else {
      skipped++;
      if (checkpointEvery > 0 && ++skippedSinceCheckpoint >= checkpointEvery) {
        skippedSinceCheckpoint = 0;
        sink.checkpoint(event.sequence(), push);
        checkpoints++;
      }
    }
    return true;
  }

  /** Live push: runs on the appending thread, under the log's append lock. */
  private void push(Event<E> event) {
    if (closed || !live) {
      return;
    }
    try {
      if (!deliver(event, true)) {
        schedule(); // Fell back after a gap: the pump reads the store again.
      }
    } catch (RuntimeException e) {
      endWith(e, event.sequence());
    }
  }

  /**
   * Returns the next event to look at, or null if none is available now (or a signal is pending: it
   * must go out before the next event).
   */
  private Event<E> next() {
    if (!startChecked) {
      if (!checkStart()) {
        return null;
      }
      startChecked = true;
    }
    if (live) {
      if (!liveHandle.overflowed()) {
        return liveHandle.poll();
      }
      if (log.isClosed()) {
        live = false; // Unhooked by close(): the loop below ends the stream.
      } else {
        fallBack(false);
        if (sink.hasPending()) {
          return null;
        }
      }
    }
    for (; ; ) {
      if (!page.isEmpty()) {
        return page.pollFirst();
      }
      if (log.isClosed()) {
        end(
            Status.UNAVAILABLE.withDescription(
                "the event log is closed (its server is stopping): resubscribe from "
                    + nextSequence
                    + ", on another replica or here later"));
        return null;
      }
      long first = log.firstSequence();
      if (nextSequence < first) {
        end(
            Status.OUT_OF_RANGE.withDescription(
                "sequence "
                    + nextSequence
                    + " is no longer retained; the earliest available is "
                    + first
                    + " (the newest is "
                    + log.lastSequence()
                    + "); resubscribe from "
                    + first
                    + " or later"));
        return null;
      }
      List<Event<E>> read = log.store().read(nextSequence, pageSize);
      if (!read.isEmpty()) {
        page = new ArrayDeque<>(read);
        reportLag(log.lastSequence() - nextSequence + 1);
        continue;
      }
      long last = log.lastSequence();
      if (last < nextSequence - 1) {
        endReset(last);
        return null;
      }
      liveHandle.reset();
      live = true; // Before registering: a push may come as soon as it is registered.
      // Pushed: the marker goes out under the log's lock, before any live event can be pushed.
      Runnable onLive = pushLive ? () -> signal(SubscriptionSignal.Kind.CAUGHT_UP, true) : null;
      if (log.goLiveIfCaughtUp(liveHandle, nextSequence, onLive)) {
        reportLag(0);
        if (pushLive) {
          return null;
        }
        signal(SubscriptionSignal.Kind.CAUGHT_UP, false);
        return sink.hasPending() ? null : liveHandle.poll();
      }
      live = false;
    }
  }

  /** Checks the start against the store (see the class doc); false if it ended the stream. */
  private boolean checkStart() {
    String current = log.store().epoch();
    epoch = current;
    if (expectedEpoch != null
        && !expectedEpoch.isEmpty()
        && !current.isEmpty()
        && !expectedEpoch.equals(current)) {
      end(
          Status.DATA_LOSS.withDescription(
              "the log was reset: sequence "
                  + nextSequence
                  + " is of epoch "
                  + expectedEpoch
                  + ", the log is at epoch "
                  + current
                  + " now, whose sequences mean other events; resubscribe from its earliest, "
                  + log.firstSequence()
                  + " (the newest is "
                  + log.lastSequence()
                  + ")"));
      return false;
    }
    long last = log.lastSequence();
    if (nextSequence > last + 1) {
      end(
          Status.OUT_OF_RANGE.withDescription(
              "sequence "
                  + nextSequence
                  + " is beyond the end of the log: the newest is "
                  + last
                  + " (a position from another log, or from before the log was reset?);"
                  + " resubscribe from "
                  + (last + 1)
                  + " or earlier"));
      return false;
    }
    return true;
  }

  /** The log's newest sequence went below what was handled: it was reset under us. */
  private void endReset(long last) {
    String now = log.store().epoch();
    end(
        Status.DATA_LOSS.withDescription(
            "the log went back: its newest sequence is "
                + last
                + ", below the "
                + (nextSequence - 1)
                + " this subscription already handled"
                + (now.equals(epoch) ? "" : "; it was reset (epoch " + epoch + ", now " + now + ")")
                + "; resubscribe from "
                + log.firstSequence()));
  }

  /**
   * Tells the listener, the client (if asked) and the metrics; pushed when live events are pushed
   * (on the appending thread, under the log's lock), else pulled like the events.
   */
  private void signal(SubscriptionSignal.Kind kind, boolean push) {
    SubscriptionSignal s = new SubscriptionSignal(kind, nextSequence - 1, epoch);
    (kind == SubscriptionSignal.Kind.CAUGHT_UP ? caughtUpCounter : fellBehindCounter).increment();
    if (listener != null) {
      listener.accept(s);
    }
    sink.signal(s, push);
  }

  /** Moves this subscription's share of the summed lag to {@code lag} (0 once closed). */
  private synchronized void reportLag(long lag) {
    long now = closed ? 0 : Math.max(0, lag);
    lagCounter.add(now - reportedLag);
    reportedLag = now;
  }

  private void fallBack(boolean push) {
    log.removeLive(liveHandle);
    liveHandle.clear();
    live = false;
    fallbacks++;
    page.clear();
    signal(SubscriptionSignal.Kind.FELL_BEHIND, push);
  }

  private void end(Status status) {
    fail(status.asRuntimeException());
  }

  /**
   * Ends the stream with the exception itself (with the sequence as context), not a status made
   * here: on a server bound with core's {@code ServiceBinder} its {@code ErrorMapper} maps it and
   * the binder logs it, once.
   */
  private void endWith(RuntimeException e, long sequence) {
    fail(new IllegalStateException("catch-up failed at sequence " + sequence, e));
  }

  private void fail(Throwable error) {
    close();
    try {
      sink.sender.fail(error);
    } catch (IllegalStateException alreadyEnded) {
      // The caller ended the stream first.
    }
  }

  /** Turns events and checkpoints into messages for the sender. */
  private static final class Sink<E, T> {
    final FlowControlledSender<T> sender;
    final Function<? super Event<E>, ? extends T> toMessage;
    final LongFunction<? extends T> toCheckpoint;
    final Function<? super SubscriptionSignal, ? extends T> toSignal;
    private T pending; // a pulled message the stream could not take yet (pump-confined)

    Sink(
        FlowControlledSender<T> sender,
        Function<? super Event<E>, ? extends T> toMessage,
        LongFunction<? extends T> toCheckpoint,
        Function<? super SubscriptionSignal, ? extends T> toSignal) {
      this.sender = sender;
      this.toMessage = toMessage;
      this.toCheckpoint = toCheckpoint;
      this.toSignal = toSignal;
    }

    void event(Event<E> event, boolean push) {
      emit(Objects.requireNonNull(toMessage.apply(event), "toMessage returned null"), push);
    }

    void checkpoint(long sequence, boolean push) {
      emit(
          Objects.requireNonNull(toCheckpoint.apply(sequence), "toCheckpoint returned null"), push);
    }

    void signal(SubscriptionSignal signal, boolean push) {
      if (toSignal != null) {
        emit(Objects.requireNonNull(toSignal.apply(signal), "signals returned null"), push);
      }
    }

    private void emit(T message, boolean push) {
      if (push) {
        sender.send(message);
      } else if (!sender.trySendNow(message)) {
        pending = message;
      }
    }

    /** Writes the pending message if the stream can take it; true when nothing is pending. */
    boolean flushPending() {
      if (pending != null && sender.trySendNow(pending)) {
        pending = null;
      }
      return pending == null;
    }

    boolean hasPending() {
      return pending != null;
    }
  }

  /**
   * Builds and starts a {@link CatchUpSubscription}. Each setter checks its argument at once.
   *
   * @param <E> the event payload type
   * @param <T> the message type of the stream
   */
  public static final class Builder<E, T> {
    private final EventLog<E> log;
    private final FlowControlledSender<T> sender;
    private final Function<? super Event<E>, ? extends T> toMessage;
    private Long fromSequence;
    private Instant fromTime;
    private Predicate<? super E> filter = e -> true;
    private long checkpointEvery;
    private LongFunction<? extends T> toCheckpoint;
    private int liveBuffer = DEFAULT_LIVE_BUFFER;
    private int pageSize = DEFAULT_PAGE_SIZE;
    private Executor executor = ForkJoinPool.commonPool();
    private MetricSink metrics = MetricSink.noop();
    private boolean pushLive;
    private Consumer<? super SubscriptionSignal> listener;
    private Function<? super SubscriptionSignal, ? extends T> toSignal;
    private String expectedEpoch;

    private Builder(
        EventLog<E> log,
        FlowControlledSender<T> sender,
        Function<? super Event<E>, ? extends T> toMessage) {
      this.log = Objects.requireNonNull(log, "log");
      this.sender = Objects.requireNonNull(sender, "sender");
      this.toMessage = Objects.requireNonNull(toMessage, "toMessage");
    }

    /**
     * Starts with the event of this sequence (inclusive). Without a start, the subscription begins
     * after the newest event at {@link #start()}: live only.
     *
     * @throws IllegalArgumentException if {@code sequence < 1}
     */
    public Builder<E, T> fromSequence(long sequence) {
      this.fromSequence = Checks.positive("fromSequence", sequence);
      this.fromTime = null;
      return this;
    }

    /**
     * Starts with the first event appended at or after {@code time}.
     *
     * @throws NullPointerException if the time is null
     */
    public Builder<E, T> fromTime(Instant time) {
      this.fromTime = Objects.requireNonNull(time, "fromTime");
      this.fromSequence = null;
      return this;
    }

    /**
     * Sends only events whose payload passes the filter.
     *
     * @throws NullPointerException if the filter is null
     */
    public Builder<E, T> filter(Predicate<? super E> filter) {
      this.filter = Objects.requireNonNull(filter, "filter");
      return this;
    }

    /**
     * Sends a checkpoint message after every {@code everySkipped} events the filter left out, made
     * by {@code toCheckpoint} from the sequence of the last one skipped.
     *
     * @throws IllegalArgumentException if {@code everySkipped < 1}
     * @throws NullPointerException if the function is null
     */
    public Builder<E, T> checkpoints(long everySkipped, LongFunction<? extends T> toCheckpoint) {
      this.checkpointEvery = Checks.positive("everySkipped", everySkipped);
      this.toCheckpoint = Objects.requireNonNull(toCheckpoint, "toCheckpoint");
      return this;
    }

    /**
     * Sets how many live events may wait for a subscriber before it falls back to the store.
     *
     * @throws IllegalArgumentException if {@code events < 1}
     */
    public Builder<E, T> liveBuffer(int events) {
      this.liveBuffer = Checks.positive("liveBuffer", events);
      return this;
    }

    /**
     * Sets how many events one store read returns at most.
     *
     * @throws IllegalArgumentException if {@code events < 1}
     */
    public Builder<E, T> pageSize(int events) {
      this.pageSize = Checks.positive("pageSize", events);
      return this;
    }

    /**
     * Once caught up, hands each new event to the sender on the appending thread (under the log's
     * append lock) instead of waiting until the sender can write: the sender's {@link
     * OverflowStrategy} then decides what a slow subscriber loses ({@code DROP_OLDEST}, {@code
     * DROP_LOWEST_PRIORITY}: drops counted by the sender) or whether appends wait for it ({@code
     * BLOCK}: every append waits up to the block timeout; over a {@linkplain EventStore#isShared()
     * shared store} the log's tail waits instead, and with it live delivery to every subscriber of
     * the log in this process). The replay of history stays lossless either way. By default live
     * events wait in the bounded live buffer and a subscriber that falls behind catches up from the
     * store, losing nothing.
     */
    public Builder<E, T> pushLive() {
      this.pushLive = true;
      return this;
    }

    /**
     * Tells {@code listener} of each {@link SubscriptionSignal}: caught up with live, fell behind.
     * It runs on the subscription's executor, or with {@link #pushLive()} for {@code CAUGHT_UP} on
     * the thread that registers it under the log's lock (keep it quick: appends wait for it). An
     * exception from it ends the stream like one from the mapping function.
     *
     * @throws NullPointerException if the listener is null
     */
    public Builder<E, T> listener(Consumer<? super SubscriptionSignal> listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Also sends each {@link SubscriptionSignal} to the client, as the marker message {@code
     * toMessage} makes of it, in order with the events: after {@code CAUGHT_UP} come live events,
     * after {@code FELL_BEHIND} events replayed from the store. By default no marker is sent.
     *
     * @throws NullPointerException if the function is null
     */
    public Builder<E, T> signals(Function<? super SubscriptionSignal, ? extends T> toMessage) {
      this.toSignal = Objects.requireNonNull(toMessage, "signals");
      return this;
    }

    /**
     * Expects the log to be at {@code epoch} (the one a client got with its position, from a {@link
     * SubscriptionSignal}): if the store says another, the stream ends with {@code DATA_LOSS}
     * before anything is sent. {@code ""} (a store that cannot tell) checks nothing.
     *
     * @throws NullPointerException if the epoch is null
     */
    public Builder<E, T> expectEpoch(String epoch) {
      this.expectedEpoch = Objects.requireNonNull(epoch, "expectEpoch");
      return this;
    }

    /**
     * Reports the events replayed from the store ({@code switchboard.stream.catchup.replayed}), how
     * far behind live the replay is ({@code switchboard.stream.catchup.lag}) and the signals
     * ({@code switchboard.stream.catchup.caught_up}, {@code ...fell_behind}) to {@code metrics}
     * (the README's metrics table); nothing is recorded by default.
     *
     * @throws NullPointerException if {@code metrics} is null
     */
    public Builder<E, T> metrics(MetricSink metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /**
     * Sets where the subscription reads and sends.
     *
     * @throws NullPointerException if the executor is null
     */
    public Builder<E, T> executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Starts the subscription: it takes the sender's {@linkplain
     * FlowControlledSender#setOnWritableHandler writable handler} and begins replaying.
     *
     * @return the running subscription
     */
    public CatchUpSubscription<E> start() {
      long start;
      if (fromSequence != null) {
        start = fromSequence;
      } else if (fromTime != null) {
        start = log.store().sequenceAt(fromTime);
      } else {
        start = log.lastSequence() + 1;
      }
      Sink<E, T> sink = new Sink<>(sender, toMessage, toCheckpoint, toSignal);
      CatchUpSubscription<E> subscription = new CatchUpSubscription<>(this, sink, start);
      sender.setOnWritableHandler(subscription::schedule);
      sender.whenDone().thenRun(subscription::close);
      subscription.schedule();
      return subscription;
    }
  }
}
