package io.switchboard.core.metrics;

/**
 * A counter that goes up and down (things in flight, things held), bound to one set of attribute
 * values (see {@link MetricSink#upDownCounter}). Recording allocates nothing in the implementations
 * Switchboard ships. Thread-safe.
 */
@FunctionalInterface
public interface BoundUpDownCounter {
  /**
   * Adds a delta to the counter.
   *
   * @param delta how much to add, negative to take away
   */
  void add(long delta);
}
