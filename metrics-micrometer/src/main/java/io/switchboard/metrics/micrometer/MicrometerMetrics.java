package io.switchboard.metrics.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.switchboard.core.metrics.BoundCounter;
import io.switchboard.core.metrics.BoundHistogram;
import io.switchboard.core.metrics.BoundUpDownCounter;
import io.switchboard.core.metrics.Instrument;
import io.switchboard.core.metrics.MetricSink;
import io.switchboard.core.metrics.Registration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * A {@link MetricSink} that records into Micrometer meters: into one registry ({@link
 * #create(MeterRegistry)}), or, as a {@link MeterBinder} ({@link #create()}), into every registry
 * it is {@linkplain #bindTo bound to}, including registries bound after a component was built
 * (Spring Boot binds {@code MeterBinder} beans to its registries when they are created).
 *
 * <pre>{@code
 * MicrometerMetrics metrics = MicrometerMetrics.create(meterRegistry);
 * BoundCounter calls = metrics.counter(CALLS, "users:443");  // a component binds once
 * calls.increment();                                         // and records without allocating
 * }</pre>
 *
 * <p>Instruments map to meters by kind: counters to {@link Counter}, histograms in seconds to
 * {@link Timer} and others to {@link DistributionSummary} (both with the instrument's advised
 * buckets as service-level objectives, so the Prometheus buckets match OpenTelemetry's), observed
 * counters to {@link FunctionCounter}, and up-down counters and gauges to {@link Gauge} (an up-down
 * counter keeps its sum in a {@link LongAdder}). Attribute keys become tag keys. The unit {@code
 * By} becomes the base unit {@code bytes}; units in braces ({@code {call}}) are annotations, not
 * units, and are dropped.
 *
 * <p>Micrometer keeps one meter per name and tags: a second {@link #observe} for the same
 * instrument and values is ignored by Micrometer while the first is registered. Thread-safe.
 */
public final class MicrometerMetrics implements MetricSink, MeterBinder {
  private final MeterRegistry registry;
  private final CompositeMeterRegistry composite; // null when made for one registry
  private final ConcurrentHashMap<List<Object>, LongAdder> upDownSums = new ConcurrentHashMap<>();
  // Micrometer holds a function counter's object weakly: the callbacks live here until closed.
  private final Set<LongSupplier> observed = ConcurrentHashMap.newKeySet();

  private MicrometerMetrics(MeterRegistry registry, CompositeMeterRegistry composite) {
    this.registry = registry;
    this.composite = composite;
  }

  /**
   * Creates a sink bound to no registry yet, for frameworks that bind {@link MeterBinder}s: it
   * records into every registry {@link #bindTo} adds, meters created before included. Recording
   * goes through a {@link CompositeMeterRegistry}, which costs a little per recording; prefer
   * {@link #create(MeterRegistry)} where the registry is known.
   *
   * @return the sink
   */
  public static MicrometerMetrics create() {
    CompositeMeterRegistry composite = new CompositeMeterRegistry();
    return new MicrometerMetrics(composite, composite);
  }

  /**
   * Creates a sink whose meters are registered in the given registry directly: recording on a bound
   * handle allocates nothing.
   *
   * @param registry where to record
   * @return the sink
   * @throws NullPointerException if {@code registry} is null
   */
  public static MicrometerMetrics create(MeterRegistry registry) {
    return new MicrometerMetrics(Objects.requireNonNull(registry, "registry"), null);
  }

  /**
   * Adds a registry to a sink made by {@link #create()}: every meter it made and will make records
   * there too. On a sink made for one registry, binding that same registry again does nothing.
   *
   * @param registry the registry
   * @throws NullPointerException if {@code registry} is null
   * @throws IllegalStateException if this sink was made for another registry
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    if (composite != null) {
      composite.add(registry);
    } else if (registry != this.registry) {
      throw new IllegalStateException(
          "made for "
              + this.registry
              + " (expected: the same registry; MicrometerMetrics.create() binds several)");
    }
  }

  @Override
  public BoundCounter counter(Instrument instrument, String... attributeValues) {
    Tags tags = tags(instrument, instrument.checkBinding(Instrument.Kind.COUNTER, attributeValues));
    Counter counter =
        Counter.builder(instrument.name())
            .description(instrument.description())
            .baseUnit(baseUnit(instrument))
            .tags(tags)
            .register(registry);
    return increment -> {
      if (increment > 0) {
        counter.increment(increment);
      }
    };
  }

  @Override
  public BoundUpDownCounter upDownCounter(Instrument instrument, String... attributeValues) {
    List<String> values = instrument.checkBinding(Instrument.Kind.UP_DOWN_COUNTER, attributeValues);
    LongAdder sum =
        upDownSums.computeIfAbsent(
            List.of(instrument, values),
            key -> {
              LongAdder adder = new LongAdder();
              Gauge.builder(instrument.name(), adder, LongAdder::sum)
                  .description(instrument.description())
                  .baseUnit(baseUnit(instrument))
                  .tags(tags(instrument, values))
                  .strongReference(true)
                  .register(registry);
              return adder;
            });
    return sum::add;
  }

  @Override
  public BoundHistogram histogram(Instrument instrument, String... attributeValues) {
    Tags tags =
        tags(instrument, instrument.checkBinding(Instrument.Kind.HISTOGRAM, attributeValues));
    List<Double> buckets = new ArrayList<>();
    for (double b : instrument.buckets()) {
      if (b > 0) { // Micrometer's objectives are positive; the first bucket (≤ 0) is implied
        buckets.add(b);
      }
    }
    if (instrument.unit().equals("s")) {
      Duration[] objectives =
          buckets.stream().map(s -> Duration.ofNanos(Math.round(s * 1e9))).toArray(Duration[]::new);
      Timer timer =
          Timer.builder(instrument.name())
              .description(instrument.description())
              .tags(tags)
              .serviceLevelObjectives(objectives)
              .register(registry);
      return new BoundHistogram() {
        @Override
        public void record(double seconds) {
          if (seconds >= 0) {
            timer.record(Math.round(seconds * 1e9), TimeUnit.NANOSECONDS);
          }
        }

        @Override
        public void recordNanos(long nanos) {
          if (nanos >= 0) {
            timer.record(nanos, TimeUnit.NANOSECONDS);
          }
        }
      };
    }
    DistributionSummary summary =
        DistributionSummary.builder(instrument.name())
            .description(instrument.description())
            .baseUnit(baseUnit(instrument))
            .tags(tags)
            .serviceLevelObjectives(buckets.stream().mapToDouble(Double::doubleValue).toArray())
            .register(registry);
    return value -> {
      if (value >= 0) {
        summary.record(value);
      }
    };
  }

  @Override
  public Registration observe(Instrument instrument, LongSupplier value, String... values) {
    Objects.requireNonNull(value, "value");
    Tags tags = tags(instrument, instrument.checkObservation(values));
    Meter meter =
        instrument.kind() == Instrument.Kind.OBSERVED_COUNTER
            ? FunctionCounter.builder(instrument.name(), value, LongSupplier::getAsLong)
                .description(instrument.description())
                .baseUnit(baseUnit(instrument))
                .tags(tags)
                .register(registry)
            : Gauge.builder(instrument.name(), value, LongSupplier::getAsLong)
                .description(instrument.description())
                .baseUnit(baseUnit(instrument))
                .tags(tags)
                .strongReference(true)
                .register(registry);
    observed.add(value);
    AtomicBoolean closed = new AtomicBoolean();
    return () -> {
      if (closed.compareAndSet(false, true)) {
        registry.remove(meter);
        observed.remove(value);
      }
    };
  }

  private static Tags tags(Instrument instrument, List<String> values) {
    List<String> keys = instrument.attributeKeys();
    List<Tag> tags = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      tags.add(Tag.of(keys.get(i), values.get(i)));
    }
    return Tags.of(tags);
  }

  /** Maps an UCUM unit to Micrometer's base unit, or null for a count. */
  static String baseUnit(Instrument instrument) {
    String unit = instrument.unit();
    return switch (unit) {
      case "s" -> "seconds";
      case "ms" -> "milliseconds";
      case "By" -> "bytes";
      case "1" -> null;
      default -> unit.startsWith("{") ? null : unit;
    };
  }

  @Override
  public String toString() {
    return "MicrometerMetrics{" + (composite != null ? composite.getRegistries() : registry) + "}";
  }
}
