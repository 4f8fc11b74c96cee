package io.switchboard.core.metrics;

/**
 * A callback registered with {@link MetricSink#observe}; closing it stops the observations (a
 * component closes its registrations when it shuts down, so a closed pool leaves no metrics
 * behind).
 */
@FunctionalInterface
public interface Registration extends AutoCloseable {
  /** Removes the callback. Idempotent; never throws. */
  @Override
  void close();
}
