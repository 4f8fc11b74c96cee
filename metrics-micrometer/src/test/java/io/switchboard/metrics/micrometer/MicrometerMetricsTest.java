package io.switchboard.metrics.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.core.metrics.BoundCounter;
import io.switchboard.core.metrics.BoundHistogram;
import io.switchboard.core.metrics.BoundUpDownCounter;
import io.switchboard.core.metrics.Instrument;
import io.switchboard.core.metrics.Registration;
import io.switchboard.testing.Allocations;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MicrometerMetricsTest {
  static final Instrument CALLS =
      Instrument.counter("switchboard.test.calls", "{call}", "Calls made.", "grpc.target");
  static final Instrument IN_FLIGHT =
      Instrument.upDownCounter("switchboard.test.in_flight", "{call}", "Calls in flight.");
  static final Instrument DURATION =
      Instrument.histogram("switchboard.test.duration", "s", "Call duration.", "grpc.status");
  static final Instrument SIZE =
      Instrument.histogram("switchboard.test.size", "By", "Message size.")
          .withBuckets(List.of(100d, 1000d));
  static final Instrument LIMIT =
      Instrument.gauge("switchboard.test.limit", "{call}", "Concurrency limit.", "route");
  static final Instrument TOTAL =
      Instrument.observedCounter("switchboard.test.total", "By", "Bytes.");

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final MicrometerMetrics metrics = MicrometerMetrics.create(registry);

  @Test
  void countersBecomeCountersWithTagsAndNoAnnotationUnit() {
    BoundCounter a = metrics.counter(CALLS, "a:1");
    a.add(3);
    a.increment();
    a.add(-2); // ignored
    metrics.counter(CALLS, "a:1").add(10);
    metrics.counter(CALLS, "b:2").add(1);

    Counter counter = registry.get("switchboard.test.calls").tag("grpc.target", "a:1").counter();
    assertThat(counter.count()).isEqualTo(14);
    assertThat(counter.getId().getDescription()).isEqualTo("Calls made.");
    assertThat(counter.getId().getBaseUnit()).isNull();
    assertThat(registry.get("switchboard.test.calls").tag("grpc.target", "b:2").counter().count())
        .isEqualTo(1);
  }

  @Test
  void upDownCountersAreGaugesOverOneSumPerSeries() {
    BoundUpDownCounter first = metrics.upDownCounter(IN_FLIGHT);
    BoundUpDownCounter second = metrics.upDownCounter(IN_FLIGHT);
    first.add(5);
    second.add(-2);
    assertThat(registry.get("switchboard.test.in_flight").gauge().value()).isEqualTo(3);
  }

  @Test
  void secondsHistogramsAreTimersWithTheA66Buckets() {
    BoundHistogram ok = metrics.histogram(DURATION, "OK");
    ok.record(0.0015);
    ok.recordNanos(2_500_000);
    ok.record(-1); // ignored
    Timer timer = registry.get("switchboard.test.duration").tag("grpc.status", "OK").timer();
    assertThat(timer.count()).isEqualTo(2);
    assertThat(timer.totalTime(TimeUnit.MICROSECONDS)).isEqualTo(4000);
    CountAtBucket[] buckets = timer.takeSnapshot().histogramCounts();
    assertThat(buckets).hasSize(Instrument.LATENCY_BUCKETS_SECONDS.size() - 1); // all but 0
    assertThat(buckets[0].bucket(TimeUnit.SECONDS)).isEqualTo(0.00001);
  }

  @Test
  void otherHistogramsAreSummariesWithTheirUnit() {
    metrics.histogram(SIZE).record(150);
    DistributionSummary summary = registry.get("switchboard.test.size").summary();
    assertThat(summary.count()).isEqualTo(1);
    assertThat(summary.totalAmount()).isEqualTo(150);
    assertThat(summary.getId().getBaseUnit()).isEqualTo("bytes");
    assertThat(summary.takeSnapshot().histogramCounts())
        .extracting(CountAtBucket::bucket, CountAtBucket::count)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(100d, 0d),
            org.assertj.core.groups.Tuple.tuple(1000d, 1d));
  }

  @Test
  void observersAreGaugesAndFunctionCountersUntilClosed() {
    AtomicLong limit = new AtomicLong(8);
    Registration limitA = metrics.observe(LIMIT, limit::get, "a");
    Registration total = metrics.observe(TOTAL, () -> 4096);
    limit.set(16);
    Gauge gauge = registry.get("switchboard.test.limit").tag("route", "a").gauge();
    assertThat(gauge.value()).isEqualTo(16);
    FunctionCounter bytes = registry.get("switchboard.test.total").functionCounter();
    assertThat(bytes.count()).isEqualTo(4096);
    assertThat(bytes.getId().getBaseUnit()).isEqualTo("bytes");

    limitA.close();
    limitA.close(); // idempotent
    total.close();
    assertThat(registry.find("switchboard.test.limit").gauge()).isNull();
    assertThat(registry.find("switchboard.test.total").functionCounter()).isNull();
  }

  /** Micrometer holds a function counter's object weakly; the sink must keep the callback. */
  @Test
  void observedCallbacksSurviveGarbageCollection() {
    metrics.observe(TOTAL, new AtomicLong(7)::get);
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    assertThat(registry.get("switchboard.test.total").functionCounter().count()).isEqualTo(7);
  }

  @Test
  void bindsRegistriesAddedLaterAsAMeterBinder() {
    MicrometerMetrics unbound = MicrometerMetrics.create();
    BoundCounter counter = unbound.counter(CALLS, "late:1");
    counter.add(2); // no registry yet: nowhere to go
    SimpleMeterRegistry late = new SimpleMeterRegistry();
    unbound.bindTo(late);
    counter.add(5);
    assertThat(late.get("switchboard.test.calls").tag("grpc.target", "late:1").counter().count())
        .isEqualTo(5);
  }

  @Test
  void checksBindingsLikeEverySink() {
    assertThatThrownBy(() -> metrics.counter(CALLS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: one for each of [grpc.target]");
    assertThatThrownBy(() -> metrics.upDownCounter(CALLS, "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> metrics.observe(CALLS, () -> 1, "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> metrics.bindTo(null)).isInstanceOf(NullPointerException.class);
    metrics.bindTo(registry); // the registry it was made for: nothing to do
    assertThatThrownBy(() -> metrics.bindTo(new SimpleMeterRegistry()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("MicrometerMetrics.create() binds several");
  }

  @Test
  void recordingOnBoundHandlesAllocatesNothing() {
    BoundCounter counter = metrics.counter(CALLS, "a:1");
    BoundUpDownCounter inFlight = metrics.upDownCounter(IN_FLIGHT);
    BoundHistogram duration = metrics.histogram(DURATION, "OK");
    long bytes =
        Allocations.leastBytesAllocated(
            5,
            () -> {
              for (int i = 0; i < 20_000; i++) {
                inFlight.add(1);
                counter.increment();
                duration.recordNanos(1_000L + i);
                inFlight.add(-1);
              }
            });
    // 80,000 recordings per round; one allocated object per recording would be > 1 MB.
    assertThat(bytes).as("bytes allocated by 80,000 recordings").isLessThan(1024);
  }
}
