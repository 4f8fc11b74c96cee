package io.switchboard.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.metrics.BoundCounter;
import io.switchboard.core.metrics.BoundHistogram;
import io.switchboard.core.metrics.BoundUpDownCounter;
import io.switchboard.core.metrics.Instrument;
import io.switchboard.core.metrics.MetricSink;
import io.switchboard.core.metrics.Registration;
import io.switchboard.msgpack.schema.SchemaReflection;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The gateway's instruments through the metrics seam: calls by route and protocol, failures. */
class GatewayMetricsTest {
  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  /** A sink that keeps the observed callbacks, read by the test as a collector would. */
  private static final class Observed implements MetricSink {
    final Map<String, LongSupplier> values = new ConcurrentHashMap<>();

    @Override
    public BoundCounter counter(Instrument instrument, String... attributeValues) {
      return n -> {};
    }

    @Override
    public BoundUpDownCounter upDownCounter(Instrument instrument, String... attributeValues) {
      return n -> {};
    }

    @Override
    public BoundHistogram histogram(Instrument instrument, String... attributeValues) {
      return v -> {};
    }

    @Override
    public Registration observe(
        Instrument instrument, LongSupplier value, String... attributeValues) {
      String key = instrument.name() + List.of(attributeValues);
      values.put(key, value);
      return () -> values.remove(key);
    }

    long read(String key) {
      LongSupplier value = values.get(key);
      assertThat(value).as("instrument %s observed", key).isNotNull();
      return value.getAsLong();
    }
  }

  @Test
  void callsByProtocolAndFailuresByCodeAreObservedAndRemovedOnClose() {
    Curl.require();
    Observed sink = new Observed();
    TestServer backend =
        grpc.nettyServer(new EchoBackend("users").definition(), SchemaReflection.newService());
    Gateway gateway =
        Gateway.builder()
            .metrics(sink)
            .route(
                Route.named("users")
                    .service("test.Echo")
                    .target(backend.target())
                    .usePlaintext()
                    .build())
            .build()
            .start();
    try {
      String url = "http://127.0.0.1:" + gateway.port() + "/test.Echo/Echo";
      Curl.post(
          "--http1.1",
          url,
          "{\"seq\":1,\"text\":\"a\"}".getBytes(UTF_8),
          "content-type: application/json");
      Curl.post(
          "--http1.1",
          url,
          "{\"seq\":1,\"text\":\"status:NOT_FOUND:gone\"}".getBytes(UTF_8),
          "content-type: application/json");
      Curl.post(
          "--http2-prior-knowledge",
          url,
          Frames.frame(0, new byte[] {(byte) 0x92, 1, (byte) 0xa1, 'w'}),
          "content-type: application/grpc-web");

      assertThat(sink.read("switchboard.gateway.calls[users, json]")).isEqualTo(2);
      assertThat(sink.read("switchboard.gateway.calls[users, grpc_web]")).isEqualTo(1);
      assertThat(sink.read("switchboard.gateway.calls[users, grpc]")).isZero();
      assertThat(sink.read("switchboard.gateway.failures[users, 5]")).isEqualTo(1);
      assertThat(sink.read("switchboard.gateway.calls.in_flight[users]")).isZero();
      assertThat(sink.read("switchboard.gateway.message.bytes[users, request]")).isPositive();
    } finally {
      gateway.close();
    }
    assertThat(sink.values).as("observations removed when the gateway stops").isEmpty();
  }
}
