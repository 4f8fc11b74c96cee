package io.switchboard.core.metrics;

/**
 * A distribution of measured values (durations, sizes), bound to one set of attribute values (see
 * {@link MetricSink#histogram}). Recording allocates nothing in the implementations Switchboard
 * ships. Thread-safe.
 */
@FunctionalInterface
public interface BoundHistogram {
  /**
   * Records one value, in the instrument's unit (seconds for durations).
   *
   * @param value the value; negative values are ignored by the implementations
   */
  void record(double value);

  /**
   * Records a duration given in nanoseconds, for instruments whose unit is seconds.
   *
   * @param nanos the duration in nanoseconds
   */
  default void recordNanos(long nanos) {
    record(nanos / 1e9);
  }
}
