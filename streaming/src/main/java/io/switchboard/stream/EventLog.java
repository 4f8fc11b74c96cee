package io.switchboard.stream;

import io.switchboard.core.ExperimentalApi;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An append-only log of events with sequence numbers, which {@link CatchUpSubscription}s replay and
 * then follow live. Events are kept by an {@link EventStore}: by default in memory, the newest
 * {@code retention} events.
 *
 * <pre>{@code
 * EventLog<LogLine> log = EventLog.inMemory(100_000);
 * long seq = log.append(line).sequence();
 * }</pre>
 *
 * <p>Appends go through this log (one at a time, in sequence order, to the store and to every live
 * subscriber's bounded buffer); reads go to the store. The log knows its live subscribers only as
 * {@code LiveBuffer}s: it hands each appended event to them and unhooks one whose buffer
 * overflowed; a {@link CatchUpSubscription} uses the log, never the other way round. Thread-safe.
 *
 * @param <E> the payload type
 */
@ExperimentalApi("the log is being extended for stores shared by several processes")
public final class EventLog<E> {
  private final EventStore<E> store;
  private final ReentrantLock appendLock = new ReentrantLock();
  private final CopyOnWriteArrayList<LiveBuffer<E>> live = new CopyOnWriteArrayList<>();
  private Instant lastTimestamp = Instant.MIN;
  private long lastAppended; // guarded by appendLock

  private EventLog(EventStore<E> store) {
    this.store = store;
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
   * Returns a log over the given store (which must be used only through this log for appends).
   *
   * @throws NullPointerException if the store is null
   */
  public static <E> EventLog<E> over(EventStore<E> store) {
    return new EventLog<>(Objects.requireNonNull(store, "store"));
  }

  /**
   * Appends an event and hands it to every live subscriber. Timestamps never go backwards, even if
   * the wall clock does.
   *
   * @return the stored event, with its sequence number
   * @throws NullPointerException if the payload is null
   * @throws RuntimeException whatever the store throws; nothing is then delivered
   */
  public Event<E> append(E payload) {
    Objects.requireNonNull(payload, "payload");
    appendLock.lock();
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
      appendLock.unlock();
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

  /**
   * Registers a subscriber for live events if it has read everything stored up to {@code
   * nextSequence}; done under the append lock, so no event can slip between its last read and its
   * first live event.
   *
   * @param onLive runs under the lock just before it goes live (no live event can come first), or
   *     null
   * @return true if it is now live; false if more events must be read from the store first
   */
  boolean goLiveIfCaughtUp(LiveBuffer<E> subscriber, long nextSequence, Runnable onLive) {
    appendLock.lock();
    try {
      if (store.lastSequence() >= nextSequence) {
        return false;
      }
      if (onLive != null) {
        onLive.run();
      }
      live.add(subscriber);
      return true;
    } finally {
      appendLock.unlock();
    }
  }

  private void unhookAll() {
    for (LiveBuffer<E> subscriber : live) {
      live.remove(subscriber);
      subscriber.unhooked();
    }
  }

  /** Unhooks a live subscriber; nothing happens if it is not registered. */
  void removeLive(LiveBuffer<E> subscriber) {
    live.remove(subscriber);
  }
}
