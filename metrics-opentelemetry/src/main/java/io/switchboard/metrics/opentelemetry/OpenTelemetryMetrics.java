package io.switchboard.metrics.opentelemetry;

import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerBuilder;
import io.grpc.opentelemetry.GrpcOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.DoubleHistogramBuilder;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongUpDownCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.switchboard.core.metrics.BoundCounter;
import io.switchboard.core.metrics.BoundHistogram;
import io.switchboard.core.metrics.BoundUpDownCounter;
import io.switchboard.core.metrics.Instrument;
import io.switchboard.core.metrics.MetricSink;
import io.switchboard.core.metrics.Registration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A {@link MetricSink} that records through the OpenTelemetry API, plus grpc-java's per-call
 * metrics on the same {@link OpenTelemetry}.
 *
 * <pre>{@code
 * OpenTelemetryMetrics metrics = OpenTelemetryMetrics.create(openTelemetrySdk);
 * ChannelPool pool = ChannelPool.forTarget("dns:///users:443")
 *     .channelCustomizer(metrics.channelConfigurer()) // grpc.client.* on every channel
 *     .build();
 * Server server = metrics.configureServer(NettyServerBuilder.forPort(8443)) // grpc.server.*
 *     .addService(service).build();
 * }</pre>
 *
 * <p>Switchboard's instruments come from the meter {@value #INSTRUMENTATION_SCOPE}; grpc-java's
 * from its own meter ({@code grpc-java}), with its default per-call metrics (gRFC A66: {@code
 * grpc.client.attempt.duration}, {@code grpc.server.call.duration}, …) and the subchannel metrics
 * of gRFC A94 ({@link #GRPC_SUBCHANNEL_METRICS}). Only the API is used: the application's SDK
 * decides readers, exporters, views and temporality.
 *
 * <p>Recording on a bound handle calls the OpenTelemetry instrument with attributes built when it
 * was bound, so it allocates nothing in the SDK's cumulative path. Thread-safe.
 */
public final class OpenTelemetryMetrics implements MetricSink {
  /** The instrumentation scope (meter name) of Switchboard's own instruments. */
  public static final String INSTRUMENTATION_SCOPE = "io.switchboard";

  /**
   * grpc-java's subchannel metrics (gRFC A94): off by default in grpc-java, turned on here because
   * a pool's health is read from its channels' connections.
   */
  public static final List<String> GRPC_SUBCHANNEL_METRICS =
      List.of(
          "grpc.subchannel.open_connections",
          "grpc.subchannel.connection_attempts_succeeded",
          "grpc.subchannel.connection_attempts_failed",
          "grpc.subchannel.disconnections");

  private final Meter meter;
  private final GrpcOpenTelemetry grpc;
  private final ConcurrentHashMap<Instrument, Object> instruments = new ConcurrentHashMap<>();

  private OpenTelemetryMetrics(Meter meter, GrpcOpenTelemetry grpc) {
    this.meter = meter;
    this.grpc = grpc;
  }

  /**
   * Creates a sink over the given OpenTelemetry (usually the application's {@code
   * OpenTelemetrySdk}), with grpc-java's default per-call metrics and the A94 subchannel metrics.
   *
   * @param openTelemetry where to record
   * @return the sink
   * @throws NullPointerException if {@code openTelemetry} is null
   */
  public static OpenTelemetryMetrics create(OpenTelemetry openTelemetry) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    return create(
        openTelemetry,
        GrpcOpenTelemetry.newBuilder()
            .sdk(openTelemetry)
            .enableMetrics(GRPC_SUBCHANNEL_METRICS)
            .build());
  }

  /**
   * Creates a sink over the given OpenTelemetry, with grpc-java's metrics configured by the caller
   * (other metrics enabled or disabled, optional labels, a target filter).
   *
   * @param openTelemetry where Switchboard's instruments record
   * @param grpc grpc-java's OpenTelemetry module, built with the same or another OpenTelemetry
   * @return the sink
   * @throws NullPointerException if an argument is null
   */
  public static OpenTelemetryMetrics create(OpenTelemetry openTelemetry, GrpcOpenTelemetry grpc) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    Objects.requireNonNull(grpc, "grpc");
    return new OpenTelemetryMetrics(openTelemetry.getMeter(INSTRUMENTATION_SCOPE), grpc);
  }

  /** Returns grpc-java's OpenTelemetry module, as installed by the {@code configure} methods. */
  public GrpcOpenTelemetry grpc() {
    return grpc;
  }

  /**
   * Installs grpc-java's per-call client metrics on a channel builder.
   *
   * @param builder the builder, before {@code build()}
   * @param <T> the builder's type
   * @return the same builder
   * @throws NullPointerException if {@code builder} is null
   */
  public <T extends ManagedChannelBuilder<?>> T configureChannel(T builder) {
    grpc.configureChannelBuilder(Objects.requireNonNull(builder, "builder"));
    return builder;
  }

  /**
   * Returns {@link #configureChannel} as a customizer, for builders that take one for every channel
   * they make (a {@code ChannelPool}'s {@code channelCustomizer}).
   */
  public Consumer<ManagedChannelBuilder<?>> channelConfigurer() {
    return grpc::configureChannelBuilder;
  }

  /**
   * Installs grpc-java's per-call server metrics on a server builder.
   *
   * @param builder the builder, before {@code build()}
   * @param <T> the builder's type
   * @return the same builder
   * @throws NullPointerException if {@code builder} is null
   */
  public <T extends ServerBuilder<?>> T configureServer(T builder) {
    grpc.configureServerBuilder(Objects.requireNonNull(builder, "builder"));
    return builder;
  }

  @Override
  public BoundCounter counter(Instrument instrument, String... attributeValues) {
    Attributes attributes =
        attributes(instrument, instrument.checkBinding(Instrument.Kind.COUNTER, attributeValues));
    LongCounter counter =
        (LongCounter)
            instruments.computeIfAbsent(
                instrument,
                i ->
                    meter
                        .counterBuilder(i.name())
                        .setUnit(i.unit())
                        .setDescription(i.description())
                        .build());
    return increment -> {
      if (increment > 0) {
        counter.add(increment, attributes);
      }
    };
  }

  @Override
  public BoundUpDownCounter upDownCounter(Instrument instrument, String... attributeValues) {
    Attributes attributes =
        attributes(
            instrument, instrument.checkBinding(Instrument.Kind.UP_DOWN_COUNTER, attributeValues));
    LongUpDownCounter counter =
        (LongUpDownCounter)
            instruments.computeIfAbsent(
                instrument,
                i ->
                    meter
                        .upDownCounterBuilder(i.name())
                        .setUnit(i.unit())
                        .setDescription(i.description())
                        .build());
    return delta -> counter.add(delta, attributes);
  }

  @Override
  public BoundHistogram histogram(Instrument instrument, String... attributeValues) {
    Attributes attributes =
        attributes(instrument, instrument.checkBinding(Instrument.Kind.HISTOGRAM, attributeValues));
    DoubleHistogram histogram =
        (DoubleHistogram)
            instruments.computeIfAbsent(
                instrument,
                i -> {
                  DoubleHistogramBuilder builder =
                      meter
                          .histogramBuilder(i.name())
                          .setUnit(i.unit())
                          .setDescription(i.description());
                  if (!i.buckets().isEmpty()) {
                    builder.setExplicitBucketBoundariesAdvice(i.buckets());
                  }
                  return builder.build();
                });
    return value -> {
      if (value >= 0) {
        histogram.record(value, attributes);
      }
    };
  }

  @Override
  public Registration observe(Instrument instrument, LongSupplier value, String... values) {
    Objects.requireNonNull(value, "value");
    Attributes attributes = attributes(instrument, instrument.checkObservation(values));
    Consumer<ObservableLongMeasurement> callback =
        measurement -> measurement.record(value.getAsLong(), attributes);
    AutoCloseable observer =
        switch (instrument.kind()) {
          case OBSERVED_COUNTER ->
              meter
                  .counterBuilder(instrument.name())
                  .setUnit(instrument.unit())
                  .setDescription(instrument.description())
                  .buildWithCallback(callback);
          case OBSERVED_UP_DOWN_COUNTER ->
              meter
                  .upDownCounterBuilder(instrument.name())
                  .setUnit(instrument.unit())
                  .setDescription(instrument.description())
                  .buildWithCallback(callback);
          default ->
              meter
                  .gaugeBuilder(instrument.name())
                  .setUnit(instrument.unit())
                  .setDescription(instrument.description())
                  .ofLongs()
                  .buildWithCallback(callback);
        };
    AtomicBoolean closed = new AtomicBoolean();
    return () -> {
      if (closed.compareAndSet(false, true)) {
        try {
          observer.close();
        } catch (Exception e) {
          // The API's observers do not throw on close; nothing to do if one does.
        }
      }
    };
  }

  private static Attributes attributes(Instrument instrument, List<String> values) {
    if (values.isEmpty()) {
      return Attributes.empty();
    }
    AttributesBuilder builder = Attributes.builder();
    List<String> keys = instrument.attributeKeys();
    for (int i = 0; i < keys.size(); i++) {
      builder.put(AttributeKey.stringKey(keys.get(i)), values.get(i));
    }
    return builder.build();
  }

  @Override
  public String toString() {
    return "OpenTelemetryMetrics{" + INSTRUMENTATION_SCOPE + "}";
  }
}
