package io.switchboard.core.metrics;

import java.util.Objects;
import java.util.function.LongSupplier;

/** Records nothing; see {@link MetricSink#noop()}. */
enum NoopMetricSink implements MetricSink {
  INSTANCE;

  private static final BoundCounter COUNTER = increment -> {};
  private static final BoundUpDownCounter UP_DOWN_COUNTER = delta -> {};
  private static final BoundHistogram HISTOGRAM = value -> {};
  private static final Registration REGISTRATION = () -> {};

  @Override
  public boolean isNoop() {
    return true;
  }

  @Override
  public BoundCounter counter(Instrument instrument, String... attributeValues) {
    instrument.checkBinding(Instrument.Kind.COUNTER, attributeValues);
    return COUNTER;
  }

  @Override
  public BoundUpDownCounter upDownCounter(Instrument instrument, String... attributeValues) {
    instrument.checkBinding(Instrument.Kind.UP_DOWN_COUNTER, attributeValues);
    return UP_DOWN_COUNTER;
  }

  @Override
  public BoundHistogram histogram(Instrument instrument, String... attributeValues) {
    instrument.checkBinding(Instrument.Kind.HISTOGRAM, attributeValues);
    return HISTOGRAM;
  }

  @Override
  public Registration observe(Instrument instrument, LongSupplier value, String... values) {
    Objects.requireNonNull(value, "value");
    instrument.checkObservation(values);
    return REGISTRATION;
  }

  @Override
  public String toString() {
    return "MetricSink.noop()";
  }
}
