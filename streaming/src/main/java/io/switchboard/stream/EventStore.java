package io.switchboard.stream;

import java.time.Instant;
import java.util.List;

/**
 * Where an {@link EventLog} keeps its events: the SPI for durable logs (a table, a file, a broker).
 * The default, {@link #inMemory(int)}, keeps the newest events up to a bound.
 *
 * <p>The log calls {@link #append} one at a time (under its lock) and the read methods from any
 * thread, concurrently with appends: an implementation must be thread-safe for that. A store may
 * evict old events at any time (retention); {@link #firstSequence()} says what is left.
 *
 * @param <E> the payload type
 */
public interface EventStore<E> {
  /**
   * Stores an event with the next sequence number: {@code lastSequence() + 1}.
   *
   * @return the stored event
   */
  Event<E> append(E payload, Instant timestamp);

  /**
   * Reads events in order from {@code fromSequence} (inclusive), at most {@code maxEvents}.
   *
   * @return the events; empty when {@code fromSequence > lastSequence()}; starting later than
   *     {@code fromSequence} only if earlier ones were evicted
   */
  List<Event<E>> read(long fromSequence, int maxEvents);

  /** Returns the sequence of the oldest retained event, or {@code lastSequence() + 1} if none. */
  long firstSequence();

  /** Returns the sequence of the newest event, 0 before the first append. */
  long lastSequence();

  /**
   * Returns the sequence of the first retained event appended at or after {@code time}, or {@code
   * lastSequence() + 1} if there is none. The default reads forward from the oldest event; stores
   * with an index should override it.
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
   * Returns a store that keeps the newest {@code maxEvents} events in memory and evicts older ones.
   *
   * @throws IllegalArgumentException if {@code maxEvents < 1}
   */
  static <E> EventStore<E> inMemory(int maxEvents) {
    return new InMemoryEventStore<>(maxEvents);
  }
}
