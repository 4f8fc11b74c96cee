package io.switchboard.core.metrics;

/**
 * A monotonic counter bound to one set of attribute values (see {@link MetricSink#counter}).
 * Recording allocates nothing in the implementations Switchboard ships. Thread-safe.
 */
@FunctionalInterface
public interface BoundCounter {
  /**
   * Adds to the counter.
   *
   * @param increment how much to add; a negative value is ignored by the implementations (a counter
   *     only goes up)
   */
  void add(long increment);

  /** Adds one. */
  default void increment() {
    add(1);
  }
}
