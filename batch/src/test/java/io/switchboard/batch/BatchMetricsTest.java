package io.switchboard.batch;

import static io.switchboard.metrics.opentelemetry.InMemoryMetrics.find;
import static io.switchboard.metrics.opentelemetry.InMemoryMetrics.histogram;
import static io.switchboard.metrics.opentelemetry.InMemoryMetrics.names;
import static io.switchboard.metrics.opentelemetry.InMemoryMetrics.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.metrics.Instrument;
import io.switchboard.metrics.micrometer.MicrometerMetrics;
import io.switchboard.metrics.opentelemetry.InMemoryMetrics;
import io.switchboard.metrics.opentelemetry.OpenTelemetryMetrics;
import io.switchboard.testing.Await;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The batch executor's instruments, read back through OpenTelemetry's SDK and Micrometer after real
 * runs: one over Netty with failures and retries, one stopped while calls are in flight.
 */
class BatchMetricsTest {
  static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  final InMemoryMetrics otel = new InMemoryMetrics();
  final OpenTelemetryMetrics metrics = otel.sink();

  @AfterEach
  void closeSdk() {
    otel.close();
  }

  static List<Long> ids(int n) {
    return LongStream.rangeClosed(1, n).boxed().collect(Collectors.toList());
  }

  @Test
  void aRunOverNettyCountsItemsByOutcomeAndCodeBatchesAttemptsRetriesAndItsDuration() {
    // Ids ending in 0 are not found; ids ending in 5 are unavailable once, then found.
    Set<Long> refusedOnce = ConcurrentHashMap.newKeySet();
    BatchHandler<Long, Long> handler =
        BatchHandler.<Long, Long>perItem(
                id -> {
                  if (id % 10 == 0) {
                    throw Status.NOT_FOUND.withDescription("no " + id).asRuntimeException();
                  }
                  if (id % 10 == 5 && refusedOnce.add(id)) {
                    throw Status.UNAVAILABLE.withDescription("busy").asRuntimeException();
                  }
                  return id;
                })
            .executor(grpc.register(java.util.concurrent.Executors.newFixedThreadPool(2)))
            .build();
    TestServer server =
        grpc.nettyServer(
            ServiceBinder.forService(BatchHandlerTest.SERVICE)
                .unaryAsync(
                    BatchHandlerTest.BATCH_GET,
                    req -> handler.handle(req.ids(), BatchHandlerTest::toResults))
                .build());
    RpcClient client = RpcClient.create(server.newChannel()).withTimeout(WAIT);
    try (BatchExecutor<Long, Long> users =
        BatchExecutor.perBatch(
            ids -> client.unary(BatchHandlerTest.BATCH_GET, new BatchHandlerTest.Ids(ids)),
            BatchHandlerTest::toReply,
            BatchSettings.newBuilder()
                .name("users")
                .metrics(metrics)
                .batchSize(10)
                .maxInFlight(4)
                .retry(RetrySettings.newBuilder().initialBackoff(Duration.ofMillis(1)).build())
                .build())) {
      BatchResult<Long, Long> result = users.execute(ids(100)).join();
      assertThat(result.succeededCount()).isEqualTo(90);
      assertThat(result.failuresByCode()).isEqualTo(Map.of(Status.Code.NOT_FOUND, 10L));

      Collection<MetricData> all = otel.collect();
      assertThat(find(all, "switchboard.batch.items").getUnit()).isEqualTo("{item}");
      assertThat(value(all, "switchboard.batch.items", items("users", "succeeded", "OK")))
          .isEqualTo(90);
      assertThat(value(all, "switchboard.batch.items", items("users", "failed", "NOT_FOUND")))
          .isEqualTo(10);
      assertThat(value(all, "switchboard.batch.batches", Map.of("switchboard.batch", "users")))
          .isEqualTo(10);
      assertThat(value(all, "switchboard.batch.attempts", attempt("users", "first"))).isEqualTo(10);
      assertThat(value(all, "switchboard.batch.attempts", attempt("users", "retry")))
          .as("each batch retried its one unavailable item once")
          .isEqualTo(10);
      // First attempts learned UNAVAILABLE (a push-back, though NOT_FOUND came too); retries OK.
      assertThat(histogram(all, "switchboard.batch.attempt.duration", status("UNAVAILABLE")))
          .satisfies(p -> assertThat(p.getCount()).isEqualTo(10));
      assertThat(histogram(all, "switchboard.batch.attempt.duration", status("OK")))
          .satisfies(p -> assertThat(p.getCount()).isEqualTo(10));
      HistogramPointData run =
          histogram(
              all,
              "switchboard.batch.run.duration",
              Map.of("switchboard.batch", "users", "switchboard.batch.run.end", "completed"));
      assertThat(run.getCount()).isEqualTo(1);
      assertThat(run.getSum()).isPositive().isLessThan(WAIT.toSeconds());
      assertThat(find(all, "switchboard.batch.run.duration").getUnit()).isEqualTo("s");
      assertThat(value(all, "switchboard.batch.calls.in_flight", Map.of()))
          .as("no run going on")
          .isZero();
    }
    assertThat(names(otel.collect()))
        .as("a closed executor leaves no observed series behind")
        .doesNotContain("switchboard.batch.calls.in_flight", "switchboard.batch.concurrency.limit");
  }

