/**
 * The metrics seam every Switchboard module reports through, and nothing else: no exporter, no
 * storage. An application installs one implementation ({@code switchboard-metrics-opentelemetry} or
 * {@code switchboard-metrics-micrometer}) by handing a {@link
 * io.switchboard.core.metrics.MetricSink} to a component's builder; without one, {@link
 * io.switchboard.core.metrics.MetricSink#noop()} records nothing.
 *
 * <ul>
 *   <li>{@link io.switchboard.core.metrics.Instrument}: what is measured — name, kind, unit,
 *       description and the attribute keys. Each module declares its instruments as constants.
 *   <li>{@link io.switchboard.core.metrics.MetricSink}: binds an instrument to its attribute values
 *       once, giving a {@link io.switchboard.core.metrics.BoundCounter}, {@link
 *       io.switchboard.core.metrics.BoundUpDownCounter} or {@link
 *       io.switchboard.core.metrics.BoundHistogram} whose recording methods take only a number, so
 *       hot paths allocate nothing; or registers a callback read at collection time ({@link
 *       io.switchboard.core.metrics.MetricSink#observe}), which costs the hot path nothing at all.
 * </ul>
 */
package io.switchboard.core.metrics;
