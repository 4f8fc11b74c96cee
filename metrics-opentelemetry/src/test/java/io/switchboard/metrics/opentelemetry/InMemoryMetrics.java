package io.switchboard.metrics.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * For tests that read a module's instruments back: an OpenTelemetry SDK whose only reader is in
 * memory, the Switchboard sink over it, and the look-ups such tests assert with (shared through
 * this module's test jar). Close it after the test.
 *
 * <pre>{@code
 * InMemoryMetrics otel = new InMemoryMetrics();
 * ... .metrics(otel.sink()) ...
 * Collection<MetricData> all = otel.collect();
 * assertThat(InMemoryMetrics.value(all, "switchboard.batch.items", Map.of("grpc.status", "OK")))
 *     .isEqualTo(90);
 * }</pre>
 */
public final class InMemoryMetrics implements AutoCloseable {
  private final InMemoryMetricReader reader = InMemoryMetricReader.create();
  private final OpenTelemetrySdk sdk =
      OpenTelemetrySdk.builder()
          .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
          .build();
  private final OpenTelemetryMetrics sink = OpenTelemetryMetrics.create(sdk);

  /** Returns the sink to hand to the component under test. */
  public OpenTelemetryMetrics sink() {
    return sink;
  }

  /** Collects every metric now (observed instruments' callbacks run). */
  public Collection<MetricData> collect() {
    return reader.collectAllMetrics();
  }

  /** Returns the one metric named {@code name}; fails naming those there are if not exactly one. */
  public static MetricData find(Collection<MetricData> all, String name) {
    List<MetricData> found = all.stream().filter(m -> m.getName().equals(name)).toList();
    assertThat(found).as("metrics named %s among %s", name, names(all)).hasSize(1);
    return found.get(0);
  }

  /** Returns the names of the metrics, sorted. */
  public static List<String> names(Collection<MetricData> all) {
    return all.stream().map(MetricData::getName).sorted().toList();
  }

  /**
   * Returns the value of the one long point of metric {@code name} whose attributes include the
   * given ones; 0 if there is none (a counter never incremented); fails if several match.
   */
  public static long value(
      Collection<MetricData> all, String name, Map<String, String> attributes) {
    Collection<? extends PointData> points = find(all, name).getData().getPoints();
    List<Long> values =
        points.stream()
            .filter(p -> matches(p, attributes))
            .map(p -> ((LongPointData) p).getValue())
            .toList();
    assertThat(values).as("points %s%s in %s", name, attributes, points).hasSizeLessThan(2);
    return values.isEmpty() ? 0 : values.get(0);
  }

  /** Returns the one histogram point of metric {@code name} whose attributes include the given. */
  public static HistogramPointData histogram(
      Collection<MetricData> all, String name, Map<String, String> attributes) {
    List<HistogramPointData> points =
        find(all, name).getHistogramData().getPoints().stream()
            .filter(p -> matches(p, attributes))
            .toList();
    assertThat(points).as("histogram points %s%s", name, attributes).hasSize(1);
    return points.get(0);
  }

  private static boolean matches(PointData p, Map<String, String> attributes) {
    Attributes a = p.getAttributes();
    return attributes.entrySet().stream()
        .allMatch(e -> e.getValue().equals(a.get(AttributeKey.stringKey(e.getKey()))));
  }

  /** Shuts the SDK down. */
  @Override
  public void close() {
    sdk.close();
  }
}