  @Test
  void theAdaptiveLimitAndCallsInFlightAreObservedWhileARunGoesOnAndAStopIsCounted() {
    // Twenty immediate RESOURCE_EXHAUSTED answers take the AIMD limit from 10 down to its
    // minimum of 1 (x0.9 each); the next calls never answer, so one stays in flight.
    List<CompletableFuture<Long>> parked = new CopyOnWriteArrayList<>();
    try (BatchExecutor<Long, Long> ex =
        BatchExecutor.perItem(
            id -> {
              if (id <= 20) {
                return CompletableFuture.failedFuture(
                    Status.RESOURCE_EXHAUSTED.withDescription("slow down").asRuntimeException());
              }
              CompletableFuture<Long> never = new CompletableFuture<>();
              parked.add(never);
              return never;
            },
            BatchSettings.newBuilder()
                .name("lookups")
                .metrics(metrics)
                .concurrency(Concurrency.adaptive(1, 10, 10))
                .retry(RetrySettings.none())
                .build())) {
      CompletableFuture<BatchResult<Long, Long>> run = ex.execute(ids(30));
      Await.until(WAIT, () -> parked.size() == 1, () -> "one call parked: " + parked);
      Collection<MetricData> during = otel.collect();
      Map<String, String> lookups = Map.of("switchboard.batch", "lookups");
      assertThat(value(during, "switchboard.batch.concurrency.limit", lookups)).isEqualTo(1);
      assertThat(value(during, "switchboard.batch.calls.in_flight", lookups)).isEqualTo(1);

      assertThat(run.cancel(false)).isTrue();
      Await.until(WAIT, () -> parked.get(0).isCancelled(), () -> "the parked call cancelled");
      Collection<MetricData> after = otel.collect();
      assertThat(
              value(
                  after,
                  "switchboard.batch.items",
                  items("lookups", "failed", "RESOURCE_EXHAUSTED")))
          .isEqualTo(20);
      assertThat(value(after, "switchboard.batch.items", items("lookups", "failed", "CANCELLED")))
          .as("the call in flight")
          .isEqualTo(1);
      assertThat(
              value(
                  after, "switchboard.batch.items", items("lookups", "not_attempted", "CANCELLED")))
          .isEqualTo(9);
      assertThat(value(after, "switchboard.batch.batches", lookups)).isEqualTo(30);
      assertThat(value(after, "switchboard.batch.attempts", attempt("lookups", "first")))
          .isEqualTo(21);
      assertThat(
              histogram(
                      after,
                      "switchboard.batch.run.duration",
                      Map.of(
                          "switchboard.batch", "lookups", "switchboard.batch.run.end", "stopped"))
                  .getCount())
          .isEqualTo(1);
      assertThat(value(after, "switchboard.batch.concurrency.limit", lookups)).isZero();
    }
  }

  @Test
  void micrometerSeesTheSameInstruments() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (BatchExecutor<Long, Long> ex =
        BatchExecutor.perItem(
            id ->
                id % 4 == 0
                    ? CompletableFuture.failedFuture(Status.NOT_FOUND.asRuntimeException())
                    : CompletableFuture.completedFuture(id),
            BatchSettings.newBuilder()
                .name("ids")
                .metrics(MicrometerMetrics.create(registry))
                .build())) {
      ex.execute(ids(20)).get(10, TimeUnit.SECONDS);
      assertThat(
              registry
                  .get("switchboard.batch.items")
                  .tags("switchboard.batch", "ids", "switchboard.batch.outcome", "failed")
                  .tag("grpc.status", "NOT_FOUND")
                  .counter()
                  .count())
          .isEqualTo(5);
      assertThat(
              registry
                  .get("switchboard.batch.attempts")
                  .tags("switchboard.batch.attempt", "first")
                  .counter()
                  .count())
          .isEqualTo(20);
      assertThat(
              registry
                  .get("switchboard.batch.run.duration")
                  .tag("switchboard.batch.run.end", "completed")
                  .timer()
                  .count())
          .isEqualTo(1);
    }
  }

  @Test
  void everyInstrumentIsInTheReadmeTable() throws Exception {
    String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
    for (Instrument instrument : BatchMetrics.ALL) {
      assertThat(readme)
          .as("the README's metrics table lists %s", instrument.name())
          .contains("| `" + instrument.name() + "` |");
    }
  }

  static Map<String, String> items(String batch, String outcome, String code) {
    return Map.of(
        "switchboard.batch", batch, "switchboard.batch.outcome", outcome, "grpc.status", code);
  }

  static Map<String, String> attempt(String batch, String which) {
    return Map.of("switchboard.batch", batch, "switchboard.batch.attempt", which);
  }

  static Map<String, String> status(String code) {
    return Map.of("switchboard.batch", "users", "grpc.status", code);
  }
}
