package io.switchboard.stream;

import io.switchboard.core.ExperimentalApi;
import io.switchboard.core.internal.DaemonThreadFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only log of events with sequence numbers, which {@link CatchUpSubscription}s replay and
 * then follow live. Events are kept by an {@link EventStore}: by default in memory, the newest
 * {@code retention} events; or in a database or Kafka that the replicas of a service share.
 *
 * <pre>{@code
 * EventLog<LogLine> log = EventLog.inMemory(100_000);          // or EventLog.over(jdbcStore)
 * long seq = log.append(line).sequence();
 * }</pre>
 *
 * <p><b>A store of its own</b> (the in-memory ring, or any store whose {@link
 * EventStore#isShared()} is false): appends go through this log one at a time, in sequence order,
 * to the store and to every live subscriber's bounded buffer, under the log's lock; reads go to the
 * store.
 *
 * <p><b>A shared store</b> ({@link EventStore#isShared()}: other processes append to it too): live
 * events come from the store, not from this log's appends, so every replica's subscribers see every
 * replica's events in the store's one order. A daemon thread tails the store ({@link
 * EventStore#awaitAfter}, then a page read) while someone follows the log live, and hands each new
 * event to the live subscribers; this log's own appends reach them the same way (the store wakes
 * the tail at once for them). Appends then go straight to the store, concurrently (the store orders
 * them). If the tail fails to read, or finds the store went back (reset), it unhooks the live
 * subscribers, which read the store themselves and end their streams with what they find. {@link
 * #close()} stops the tail.
 *
 * <p>The log knows its live subscribers only as {@code LiveBuffer}s: it hands each event to them
 * and unhooks one whose buffer overflowed; a {@link CatchUpSubscription} uses the log, never the
 * other way round. Thread-safe.
 *
 * @param <E> the payload type
 */
@ExperimentalApi("the log is being extended for stores shared by several processes")
public final class EventLog<E> implements AutoCloseable {
  /** How long the tail waits in one {@link EventStore#awaitAfter} before looking again. */
  static final Duration TAIL_WAIT = Duration.ofSeconds(1);

  /** Events the tail reads per page: {@link CatchUpSubscription#DEFAULT_PAGE_SIZE}. */
  static final int TAIL_PAGE = CatchUpSubscription.DEFAULT_PAGE_SIZE;

  /** The tail's pause after a failed read, and after a page that came back empty. */
  static final Duration TAIL_RETRY = Duration.ofMillis(100);

  private static final Logger logger = LoggerFactory.getLogger(EventLog.class);

  private final EventStore<E> store;
  private final boolean tailing;
  // Local store: appends and going live. Shared store: the tail's hand-over and going live.
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition tailWork = lock.newCondition();
  private final CopyOnWriteArrayList<LiveBuffer<E>> live = new CopyOnWriteArrayList<>();
  private Instant lastTimestamp = Instant.MIN; // guarded by lock (local store)
  private long lastAppended; // guarded by lock (local store)
  private long tailNext; // guarded by lock: the next sequence the tail hands over
  private Thread tail; // guarded by lock
  private volatile boolean closed;

  private EventLog(EventStore<E> store) {
    this.store = store;
    this.tailing = store.isShared();
  }

  /**
   * Returns a log that keeps the newest {@code retention} events in memory.
   *
   * @throws IllegalArgumentException if {@code retention < 1}
   */
  public static <E> EventLog<E> inMemory(int retention) {
    return new EventLog<>(EventStore.inMemory(retention));
  }

  /**
   * Returns a log over the given store: this log is the only appender of a store that is not
   * shared; a shared one (see the class doc) is tailed for live events.
   *
   * @throws NullPointerException if the store is null
   */
  public static <E> EventLog<E> over(EventStore<E> store) {
    return new EventLog<>(Objects.requireNonNull(store, "store"));
  }

  /**
   * Appends an event and (store of its own) hands it to every live subscriber. Timestamps never go
   * backwards, even if the wall clock does (a shared store orders them itself, or says it does
   * not).
   *
   * @return the stored event, with its sequence number
   * @throws NullPointerException if the payload is null
   * @throws IllegalStateException if the log is closed
   * @throws RuntimeException whatever the store throws; nothing is then delivered
   */
  public Event<E> append(E payload) {
    Objects.requireNonNull(payload, "payload");
    if (closed) {
      throw new IllegalStateException("the event log is closed");
    }
    if (tailing) {
      return store.append(payload, Instant.now()); // The tail delivers it, in the store's order.
    }
    lock.lock();
    try {
      Instant now = Instant.now(); // the system clock, in UTC
      if (now.isBefore(lastTimestamp)) {
        now = lastTimestamp;
      }
      Event<E> event = store.append(payload, now);
      lastTimestamp = now;
      if (event.sequence() <= lastAppended) {
        unhookAll(); // The store went back (it was reset): subscribers must find out from it.
      }
      lastAppended = event.sequence();
      for (LiveBuffer<E> subscriber : live) {
        if (!subscriber.offer(event)) {
          live.remove(subscriber); // It fell behind: it catches up from the store instead.
        }
      }
      return event;
    } finally {
      lock.unlock();
    }
  }

  /** Returns the sequence of the oldest retained event ({@code lastSequence() + 1} if none). */
  public long firstSequence() {
    return store.firstSequence();
  }

  /** Returns the sequence of the newest event, 0 before the first. */
  public long lastSequence() {
    return store.lastSequence();
  }

  /** Returns the store. */
  public EventStore<E> store() {
    return store;
  }

  /** Returns the number of subscribers following the log live (not catching up). */
  public int liveSubscribers() {
    return live.size();
  }

  /** Returns true once {@link #close()} was called. */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Stops the log: appends fail from now on, the tail of a shared store stops (waiting up to 5 s
   * for its thread), and live subscribers are unhooked: their subscriptions end with {@code
   * UNAVAILABLE}, naming where to resume. The store stays open (it is the caller's). Idempotent.
   */
  @Override
  public void close() {
    Thread t;
    lock.lock();
    try {
      closed = true;
      unhookAll();
      tailWork.signalAll();
      t = tail;
    } finally {
      lock.unlock();
    }
    DaemonThreadFactory.stop(t, Duration.ofSeconds(5));
  }

  /**
   * Registers a subscriber for live events if it has read everything stored up to {@code
   * nextSequence}; done under the lock, so no event can slip between its last read and its first
   * live event.
   *
   * @param onLive runs under the lock just before it goes live (no live event can come first), or
   *     null
   * @return true if it is now live; false if more events must be read from the store first, or the
   *     log is closed
   */
  boolean goLiveIfCaughtUp(LiveBuffer<E> subscriber, long nextSequence, Runnable onLive) {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      if (tailing) {
        // The tail hands over every event from tailNext on. Without live subscribers nobody
        // needs it where it is: it starts where this one needs it.
        if (live.isEmpty()) {
          tailNext = nextSequence;
        } else if (nextSequence < tailNext) {
          return false; // The tail has handed over events this one has not read yet.
        }
        startTailLocked();
      } else if (store.lastSequence() >= nextSequence) {
        return false;
      }
      if (onLive != null) {
        onLive.run();
      }
      live.add(subscriber);
      tailWork.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Unhooks a live subscriber; nothing happens if it is not registered. */
  void removeLive(LiveBuffer<E> subscriber) {
    live.remove(subscriber);
  }

  /** Unhooks every live subscriber and wakes it to look at the store (under the lock). */
  private void unhookAll() {
    for (LiveBuffer<E> subscriber : live) {
      live.remove(subscriber);
      subscriber.unhooked();
    }
  }

  // ---- the tail of a shared store ----

  private void startTailLocked() {
    if (tail == null) {
      tail = new DaemonThreadFactory("switchboard-event-log-tail").newThread(this::tailLoop);
      tail.start();
    }
  }

  private void tailLoop() {
    while (!closed) {
      try {
        long next = awaitTailWork();
        if (next < 0) {
          return;
        }
        long newest = store.awaitAfter(next - 1, TAIL_WAIT);
        if (newest < next - 1) {
          long last = store.lastSequence(); // What it knew may lag: ask the store itself.
          if (last < next - 1) {
            wentBack(last);
          }
        } else if (newest >= next && !handOver(store.read(next, TAIL_PAGE))) {
          pause(TAIL_RETRY); // Counted but not readable yet: look again shortly.
        }
      } catch (InterruptedException e) {
        return; // Closing.
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        logger.warn(
            "event log over {}: tailing the store failed ({}); live subscribers read the store"
                + " themselves, the tail looks again in {} ms",
            store,
            e.toString(),
            TAIL_RETRY.toMillis());
        lock.lock();
        try {
          unhookAll();
        } finally {
          lock.unlock();
        }
        try {
          pause(TAIL_RETRY);
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  /** Waits until someone follows the log live; returns where to read, or -1 once closed. */
  private long awaitTailWork() throws InterruptedException {
    lock.lock();
    try {
      while (live.isEmpty() && !closed) {
        tailWork.await();
      }
      return closed ? -1 : tailNext;
    } finally {
      lock.unlock();
    }
  }

  /** Hands a page over to the live subscribers; false if it was empty. */
  private boolean handOver(List<Event<E>> page) {
    if (page.isEmpty()) {
      return false;
    }
    lock.lock();
    try {
      for (Event<E> event : page) {
        if (event.sequence() < tailNext) {
          continue; // Before where a subscriber that went live meanwhile needs it.
        }
        // A sequence after tailNext (events evicted meanwhile) reaches subscribers as a gap:
        // they go back to the store, which tells them what is left.
        tailNext = event.sequence() + 1;
        for (LiveBuffer<E> subscriber : live) {
          if (!subscriber.offer(event)) {
            live.remove(subscriber);
          }
        }
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** The store's newest sequence is below what was handed over: it was reset. */
  private void wentBack(long newest) {
    lock.lock();
    try {
      unhookAll();
      tailNext = newest + 1;
    } finally {
      lock.unlock();
    }
  }

  private void pause(Duration d) throws InterruptedException {
    lock.lock();
    try {
      if (!closed) {
        tailWork.await(d.toNanos(), TimeUnit.NANOSECONDS);
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "EventLog{" + store + (tailing ? ", tailing" : "") + "}";
  }
}
