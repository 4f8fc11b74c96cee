package io.switchboard.stream;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The buffer of a {@link FlowControlledSender}: messages waiting for the transport, bounded by
 * count and by bytes, what happens to a message that does not fit (the {@link OverflowStrategy}),
 * and the counts of what it gave up and of its peaks.
 *
 * <p>Not thread-safe: the sender guards it with its lock. Waiting for room ({@link
 * OverflowStrategy#BLOCK}) is the sender's job, since it owns the lock and the condition; the
 * buffer only says whether a message {@linkplain #fits fits} and counts a wait that timed out.
 * Failing the stream ({@link OverflowStrategy#FAIL}) is the sender's too; the buffer gives the
 * description.
 *
 * @param <T> the message type
 */
final class OutboundBuffer<T> {
  /** One buffered message with what the bounds and the priority strategy need. */
  private static final class Entry<T> {
    final T message;
    final int size;
    final int priority;

    Entry(T message, int size, int priority) {
      this.message = message;
      this.size = size;
      this.priority = priority;
    }
  }

  /**
   * What {@link #overflow} did with a message that did not fit.
   *
   * @param accepted whether the new message is now buffered
   * @param dropped the messages given up, in the order they were given up (the new one among them
   *     when not accepted)
   */
  record Overflow<T>(boolean accepted, List<T> dropped) {}

  private final int maxMessages;
  private final long maxBytes;
  private final OverflowStrategy strategy;
  private final ArrayDeque<Entry<T>> entries = new ArrayDeque<>();

  private long bytes;
  private long dropped;
  private long timedOut;
  private long discarded;
  private int peakMessages;
  private long peakBytes;

  OutboundBuffer(int maxMessages, long maxBytes, OverflowStrategy strategy) {
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
    this.strategy = strategy;
  }

  /** The strategy applied to a message that does not fit. */
  OverflowStrategy strategy() {
    return strategy;
  }

  /** Returns true if a message of {@code size} bytes fits now, by count and by bytes. */
  boolean fits(int size) {
    return entries.size() < maxMessages && bytes + size <= maxBytes;
  }

  /**
   * Buffers a message if it fits.
   *
   * @return false (and nothing changes) if it does not fit
   */
  boolean add(T message, int size, int priority) {
    if (!fits(size)) {
      return false;
    }
    entries.addLast(new Entry<>(message, size, priority));
    bytes += size;
    if (entries.size() > peakMessages) {
      peakMessages = entries.size();
    }
    if (bytes > peakBytes) {
      peakBytes = bytes;
    }
    return true;
  }

  /**
   * Applies the strategy to a message that does not fit: {@code DROP_NEWEST} and {@code FAIL} give
   * up the new message, {@code DROP_OLDEST} the oldest buffered ones until it fits, {@code
   * DROP_LOWEST_PRIORITY} buffered ones of lower priority than it (lowest first, oldest first among
   * equals) if that makes room, else the new one. Every message given up is counted.
   *
   * @throws IllegalStateException for {@code BLOCK}, which waits instead (the sender's job)
   */
  Overflow<T> overflow(T message, int size, int priority) {
    switch (strategy) {
      case DROP_NEWEST, FAIL -> {
        dropped++;
        return new Overflow<>(false, List.of(message));
      }
      case DROP_OLDEST -> {
        List<T> victims = new ArrayList<>();
        while (!fits(size)) {
          victims.add(removeFirst().message);
          dropped++;
        }
        add(message, size, priority);
        return new Overflow<>(true, victims);
      }
      case DROP_LOWEST_PRIORITY -> {
        List<T> victims = dropLowerThan(size, priority);
        if (victims == null) {
          dropped++;
          return new Overflow<>(false, List.of(message));
        }
        add(message, size, priority);
        return new Overflow<>(true, victims);
      }
      case BLOCK -> throw new IllegalStateException("BLOCK waits for room; it does not overflow");
      default -> throw new AssertionError(strategy);
    }
  }

  /** Counts a message given up because a {@code BLOCK} wait timed out. */
  void countTimedOut() {
    dropped++;
    timedOut++;
  }

  /** Counts a message given up because a {@code BLOCK} wait was interrupted. */
  void countInterrupted() {
    dropped++;
  }

  /** Says why a message of {@code size} bytes does not fit, for {@code RESOURCE_EXHAUSTED}. */
  String describeFull(int size) {
    return "outbound buffer full: "
        + entries.size()
        + " messages / "
        + bytes
        + " bytes buffered, a "
        + size
        + "-byte message does not fit (bounds: "
        + maxMessages
        + " messages, "
        + maxBytes
        + " bytes); the receiver is reading slower than the sender writes";
  }

  /** Removes and returns the oldest message, or null if none is buffered. */
  T poll() {
    Entry<T> e = entries.pollFirst();
    if (e == null) {
      return null;
    }
    bytes -= e.size;
    return e.message;
  }

  /** Throws every buffered message away, counted as discarded. */
  void discardAll() {
    discarded += entries.size();
    entries.clear();
    bytes = 0;
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  /** Returns true while fewer messages than the count bound are buffered (bytes aside). */
  boolean belowCountBound() {
    return entries.size() < maxMessages;
  }

  /** Returns true when at most half of each bound is used: the moment to wake blocked producers. */
  boolean belowLowWatermark() {
    return entries.size() <= maxMessages / 2 && bytes <= maxBytes / 2;
  }

  int size() {
    return entries.size();
  }

  long bytes() {
    return bytes;
  }

  long dropped() {
    return dropped;
  }

  long timedOut() {
    return timedOut;
  }

  long discarded() {
    return discarded;
  }

  int peakMessages() {
    return peakMessages;
  }

  long peakBytes() {
    return peakBytes;
  }

  private Entry<T> removeFirst() {
    Entry<T> e = entries.pollFirst();
    bytes -= e.size;
    return e;
  }

  /**
   * Frees room for a message of the given size and priority by dropping buffered messages of
   * strictly lower priority, lowest first and oldest first among equals. Returns the dropped
   * messages in the order they were dropped, or null (and drops nothing) if not enough
   * lower-priority messages exist. No sorting: one pass to check that dropping can make room, then
   * one pass per priority level dropped from (usually one).
   */
  private List<T> dropLowerThan(int size, int priority) {
    int lowerCount = 0;
    long lowerBytes = 0;
    int lowest = priority;
    for (Entry<T> e : entries) {
      if (e.priority < priority) {
        lowerCount++;
        lowerBytes += e.size;
        lowest = Math.min(lowest, e.priority);
      }
    }
    if (entries.size() - lowerCount >= maxMessages || bytes - lowerBytes + size > maxBytes) {
      return null; // even dropping every lower-priority message would not make room
    }
    List<T> victims = new ArrayList<>();
    while (!fits(size)) {
      // Some message of priority `lowest` (< priority) is left, or dropping would have made room.
      int nextLowest = priority;
      for (Iterator<Entry<T>> it = entries.iterator(); it.hasNext() && !fits(size); ) {
        Entry<T> e = it.next();
        if (e.priority == lowest) {
          it.remove();
          bytes -= e.size;
          dropped++;
          victims.add(e.message);
        } else if (e.priority > lowest && e.priority < nextLowest) {
          nextLowest = e.priority;
        }
      }
      lowest = nextLowest;
    }
    return victims;
  }
}
