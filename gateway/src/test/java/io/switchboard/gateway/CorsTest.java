package io.switchboard.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.msgpack.schema.SchemaReflection;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CORS, global and per route: preflights answered, gRPC's and Connect's headers exposed. */
class CorsTest {
  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private String base;

  @BeforeEach
  void start() {
    Curl.require();
    TestServer backend =
        grpc.nettyServer(
            new EchoBackend("users").definition(),
            RawBackend.definition(),
            SchemaReflection.newService());
    Gateway gateway =
        grpc.register(
                Gateway.builder()
                    .cors(Cors.newBuilder().allowOrigin("https://app.example").build())
                    .route(
                        Route.named("users")
                            .service("test.Echo")
                            .target(backend.target())
                            .usePlaintext()
                            .build())
                    .route(
                        Route.named("raw")
                            .service("test.Raw")
                            .target(backend.target())
                            .usePlaintext()
                            .cors(Cors.newBuilder().allowOrigin("*").build())
                            .build())
                    .build())
            .start();
    base = "http://127.0.0.1:" + gateway.port();
  }

  @Test
  void preflightOfAnAllowedOriginIsAnswered() {
    Curl.Response preflight =
        Curl.run(
            List.of("--http1.1", "-X", "OPTIONS"),
            base + "/test.Echo/Echo",
            null,
            30,
            "origin: https://app.example",
            "access-control-request-method: POST",
            "access-control-request-headers: content-type,x-grpc-web");

    assertThat(preflight.status()).isEqualTo(204);
    assertThat(preflight.header("access-control-allow-origin")).isEqualTo("https://app.example");
    assertThat(preflight.header("access-control-allow-methods")).isEqualTo("POST");
    assertThat(preflight.header("access-control-allow-headers"))
        .isEqualTo("content-type,x-grpc-web");
    assertThat(preflight.header("access-control-max-age")).isEqualTo("7200");
  }

  @Test
  void preflightOfAnotherOriginOrHeaderIsRefused() {
    Curl.Response otherOrigin =
        Curl.run(
            List.of("--http2-prior-knowledge", "-X", "OPTIONS"),
            base + "/test.Echo/Echo",
            null,
            30,
            "origin: https://evil.example",
            "access-control-request-method: POST");
    Curl.Response otherHeader =
        Curl.run(
            List.of("--http1.1", "-X", "OPTIONS"),
            base + "/test.Echo/Echo",
            null,
            30,
            "origin: https://app.example",
            "access-control-request-method: POST",
            "access-control-request-headers: x-secret");

    assertThat(otherOrigin.status()).isEqualTo(403);
    assertThat(otherOrigin.header("access-control-allow-origin")).isNull();
    assertThat(otherOrigin.text()).contains("CORS preflight refused");
    assertThat(otherHeader.status()).isEqualTo(403);
  }

  @Test
  void responsesToAnAllowedOriginExposeGrpcAndConnectHeaders() {
    Curl.Response json =
        Curl.post(
            "--http1.1",
            base + "/test.Echo/Echo",
            "{\"seq\":1,\"text\":\"c\"}".getBytes(UTF_8),
            "content-type: application/json",
            "origin: https://app.example");
    Curl.Response stranger =
        Curl.post(
            "--http1.1",
            base + "/test.Echo/Echo",
            "{\"seq\":1,\"text\":\"c\"}".getBytes(UTF_8),
            "content-type: application/json",
            "origin: https://evil.example");

    assertThat(json.header("access-control-allow-origin")).isEqualTo("https://app.example");
    assertThat(json.header("access-control-expose-headers"))
        .contains(
            "grpc-status", "grpc-message", "grpc-status-details-bin", "connect-content-encoding");
    assertThat(stranger.status()).isEqualTo(200); // the browser, not the gateway, withholds it
    assertThat(stranger.header("access-control-allow-origin")).isNull();
  }

  @Test
  void aRoutesOwnSettingsWinOverTheGatewaysOnes() {
    Curl.Response raw =
        Curl.post(
            "--http2-prior-knowledge",
            base + "/test.Raw/Echo",
            Frames.frame(0, "x".getBytes(UTF_8)),
            "content-type: application/grpc-web",
            "origin: https://anyone.example");

    assertThat(raw.header("access-control-allow-origin")).isEqualTo("*");
    assertThat(Frames.trailers(Frames.parse(raw.body()).get(1))).containsEntry("grpc-status", "0");
  }
}
