package io.switchboard.stream;

import io.switchboard.core.internal.Checks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** A bounded ring of the newest events. Its epoch is new for every ring: a restart is a reset. */
final class InMemoryEventStore<E> implements EventStore<E> {
  private final String epoch = UUID.randomUUID().toString();
  private final Event<?>[] ring;
  private long last; // sequence of the newest event, 0 when empty
  private int size;

  InMemoryEventStore(int maxEvents) {
    this.ring = new Event<?>[Checks.positive("maxEvents", maxEvents)];
  }

  @Override
  public synchronized Event<E> append(E payload, Instant timestamp) {
    Event<E> event = new Event<>(last + 1, timestamp, payload);
    ring[(int) (event.sequence() % ring.length)] = event;
    last = event.sequence();
    if (size < ring.length) {
      size++;
    }
    return event;
  }

  @Override
  @SuppressWarnings("unchecked")
  public synchronized List<Event<E>> read(long fromSequence, int maxEvents) {
    long from = Math.max(fromSequence, firstSequence());
    if (from > last || maxEvents <= 0) {
      return List.of();
    }
    int n = (int) Math.min(maxEvents, last - from + 1);
    List<Event<E>> page = new ArrayList<>(n);
    for (long s = from; s < from + n; s++) {
      page.add((Event<E>) ring[(int) (s % ring.length)]);
    }
    return page;
  }

  @Override
  public synchronized long firstSequence() {
    return last - size + 1;
  }

  @Override
  public synchronized long lastSequence() {
    return last;
  }

  @Override
  public String epoch() {
    return epoch;
  }

  @Override
  @SuppressWarnings("unchecked")
  public synchronized long sequenceAt(Instant time) {
    long lo = firstSequence();
    long hi = last + 1;
    while (lo < hi) {
      long mid = (lo + hi) >>> 1;
      Event<E> e = (Event<E>) ring[(int) (mid % ring.length)];
      if (e.timestamp().isBefore(time)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
