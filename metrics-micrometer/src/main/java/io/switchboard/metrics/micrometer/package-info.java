/**
 * Switchboard's metrics through Micrometer.
 *
 * <ul>
 *   <li>{@link io.switchboard.metrics.micrometer.MicrometerMetrics}: a {@link
 *       io.switchboard.core.metrics.MetricSink} that is also a {@link
 *       io.micrometer.core.instrument.binder.MeterBinder}, so Spring Boot (or any code) binds it to
 *       the application's registries.
 * </ul>
 */
package io.switchboard.metrics.micrometer;
