package io.switchboard.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.metrics.micrometer.MicrometerMetrics;
import io.switchboard.metrics.opentelemetry.OpenTelemetryMetrics;
import io.switchboard.testing.Await;
import io.switchboard.testing.EchoService;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The pool's instruments, read back through OpenTelemetry's SDK and Micrometer after real calls.
 */
class PoolMetricsTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  static final MethodSpec<String, String> ECHO = MethodSpec.of(EchoService.ECHO);
  static final MethodSpec<String, String> HANG = MethodSpec.of(EchoService.HANG);

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  final InMemoryMetricReader reader = InMemoryMetricReader.create();
  final OpenTelemetrySdk sdk =
      OpenTelemetrySdk.builder()
          .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
          .build();
  final OpenTelemetryMetrics metrics = OpenTelemetryMetrics.create(sdk);
  final EchoService backend = new EchoService("a");
  final HealthStatusManager health = new HealthStatusManager();

  @AfterEach
  void closeSdk() {
    sdk.close();
  }

  TestServer server() {
    TestServer server =
        grpc.nettyServer(b -> b.addService(health.getHealthService()), backend.definition());
    health.setStatus("", ServingStatus.SERVING);
    return server;
  }

  @Test
  void growingPoolShowsChannelsCallsPicksEventsAndGrpcPerCallMetrics() {
    TestServer server = server();
    ChannelPool pool =
        grpc.register(
            ChannelPool.newBuilder(server.target())
                .usePlaintext()
                .name("users")
                .callsPerChannel(2)
                .maxChannels(3)
                .metrics(metrics)
                .channelCustomizer(metrics.channelConfigurer())
                .build());
    RpcClient client = RpcClient.create(pool).withTimeout(WAIT);
    assertThat(client.unary(ECHO, "hi").join()).isEqualTo("a:hi");
    List<CompletableFuture<String>> held = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      held.add(client.unary(HANG, "wait"));
    }
    Await.until(WAIT, () -> backend.heldCount() == 6, () -> "6 held");
    Await.until(
        WAIT,
        () -> pool.stats().channels().stream().allMatch(c -> c.state().name().equals("READY")),
        () -> pool.stats().toTable());

    Collection<MetricData> all = reader.collectAllMetrics();
    assertThat(value(all, "switchboard.pool.calls.in_flight", Map.of("switchboard.pool", "users")))
        .isEqualTo(6);
    assertThat(value(all, "switchboard.pool.picks", Map.of("switchboard.pool", "users")))
        .isEqualTo(7);
    assertThat(
            value(
                all,
                "switchboard.pool.channel.events",
                Map.of("switchboard.pool", "users", "switchboard.pool.event", "grown")))
        .isEqualTo(2);
    assertThat(
            value(
                all,
                "switchboard.pool.channels",
                Map.of(
                    "switchboard.pool",
                    "users",
                    "switchboard.channel.role",
                    "active",
                    "switchboard.channel.state",
                    "READY")))
        .isEqualTo(3);
    assertThat(
            value(
                all,
                "switchboard.pool.channels",
                Map.of(
                    "switchboard.channel.role", "draining", "switchboard.channel.state", "READY")))
        .isZero();
    // grpc-java's own per-call metrics, on the pool's channels through the customizer.
    // (EchoService's descriptors are not marked sampledToLocalTracing: grpc.method is "other".)
    assertThat(
            find(all, "grpc.client.attempt.started").getLongSumData().getPoints().stream()
                .filter(
                    p ->
                        p.getAttributes()
                            .get(AttributeKey.stringKey("grpc.target"))
                            .endsWith(":" + server.port()))
                .mapToLong(LongPointData::getValue)
                .sum())
        .isEqualTo(7);

    backend.releaseHeld();
    held.forEach(CompletableFuture::join);
    assertThat(
            value(
                reader.collectAllMetrics(),
                "switchboard.pool.calls.in_flight",
                Map.of("switchboard.pool", "users")))
        .isZero();

    pool.shutdown();
    assertThat(names(reader.collectAllMetrics()))
        .as("a shut-down pool leaves no observed series behind")
        .doesNotContain("switchboard.pool.channels", "switchboard.pool.picks");
  }

  @Test
  void healthChecksAndWarmUpsAreRecordedAsTheyEnd() {
    TestServer server = server();
    ChannelPool pool =
        grpc.register(
            ChannelPool.newBuilder(server.target())
                .usePlaintext()
                .name("checked")
                .healthCheck("", Duration.ofMillis(100), Duration.ofMillis(100))
                .maxChannelAge(Duration.ofMillis(300))
                .maintenanceInterval(Duration.ofMillis(50))
                .metrics(metrics)
                .build());
    Await.until(WAIT, () -> pool.stats().refreshed() >= 1, () -> pool.stats().toTable());
    Map<String, String> serving =
        Map.of("switchboard.pool", "checked", "switchboard.health_check.result", "serving");
    Await.until(
        WAIT,
        () -> value(reader.collectAllMetrics(), "switchboard.pool.health_checks", serving) >= 2,
        () -> "2 health checks answered SERVING");

    health.setStatus("", ServingStatus.NOT_SERVING);
    Map<String, String> notServing =
        Map.of("switchboard.pool", "checked", "switchboard.health_check.result", "not_serving");
    Await.until(
        WAIT,
        () -> value(reader.collectAllMetrics(), "switchboard.pool.health_checks", notServing) >= 1,
        () -> "a health check answered NOT_SERVING");

    Collection<MetricData> all = reader.collectAllMetrics();
    MetricData warmUps = find(all, "switchboard.pool.channel.warm_up.duration");
    assertThat(warmUps.getUnit()).isEqualTo("s");
    assertThat(warmUps.getHistogramData().getPoints())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getCount()).isGreaterThanOrEqualTo(pool.stats().refreshed());
              assertThat(p.getMax()).isPositive().isLessThan(WAIT.toSeconds());
            });
    assertThat(
            value(
                all,
                "switchboard.pool.channel.events",
                Map.of("switchboard.pool", "checked", "switchboard.pool.event", "refreshed")))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void micrometerSeesTheSameInstruments() {
    TestServer server = server();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ChannelPool pool =
        grpc.register(
            ChannelPool.newBuilder(server.target())
                .usePlaintext()
                .name("users")
                .callsPerChannel(1)
                .maxChannels(2)
                .metrics(MicrometerMetrics.create(registry))
                .build());
    RpcClient client = RpcClient.create(pool).withTimeout(WAIT);
    CompletableFuture<String> first = client.unary(HANG, "1");
    CompletableFuture<String> second = client.unary(HANG, "2");
    Await.until(WAIT, () -> backend.heldCount() == 2, () -> "2 held");
    Await.until(
        WAIT,
        () ->
            registry
                    .get("switchboard.pool.channel.events")
                    .tags("switchboard.pool", "users", "switchboard.pool.event", "grown")
                    .functionCounter()
                    .count()
                == 1,
        () -> "grown once: " + pool.stats().toTable());
    assertThat(registry.get("switchboard.pool.picks").functionCounter().count()).isEqualTo(2);
    assertThat(registry.get("switchboard.pool.calls.in_flight").gauge().value()).isEqualTo(2);
    backend.releaseHeld();
    first.join();
    second.join();
    pool.shutdown();
    assertThat(registry.find("switchboard.pool.picks").functionCounter()).isNull();
  }

  /** The pool's calls run in the caller's io.grpc.Context: its deadline and its cancellation. */
  @Test
  void callsKeepTheCallersContext() throws Exception {
    TestServer server = server();
    ChannelPool pool =
        grpc.register(ChannelPool.newBuilder(server.target()).usePlaintext().build());
    Context.CancellableContext context =
        Context.current()
            .withDeadlineAfter(
                30,
                TimeUnit.SECONDS,
                grpc.register(java.util.concurrent.Executors.newSingleThreadScheduledExecutor()));
    CompletableFuture<String> call = context.call(() -> RpcClient.create(pool).unary(HANG, "x"));
    Await.until(WAIT, () -> backend.heldCount() == 1, () -> "held");
    Deadline seen = backend.lastDeadline().orElseThrow();
    assertThat(seen.timeRemaining(TimeUnit.SECONDS)).isBetween(20L, 30L);
    context.cancel(null);
    backend.awaitCancellation(WAIT);
    assertThat(call).isCompletedExceptionally();
  }

  static MetricData find(Collection<MetricData> all, String name) {
    List<MetricData> found = all.stream().filter(m -> m.getName().equals(name)).toList();
    assertThat(found).as("%s among %s", name, names(all)).hasSize(1);
    return found.get(0);
  }

  static List<String> names(Collection<MetricData> all) {
    return all.stream().map(MetricData::getName).sorted().toList();
  }

  /** The value of the one long point whose attributes include the given ones; 0 if none. */
  static long value(Collection<MetricData> all, String name, Map<String, String> attributes) {
    MetricData data = find(all, name);
    Collection<? extends PointData> points = data.getData().getPoints();
    Function<PointData, Boolean> matches =
        p -> {
          Attributes a = p.getAttributes();
          return attributes.entrySet().stream()
              .allMatch(e -> e.getValue().equals(a.get(AttributeKey.stringKey(e.getKey()))));
        };
    List<Long> values =
        points.stream().filter(matches::apply).map(p -> ((LongPointData) p).getValue()).toList();
    assertThat(values).as("points %s%s in %s", name, attributes, points).hasSizeLessThan(2);
    return values.isEmpty() ? 0 : values.get(0);
  }
}
