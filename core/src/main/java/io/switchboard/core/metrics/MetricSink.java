package io.switchboard.core.metrics;

import java.util.function.LongSupplier;

/**
 * Where a Switchboard component reports its measurements: the one seam between the modules and a
 * metrics library. Implementations: {@code OpenTelemetryMetrics} (module {@code
 * switchboard-metrics-opentelemetry}) and {@code MicrometerMetrics} ({@code
 * switchboard-metrics-micrometer}); {@link #noop()} when nothing is installed, the default of every
 * builder.
 *
 * <p>A component binds each instrument to its attribute values once, when it is built or when a new
 * attribute value appears (a route, a status code), and keeps the bound handle; recording on the
 * handle then takes only a number and allocates nothing. Totals a component already keeps are
 * better {@linkplain #observe observed}: the callback runs only when metrics are collected.
 *
 * <p>Binding the same instrument and values twice returns handles that record into the same series.
 * Implementations are thread-safe.
 */
public interface MetricSink {
  /**
   * Returns the sink that records nothing: every handle it gives is a shared no-op, and every
   * callback is dropped at once (never called). It still checks its arguments, so misuse shows
   * without a metrics library installed.
   */
  static MetricSink noop() {
    return NoopMetricSink.INSTANCE;
  }

  /**
   * Returns true if this sink records nothing, so a component can skip work done only for metrics
   * (such as reading the clock).
   */
  default boolean isNoop() {
    return false;
  }

  /**
   * Binds a {@link Instrument.Kind#COUNTER} to attribute values.
   *
   * @param instrument the instrument
   * @param attributeValues one value per attribute key, in the instrument's order
   * @return the bound counter
   * @throws IllegalArgumentException if the instrument is not a counter or the values do not match
   *     its keys
   * @throws NullPointerException if an argument or a value is null
   */
  BoundCounter counter(Instrument instrument, String... attributeValues);

  /**
   * Binds an {@link Instrument.Kind#UP_DOWN_COUNTER} to attribute values.
   *
   * @param instrument the instrument
   * @param attributeValues one value per attribute key, in the instrument's order
   * @return the bound counter
   * @throws IllegalArgumentException if the instrument is not an up-down counter or the values do
   *     not match its keys
   * @throws NullPointerException if an argument or a value is null
   */
  BoundUpDownCounter upDownCounter(Instrument instrument, String... attributeValues);

  /**
   * Binds a {@link Instrument.Kind#HISTOGRAM} to attribute values.
   *
   * @param instrument the instrument
   * @param attributeValues one value per attribute key, in the instrument's order
   * @return the bound histogram
   * @throws IllegalArgumentException if the instrument is not a histogram or the values do not
   *     match its keys
   * @throws NullPointerException if an argument or a value is null
   */
  BoundHistogram histogram(Instrument instrument, String... attributeValues);

  /**
   * Registers a callback that gives the value of an observed instrument ({@link
   * Instrument.Kind#OBSERVED_COUNTER}, {@link Instrument.Kind#OBSERVED_UP_DOWN_COUNTER} or {@link
   * Instrument.Kind#GAUGE}) for one set of attribute values, read whenever metrics are collected,
   * on the collecting thread. The callback must be quick and must not block; if it throws, the
   * implementation logs it and skips that value (the library's own behaviour).
   *
   * @param instrument the instrument
   * @param value gives the current value
   * @param attributeValues one value per attribute key, in the instrument's order
   * @return the registration; close it when the observed component goes away
   * @throws IllegalArgumentException if the instrument is not observed or the values do not match
   *     its keys
   * @throws NullPointerException if an argument or a value is null
   */
  Registration observe(Instrument instrument, LongSupplier value, String... attributeValues);
}
