package io.switchboard.stream;

import io.switchboard.core.ExperimentalApi;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where an {@link EventLog} keeps its events: the SPI for durable logs (a table, a file, a broker).
 * The default, {@link #inMemory(int)}, keeps the newest events up to a bound.
 *
 * <h2>The contract an implementation keeps</h2>
 *
 * <ul>
 *   <li><b>Sequence numbers</b> start at 1 and go up by exactly one per event: the store gives the
 *       event it appends the sequence {@code lastSequence() + 1}, with no holes and no reuse, ever
 *       (not after eviction, not after a restart of a durable store).
 *   <li><b>Appends</b> come from the log only ({@link EventLog#append}): one at a time under the
 *       log's lock, with timestamps that never go backwards, for a store that is not {@linkplain
 *       #isShared() shared}; concurrently for a shared one, which orders appends of all its
 *       processes itself. The store keeps the payload and the timestamp it is given (a shared store
 *       may take the newest time instead, to keep times in order) and returns the stored {@link
 *       Event}. If {@code append} throws, the event must not be stored (the log then delivers it to
 *       nobody and the caller of {@code EventLog.append} sees the exception).
 *   <li><b>Shared stores</b> ({@link #isShared()}) are appended to by other processes too: the log
 *       then learns of new events from {@link #awaitAfter}, and reads them, instead of delivering
 *       its own appends.
 *   <li><b>Reads</b> ({@link #read}, {@link #firstSequence}, {@link #lastSequence}, {@link
 *       #sequenceAt}) come from any thread, concurrently with an append: an implementation must be
 *       thread-safe for that, and a read sees each event either entirely or not at all. Events,
 *       once returned, are never changed.
 *   <li><b>Retention</b>: a store may evict its oldest events at any time; {@link #firstSequence()}
 *       says what is left. A subscription that needs an evicted event ends its stream with {@code
 *       OUT_OF_RANGE}, naming {@code firstSequence()}.
 *   <li><b>Failures</b>: an exception from a read method ends the stream of the subscription that
 *       called it (as the cause of an {@link IllegalStateException} naming the sequence; a server
 *       bound with core's {@code ServiceBinder} answers {@code INTERNAL}); the log and other
 *       subscriptions go on. Reads run on the subscription's executor ({@link
 *       CatchUpSubscription.Builder#executor}): a store that blocks on I/O should be given an
 *       executor of its own there, not the common pool.
 * </ul>
 *
 * <p>A subscription reads a page with {@link #read}, sends it, and reads the next; when a read
 * returns nothing it registers for live events under the log's append lock. So a store that hides
 * events it has already counted in {@link #lastSequence()} makes subscribers read again, and one
 * that returns fewer events than asked for is fine.
 *
 * @param <E> the payload type
 */
@ExperimentalApi("the SPI may grow for stores shared by several processes")
public interface EventStore<E> {
  /**
   * Stores an event with the next sequence number, {@code lastSequence() + 1}. Called by the log
   * only, one call at a time.
   *
   * @param payload the event, never null
   * @param timestamp when it was appended, never null and never before the previous event's
   * @return the stored event
   * @throws RuntimeException if it cannot be stored; nothing is then stored
   */
  Event<E> append(E payload, Instant timestamp);

  /**
   * Reads events in sequence order from {@code fromSequence} (inclusive), at most {@code
   * maxEvents}, each sequence once and without holes.
   *
   * @param fromSequence the first sequence wanted, {@code >= 1}
   * @param maxEvents the most events to return, {@code >= 1}
   * @return the events, possibly fewer than asked for; empty only when {@code fromSequence >
   *     lastSequence()}; starting later than {@code fromSequence} only if earlier ones were evicted
   * @throws RuntimeException if the store cannot be read; the reading subscription ends
   */
  List<Event<E>> read(long fromSequence, int maxEvents);

  /**
   * Returns the sequence of the oldest retained event, or {@code lastSequence() + 1} if none is
   * retained.
   *
   * @throws RuntimeException if the store cannot be read
   */
  long firstSequence();

  /**
   * Returns the sequence of the newest event, 0 before the first append.
   *
   * @throws RuntimeException if the store cannot be read
   */
  long lastSequence();

  /**
   * Returns the sequence of the first retained event appended at or after {@code time}, or {@code
   * lastSequence() + 1} if there is none. The default reads forward from the oldest event, a page
   * of 256 at a time; stores with an index on time should override it.
   *
   * @throws RuntimeException if the store cannot be read
   */
  default long sequenceAt(Instant time) {
    long from = firstSequence();
    for (; ; ) {
      List<Event<E>> page = read(from, 256);
      if (page.isEmpty()) {
        return lastSequence() + 1;
      }
      for (Event<E> e : page) {
        if (!e.timestamp().isBefore(time)) {
          return e.sequence();
        }
      }
      from = page.get(page.size() - 1).sequence() + 1;
    }
  }

  /**
   * Returns true if other processes (or other store instances) may append to the same log, so that
   * an {@link EventLog} must follow the store to see every event live; false (the default) if the
   * log over this store is its only appender, which then delivers its appends itself.
   */
  default boolean isShared() {
    return false;
  }

  /**
   * Waits until an event after {@code sequence} is stored, by any process, or the timeout passes;
   * the tail of an {@link EventLog} over a {@linkplain #isShared() shared} store calls it. The
   * default looks up {@link #lastSequence()} every 10 ms; a store that can be told (a notification,
   * a long poll) should override it.
   *
   * @param sequence the newest sequence the caller has, 0 for none
   * @param timeout how long to wait at most
   * @return the newest sequence known to be stored: more than {@code sequence} unless the wait
   *     timed out (or the log went back, when it was reset)
   * @throws InterruptedException if interrupted while waiting
   * @throws RuntimeException if the store cannot be read
   */
  default long awaitAfter(long sequence, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (; ; ) {
      long last = lastSequence();
      if (last != sequence || System.nanoTime() - deadline >= 0) {
        return last;
      }
      TimeUnit.MILLISECONDS.sleep(10); // a poll interval, for stores that cannot notify
    }
  }

  /**
   * Returns the log's epoch: an id that changes when the log is reset (deleted and started again
   * from sequence 1, or a new in-memory log after a restart), so that a sequence kept from an older
   * epoch can be told apart from one of this epoch. A subscription that expects another epoch ends
   * with {@code DATA_LOSS} ({@link CatchUpSubscription.Builder#expectEpoch}).
   *
   * <p>The default, {@code ""}, means the store cannot tell; a log whose newest sequence goes down
   * under a subscription still ends it with {@code DATA_LOSS}.
   *
   * @throws RuntimeException if the store cannot be read
   */
  default String epoch() {
    return "";
  }

  /**
   * Returns a store that keeps the newest {@code maxEvents} events in memory and evicts older ones.
   *
   * @throws IllegalArgumentException if {@code maxEvents < 1}
   */
  static <E> EventStore<E> inMemory(int maxEvents) {
    return new InMemoryEventStore<>(maxEvents);
  }
}
