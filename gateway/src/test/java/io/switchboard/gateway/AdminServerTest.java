package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdminServerTest {
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final PrometheusMetricReader reader = PrometheusMetricReader.create();
  final SdkMeterProvider provider = SdkMeterProvider.builder().registerMetricReader(reader).build();
  final PrometheusRegistry registry = new PrometheusRegistry();
  AdminServer admin;

  @AfterEach
  void close() {
    if (admin != null) {
      admin.close();
    }
    provider.close();
  }

  @Test
  void servesPrometheusTextHealthAndReadinessOnLoopback() throws Exception {
    registry.register(reader);
    provider.get("test").counterBuilder("switchboard.test.calls").setUnit("{call}").build().add(3);
    AtomicBoolean ready = new AtomicBoolean(false);
    admin =
        AdminServer.newBuilder()
            .port(0)
            .metrics(new MetricsHandler(registry))
            .readiness(ready::get)
            .build()
            .start();
    assertThat(admin.address().getAddress()).isEqualTo(InetAddress.getLoopbackAddress());

    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("content-type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
    PrometheusText.Exposition scrape = PrometheusText.parse(metrics.body());
    assertThat(scrape.types()).containsEntry("switchboard_test_calls", "counter");
    assertThat(scrape.value("switchboard_test_calls_total", Map.of())).isEqualTo(3);

    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    assertThat(get("/readyz").statusCode()).isEqualTo(503);
    ready.set(true);
    assertThat(get("/readyz").statusCode()).isEqualTo(200);
    assertThat(get("/elsewhere").statusCode()).isEqualTo(404);
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(uri("/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
  }

  @Test
  void aFailingReadinessCheckIsNotReadyAndMetricsNeedAHandler() throws Exception {
    admin =
        AdminServer.newBuilder()
            .port(0)
            .readiness(
                () -> {
                  throw new IllegalStateException("boom");
                })
            .build()
            .start();
    assertThat(get("/readyz").statusCode()).isEqualTo(503);
    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(404);
    assertThat(metrics.body()).contains("no metrics installed");
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
  }

  @Test
  void checksItsSettings() throws IOException {
    assertThatThrownBy(() -> AdminServer.newBuilder().port(65536))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port: 65536 (expected: 0..65535)");
    assertThatThrownBy(() -> AdminServer.newBuilder().metrics(null))
        .isInstanceOf(NullPointerException.class);
    admin = AdminServer.newBuilder().port(0).build().start();
    int taken = admin.address().getPort();
    assertThatThrownBy(() -> AdminServer.newBuilder().port(taken).build())
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("admin endpoint: cannot listen on");
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + admin.address().getPort() + path);
  }
}
