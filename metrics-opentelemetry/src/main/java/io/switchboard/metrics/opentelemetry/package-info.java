/**
 * Switchboard's metrics through the OpenTelemetry API, and grpc-java's own per-call metrics.
 *
 * <ul>
 *   <li>{@link io.switchboard.metrics.opentelemetry.OpenTelemetryMetrics}: a {@link
 *       io.switchboard.core.metrics.MetricSink} over an {@link io.opentelemetry.api.OpenTelemetry}
 *       (the application's SDK, exporters and views), which also installs grpc-java's {@code
 *       grpc-opentelemetry} module (gRFC A66 per-call metrics, A94 subchannel metrics) on channel
 *       builders, channel pools and server builders.
 * </ul>
 */
package io.switchboard.metrics.opentelemetry;
