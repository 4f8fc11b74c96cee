package io.switchboard.metrics.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.core.metrics.BoundCounter;
import io.switchboard.core.metrics.BoundHistogram;
import io.switchboard.core.metrics.BoundUpDownCounter;
import io.switchboard.core.metrics.Instrument;
import io.switchboard.core.metrics.Registration;
import io.switchboard.testing.Allocations;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestMarshallers;
import io.switchboard.testing.TestServer;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class OpenTelemetryMetricsTest {
  static final Instrument CALLS =
      Instrument.counter("switchboard.test.calls", "{call}", "Calls made.", "grpc.target");
  static final Instrument IN_FLIGHT =
      Instrument.upDownCounter("switchboard.test.in_flight", "{call}", "Calls in flight.");
  static final Instrument DURATION =
      Instrument.histogram("switchboard.test.duration", "s", "Call duration.", "grpc.status");
  static final Instrument LIMIT =
      Instrument.gauge("switchboard.test.limit", "{call}", "Concurrency limit.", "route");
  static final Instrument TOTAL =
      Instrument.observedCounter("switchboard.test.total", "{event}", "Events.");
  static final Instrument HELD =
      Instrument.observedUpDownCounter("switchboard.test.held", "{message}", "Messages held.");

  static final ServiceSpec SERVICE = ServiceSpec.named("test.Echo");
  static final MethodSpec<String, String> ECHO =
      SERVICE.unary("Echo", TestMarshallers.utf8(), TestMarshallers.utf8());

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  final InMemoryMetricReader reader = InMemoryMetricReader.create();
  final SdkMeterProvider provider = SdkMeterProvider.builder().registerMetricReader(reader).build();
  final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setMeterProvider(provider).build();
  final OpenTelemetryMetrics metrics = OpenTelemetryMetrics.create(sdk);

  @AfterEach
  void closeSdk() {
    sdk.close();
  }

  @Test
  void countersRecordUnderTheirNameUnitAndAttributes() {
    BoundCounter a = metrics.counter(CALLS, "a:1");
    BoundCounter b = metrics.counter(CALLS, "b:2");
    a.add(3);
    a.increment();
    b.add(2);
    b.add(-5); // a counter only goes up: ignored
    metrics.counter(CALLS, "a:1").add(10); // bound again: the same series

    MetricData data = only("switchboard.test.calls");
    assertThat(data.getType()).isEqualTo(MetricDataType.LONG_SUM);
    assertThat(data.getUnit()).isEqualTo("{call}");
    assertThat(data.getDescription()).isEqualTo("Calls made.");
    assertThat(data.getInstrumentationScopeInfo().getName()).isEqualTo("io.switchboard");
    assertThat(data.getLongSumData().isMonotonic()).isTrue();
    assertThat(longValue(data, Attributes.of(AttributeKey.stringKey("grpc.target"), "a:1")))
        .isEqualTo(14);
    assertThat(longValue(data, Attributes.of(AttributeKey.stringKey("grpc.target"), "b:2")))
        .isEqualTo(2);
  }

  @Test
  void upDownCountersGoBothWays() {
    BoundUpDownCounter inFlight = metrics.upDownCounter(IN_FLIGHT);
    inFlight.add(5);
    inFlight.add(-3);
    MetricData data = only("switchboard.test.in_flight");
    assertThat(data.getLongSumData().isMonotonic()).isFalse();
    assertThat(longValue(data, Attributes.empty())).isEqualTo(2);
  }

  @Test
  void histogramsUseTheAdvisedLatencyBuckets() {
    BoundHistogram ok = metrics.histogram(DURATION, "OK");
    ok.record(0.0015);
    ok.recordNanos(2_500_000);
    ok.record(-1); // ignored
    metrics.histogram(DURATION, "UNAVAILABLE").record(7);

    MetricData data = only("switchboard.test.duration");
    assertThat(data.getUnit()).isEqualTo("s");
    HistogramPointData point =
        data.getHistogramData().getPoints().stream()
            .filter(p -> "OK".equals(p.getAttributes().get(AttributeKey.stringKey("grpc.status"))))
            .findFirst()
            .orElseThrow();
    assertThat(point.getCount()).isEqualTo(2);
    assertThat(point.getSum()).isCloseTo(0.004, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(point.getBoundaries()).isEqualTo(Instrument.LATENCY_BUCKETS_SECONDS);
  }

  @Test
  void observersAreReadAtCollectionUntilClosed() {
    AtomicLong limit = new AtomicLong(8);
    AtomicLong total = new AtomicLong(40);
    AtomicLong held = new AtomicLong(3);
    Registration limitA = metrics.observe(LIMIT, limit::get, "a");
    Registration limitB = metrics.observe(LIMIT, () -> 2, "b");
    Registration totalR = metrics.observe(TOTAL, total::get);
    Registration heldR = metrics.observe(HELD, held::get);

    limit.set(16);
    Collection<MetricData> first = reader.collectAllMetrics();
    assertThat(longValue(find(first, "switchboard.test.limit"), route("a"))).isEqualTo(16);
    assertThat(longValue(find(first, "switchboard.test.limit"), route("b"))).isEqualTo(2);
    assertThat(find(first, "switchboard.test.limit").getType())
        .isEqualTo(MetricDataType.LONG_GAUGE);
    assertThat(find(first, "switchboard.test.total").getLongSumData().isMonotonic()).isTrue();
    assertThat(longValue(find(first, "switchboard.test.total"), Attributes.empty())).isEqualTo(40);
    assertThat(find(first, "switchboard.test.held").getLongSumData().isMonotonic()).isFalse();
    assertThat(longValue(find(first, "switchboard.test.held"), Attributes.empty())).isEqualTo(3);

    limitA.close();
    limitA.close(); // idempotent
    Collection<MetricData> second = reader.collectAllMetrics();
    assertThat(find(second, "switchboard.test.limit").getLongGaugeData().getPoints())
        .extracting(p -> p.getAttributes())
        .containsExactly(route("b"));
    limitB.close();
    totalR.close();
    heldR.close();
    assertThat(reader.collectAllMetrics())
        .extracting(MetricData::getName)
        .doesNotContain("switchboard.test.limit", "switchboard.test.total");
  }

  @Test
  void checksBindingsLikeEverySink() {
    assertThatThrownBy(() -> metrics.counter(CALLS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: one for each of [grpc.target]");
    assertThatThrownBy(() -> metrics.histogram(CALLS, "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> metrics.observe(CALLS, () -> 1, "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> metrics.observe(LIMIT, null, "a"))
        .isInstanceOf(NullPointerException.class);
    assertThat(metrics.isNoop()).isFalse();
  }

  /** The promise hot paths rely on: recording on a bound handle allocates nothing. */
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

  @Test
  void installsGrpcPerCallMetricsOnChannelsAndServers() throws Exception {
    // A code-first method: ServiceSpec marks it as generated stubs do, so grpc names it.
    ServerServiceDefinition echo =
        ServiceBinder.forService(SERVICE).unary(ECHO, request -> request).build();
    TestServer server = grpc.nettyServer(metrics::configureServer, echo);
    NettyChannelBuilder builder = NettyChannelBuilder.forTarget(server.target()).usePlaintext();
    metrics.channelConfigurer().accept(builder);
    ManagedChannel channel = grpc.register(builder.build());

    assertThat(RpcClient.create(channel).unary(ECHO, "hi").get(10, TimeUnit.SECONDS))
        .isEqualTo("hi");
    channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);

    Collection<MetricData> all = reader.collectAllMetrics();
    MetricData client = find(all, "grpc.client.attempt.duration");
    assertThat(client.getHistogramData().getPoints())
        .anySatisfy(
            p -> {
              assertThat(p.getAttributes().get(AttributeKey.stringKey("grpc.method")))
                  .isEqualTo("test.Echo/Echo");
              assertThat(p.getAttributes().get(AttributeKey.stringKey("grpc.status")))
                  .isEqualTo("OK");
              assertThat(p.getCount()).isEqualTo(1);
            });
    MetricData serverDuration = find(all, "grpc.server.call.duration");
    assertThat(serverDuration.getHistogramData().getPoints())
        .anySatisfy(p -> assertThat(p.getCount()).isEqualTo(1));
    assertThat(all)
        .extracting(MetricData::getName)
        .contains(
            "grpc.client.call.duration",
            "grpc.server.call.started",
            "grpc.subchannel.connection_attempts_succeeded");
  }

  private static Attributes route(String route) {
    return Attributes.of(AttributeKey.stringKey("route"), route);
  }

  private MetricData only(String name) {
    return find(reader.collectAllMetrics(), name);
  }

  static MetricData find(Collection<MetricData> all, String name) {
    return InMemoryMetrics.find(all, name);
  }

  static long longValue(MetricData data, Attributes attributes) {
    Collection<? extends LongPointData> points =
        data.getType() == MetricDataType.LONG_GAUGE
            ? data.getLongGaugeData().getPoints()
            : data.getLongSumData().getPoints();
    return points.stream()
        .filter(p -> p.getAttributes().equals(attributes))
        .mapToLong(LongPointData::getValue)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no point " + attributes + " in " + points));
  }
}
