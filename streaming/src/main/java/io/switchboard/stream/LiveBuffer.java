package io.switchboard.stream;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * The live side of one subscriber: what an {@link EventLog} hands each appended event to while the
 * subscriber follows it live. Either a bounded buffer the subscriber drains (it is told of each new
 * event through {@code onEvent}), or, in push mode, a pass-through to a consumer that runs on the
 * appending thread.
 *
 * <p>The log calls {@link #offer} under its append lock, one event at a time in sequence order; the
 * subscriber calls the other methods from its own thread. A buffer that overflows empties itself
 * and reports it, so the log unhooks the subscriber, which then catches up from the store: nothing
 * is lost, only read again.
 *
 * @param <E> the event payload type
 */
final class LiveBuffer<E> {
  private final int capacity;
  private final Runnable onEvent; // buffered: after each event; both: after unhooked()
  private final Consumer<Event<E>> push;
  private final ArrayDeque<Event<E>> buffer = new ArrayDeque<>();
  private boolean overflowed; // guarded by this

  /** A bounded buffer of {@code capacity} events; {@code onEvent} runs after each one is kept. */
  static <E> LiveBuffer<E> buffered(int capacity, Runnable onEvent) {
    return new LiveBuffer<>(capacity, onEvent, null);
  }

  /**
   * A pass-through: each event goes to {@code push} on the appending thread, nothing is kept;
   * {@code onUnhooked} runs when the log unhooks it ({@link #unhooked()}).
   */
  static <E> LiveBuffer<E> pushing(Consumer<Event<E>> push, Runnable onUnhooked) {
    return new LiveBuffer<>(0, onUnhooked, push);
  }

  private LiveBuffer(int capacity, Runnable onEvent, Consumer<Event<E>> push) {
    this.capacity = capacity;
    this.onEvent = onEvent;
    this.push = push;
  }

  /**
   * Takes an appended event; called under the log's append lock.
   *
   * @return false if the buffer overflowed (it then keeps nothing and the log should unhook it)
   */
  boolean offer(Event<E> event) {
    if (push != null) {
      push.accept(event);
      return true;
    }
    boolean ok;
    synchronized (this) {
      if (buffer.size() >= capacity) {
        buffer.clear();
        overflowed = true;
      } else {
        buffer.addLast(event);
      }
      ok = !overflowed;
    }
    onEvent.run();
    return ok;
  }

  /**
   * The log unhooked the subscriber for a reason of its own (its store went back: it was reset):
   * marks it overflowed, so it reads the store again and finds out, and wakes it.
   */
  void unhooked() {
    synchronized (this) {
      buffer.clear();
      overflowed = true;
    }
    onEvent.run();
  }

  /** Returns the oldest buffered event, or null if none waits. */
  synchronized Event<E> poll() {
    return buffer.pollFirst();
  }

  /** Returns true once the buffer overflowed or was unhooked (until {@link #reset()}). */
  synchronized boolean overflowed() {
    return overflowed;
  }

  /** Empties the buffer and forgets an overflow: before the subscriber goes live again. */
  synchronized void reset() {
    buffer.clear();
    overflowed = false;
  }

  /** Empties the buffer: the subscriber is no longer live. */
  synchronized void clear() {
    buffer.clear();
  }
}
