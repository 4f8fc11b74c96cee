package io.switchboard.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.switchboard.msgpack.schema.SchemaReflection;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gateway's one port with real clients: curl over HTTP/1.1, HTTP/2 with prior knowledge and
 * HTTP/2 by upgrade, for Connect JSON (unary and server-streaming) and gRPC-Web (binary and text),
 * and grpc-java's native gRPC on the same port; bad input per protocol; deadlines, cancellation and
 * per-protocol metrics.
 */
class EdgeTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String JSON = "content-type: application/json";
  private static final String CONNECT_STREAM = "content-type: application/connect+json";
  private static final String GRPC_WEB = "content-type: application/grpc-web+msgpack";
  private static final String GRPC_WEB_TEXT = "content-type: application/grpc-web-text";

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private final EchoBackend users = new EchoBackend("users");
  private Gateway gateway;
  private String base;

  @BeforeEach
  void start() {
    Curl.require();
    TestServer backend = grpc.nettyServer(users.definition(), SchemaReflection.newService());
    gateway =
        grpc.register(
                Gateway.builder()
                    .route(
                        Route.named("users")
                            .service("test.Echo")
                            .target(backend.target())
                            .usePlaintext()
                            .maxMessageBytes(64 * 1024)
                            .build())
                    .build())
            .start();
    base = "http://127.0.0.1:" + gateway.port();
  }

  @ParameterizedTest
  @ValueSource(strings = {"--http1.1", "--http2-prior-knowledge", "--http2"})
  void jsonUnaryOverCurl(String version) {
    Curl.Response response =
        Curl.post(
            version, base + "/test.Echo/Echo", "{\"seq\":7,\"text\":\"hi\"}".getBytes(UTF_8), JSON);

    assertThat(response.httpVersion()).isEqualTo(version.equals("--http1.1") ? "1.1" : "2");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.header("content-type")).isEqualTo("application/json");
    assertThat(response.text()).isEqualTo("{\"seq\":7,\"text\":\"users:hi\"}");
    assertThat(response.header("x-backend")).isEqualTo("users");
    assertThat(response.header("trailer-x-backend-trailer")).isEqualTo("done");
  }

  @ParameterizedTest
  @ValueSource(strings = {"--http1.1", "--http2-prior-knowledge"})
  void jsonServerStreamOverCurl(String version) {
    Curl.Response response =
        Curl.post(
            version,
            base + "/test.Echo/Count",
            Frames.frame(0, "{\"seq\":3,\"text\":\"s\"}".getBytes(UTF_8)),
            CONNECT_STREAM);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.header("content-type")).isEqualTo("application/connect+json");
    List<Frames.Frame> frames = Frames.parse(response.body());
    assertThat(frames).hasSize(4);
    for (int i = 0; i < 3; i++) {
      assertThat(frames.get(i).flags()).isZero();
      assertThat(frames.get(i).text()).isEqualTo("{\"seq\":" + i + ",\"text\":\"s\"}");
    }
    assertThat(frames.get(3).flags()).isEqualTo(2);
    assertThat(frames.get(3).text())
        .doesNotContain("error")
        .contains("\"x-backend-trailer\":[\"done\"]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"--http1.1", "--http2-prior-knowledge"})
  void grpcWebUnaryAndServerStreamOverCurl(String version) {
    Curl.Response unary =
        Curl.post(
            version,
            base + "/test.Echo/Echo",
            Frames.frame(0, msgpack(new Msg(7, "hi"))),
            GRPC_WEB,
            "x-grpc-web: 1");

    assertThat(unary.status()).isEqualTo(200);
    assertThat(unary.header("content-type")).isEqualTo("application/grpc-web+msgpack");
    List<Frames.Frame> frames = Frames.parse(unary.body());
    assertThat(frames).hasSize(2);
    assertThat(msg(frames.get(0).payload())).isEqualTo(new Msg(7, "users:hi"));
    assertThat(frames.get(1).flags()).isEqualTo(0x80);
    assertThat(Frames.trailers(frames.get(1)))
        .containsEntry("grpc-status", "0")
        .containsEntry("x-backend-trailer", "done")
        .containsEntry("x-detail-bin", "AAEC/w");

    Curl.Response stream =
        Curl.post(
            version,
            base + "/test.Echo/Count",
            Frames.frame(0, msgpack(new Msg(5, "s"))),
            GRPC_WEB);
    List<Frames.Frame> messages = Frames.parse(stream.body());
    assertThat(messages).hasSize(6);
    for (int i = 0; i < 5; i++) {
      assertThat(msg(messages.get(i).payload())).isEqualTo(new Msg(i, "s"));
    }
    assertThat(Frames.trailers(messages.get(5))).containsEntry("grpc-status", "0");
  }

  @Test
  void grpcWebTextOverCurl() {
    byte[] body = Base64.getEncoder().encode(Frames.frame(0, msgpack(new Msg(3, "t"))));

    Curl.Response response = Curl.post("--http1.1", base + "/test.Echo/Count", body, GRPC_WEB_TEXT);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.header("content-type")).isEqualTo("application/grpc-web-text+proto");
    List<Frames.Frame> frames = Frames.parse(decodeChunks(response.text()));
    assertThat(frames).hasSize(4);
    assertThat(msg(frames.get(2).payload())).isEqualTo(new Msg(2, "t"));
    assertThat(Frames.trailers(frames.get(3))).containsEntry("grpc-status", "0");
  }

  @Test
  void nativeGrpcOnTheSamePortAsJson() {
    ManagedChannel client =
        grpc.register(NettyChannelBuilder.forAddress(gateway.address()).usePlaintext().build());

    Msg reply =
        ClientCalls.blockingUnaryCall(
            client,
            EchoBackend.ECHO.descriptor(),
            CallOptions.DEFAULT.withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS),
            new Msg(1, "native"));
    Curl.Response json =
        Curl.post(
            "--http2-prior-knowledge",
            base + "/test.Echo/Echo",
            "{\"seq\":2,\"text\":\"json\"}".getBytes(UTF_8),
            JSON);
    Curl.Response web =
        Curl.post(
            "--http1.1",
            base + "/test.Echo/Echo",
            Frames.frame(0, msgpack(new Msg(3, "web"))),
            GRPC_WEB);

    assertThat(reply).isEqualTo(new Msg(1, "users:native"));
    assertThat(json.text()).isEqualTo("{\"seq\":2,\"text\":\"users:json\"}");
    assertThat(msg(Frames.parse(web.body()).get(0).payload())).isEqualTo(new Msg(3, "users:web"));
    RouteMetrics metrics = gateway.metrics().get("users");
    assertThat(metrics.calls(Protocol.GRPC)).isEqualTo(1);
    assertThat(metrics.calls(Protocol.JSON)).isEqualTo(1);
    assertThat(metrics.calls(Protocol.GRPC_WEB)).isEqualTo(1);
    assertThat(metrics.calls()).isEqualTo(3);
  }

  @ParameterizedTest
  @ValueSource(strings = {"--http1.1", "--http2-prior-knowledge"})
  void badInputGetsItsDocumentedErrorAndTheGatewayKeepsServing(String version) {
    // Malformed JSON: invalid_argument naming the position.
    Curl.Response malformed =
        Curl.post(
            version, base + "/test.Echo/Echo", "{\"seq\": 1, \"text\": ".getBytes(UTF_8), JSON);
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.text())
        .contains("\"code\":\"invalid_argument\"")
        .contains("line 1, column");

    // A field of the wrong type: invalid_argument naming the field.
    Curl.Response wrongType =
        Curl.post(
            version,
            base + "/test.Echo/Echo",
            "{\"seq\":\"x\",\"text\":\"a\"}".getBytes(UTF_8),
            JSON);
    assertThat(wrongType.status()).isEqualTo(400);
    assertThat(wrongType.text()).contains("$.seq");

    // A truncated gRPC-Web frame: the prefix announces 100 bytes, 10 come.
    byte[] truncated = java.util.Arrays.copyOf(Frames.frame(0, new byte[100]), 15);
    Curl.Response cut = Curl.post(version, base + "/test.Echo/Echo", truncated, GRPC_WEB);
    assertThat(cut.status()).isEqualTo(200);
    Map<String, String> cutTrailers = Frames.trailers(Frames.parse(cut.body()).get(0));
    assertThat(cutTrailers).containsEntry("grpc-status", "3");
    assertThat(cutTrailers.get("grpc-message")).contains("truncated");

    // Wrong base64 in gRPC-Web-text.
    Curl.Response badBase64 =
        Curl.post(version, base + "/test.Echo/Echo", "AAAA*AAA".getBytes(UTF_8), GRPC_WEB_TEXT);
    Map<String, String> base64Trailers =
        Frames.trailers(Frames.parse(decodeChunks(badBase64.text())).get(0));
    assertThat(base64Trailers).containsEntry("grpc-status", "3");
    assertThat(base64Trailers.get("grpc-message")).contains("not valid base64");

    // A body over the route's limit (64 KiB): JSON and gRPC-Web.
    byte[] huge = ("{\"seq\":1,\"text\":\"" + "x".repeat(100_000) + "\"}").getBytes(UTF_8);
    Curl.Response tooBig = Curl.post(version, base + "/test.Echo/Echo", huge, JSON);
    assertThat(tooBig.status()).isEqualTo(429);
    assertThat(tooBig.text()).contains("resource_exhausted").contains("route users");
    Curl.Response tooBigWeb =
        Curl.post(version, base + "/test.Echo/Echo", Frames.frame(0, new byte[100_000]), GRPC_WEB);
    assertThat(tooBigWeb.body()).as("curl: %s", tooBigWeb.log()).isNotEmpty();
    assertThat(Frames.trailers(Frames.parse(tooBigWeb.body()).get(0)))
        .containsEntry("grpc-status", "8");

    // Unknown method, unknown service, unknown content type, unknown path.
    Curl.Response unknownMethod =
        Curl.post(version, base + "/test.Echo/Nope", "{}".getBytes(UTF_8), JSON);
    assertThat(unknownMethod.status()).isEqualTo(501);
    assertThat(unknownMethod.text()).contains("unimplemented").contains("no method Nope");
    Curl.Response unknownService =
        Curl.post(
            version, base + "/no.Such/Call", Frames.frame(0, new byte[] {(byte) 0x80}), GRPC_WEB);
    assertThat(Frames.trailers(Frames.parse(unknownService.body()).get(0)))
        .containsEntry("grpc-status", "12");
    Curl.Response badType =
        Curl.post(
            version, base + "/test.Echo/Echo", "x".getBytes(UTF_8), "content-type: text/plain");
    assertThat(badType.status()).isEqualTo(415);
    assertThat(badType.text()).contains("unsupported content-type 'text/plain'");
    Curl.Response badPath = Curl.post(version, base + "/index.html", "x".getBytes(UTF_8), JSON);
    assertThat(badPath.status()).isEqualTo(404);
    assertThat(badPath.text()).contains("no such route");

    // Still serving.
    Curl.Response ok =
        Curl.post(
            version,
            base + "/test.Echo/Echo",
            "{\"seq\":9,\"text\":\"after\"}".getBytes(UTF_8),
            JSON);
    assertThat(ok.text()).isEqualTo("{\"seq\":9,\"text\":\"users:after\"}");
  }

  @Test
  void clientAndBidiStreamingAreRefusedOverGrpcWebAndJson() {
    Curl.Response twoMessages =
        Curl.post(
            "--http1.1",
            base + "/test.Echo/Join",
            Frames.concat(
                Frames.frame(0, msgpack(new Msg(1, "a"))),
                Frames.frame(0, msgpack(new Msg(2, "b")))),
            GRPC_WEB);
    Map<String, String> trailers = Frames.trailers(Frames.parse(twoMessages.body()).get(0));
    assertThat(trailers).containsEntry("grpc-status", "12");
    assertThat(trailers.get("grpc-message"))
        .contains("client- and bidi-streaming calls need native gRPC");

    Curl.Response json =
        Curl.post("--http1.1", base + "/test.Echo/Chat", "{}".getBytes(UTF_8), JSON);
    assertThat(json.status()).isEqualTo(501);
    assertThat(json.text()).contains("BIDI_STREAMING");

    Curl.Response unaryOnStream =
        Curl.post(
            "--http1.1",
            base + "/test.Echo/Count",
            "{\"seq\":1,\"text\":\"a\"}".getBytes(UTF_8),
            JSON);
    assertThat(unaryOnStream.status()).isEqualTo(501);
    assertThat(unaryOnStream.text()).contains("application/connect+json");
  }

  @Test
  void deadlinesFromConnectAndGrpcWebHeadersReachTheBackend() {
    Curl.Response json =
        Curl.post(
            "--http2-prior-knowledge",
            base + "/test.Echo/Hang",
            "{\"seq\":1,\"text\":\"a\"}".getBytes(UTF_8),
            JSON,
            "connect-timeout-ms: 300");
    assertThat(json.status()).isEqualTo(504);
    assertThat(json.text()).contains("deadline_exceeded");
    assertThat(users.lastDeadline.get())
        .hasValueSatisfying(
            d -> assertThat(d.timeRemaining(TimeUnit.MILLISECONDS)).isLessThanOrEqualTo(300));

    Curl.Response web =
        Curl.post(
            "--http1.1",
            base + "/test.Echo/Hang",
            Frames.frame(0, msgpack(new Msg(1, "a"))),
            GRPC_WEB,
            "grpc-timeout: 300m");
    assertThat(Frames.trailers(Frames.parse(web.body()).get(0))).containsEntry("grpc-status", "4");

    Curl.Response bad =
        Curl.post(
            "--http1.1",
            base + "/test.Echo/Echo",
            "{}".getBytes(UTF_8),
            JSON,
            "connect-timeout-ms: soon");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.text()).contains("malformed connect-timeout-ms");
  }

  @ParameterizedTest
  @ValueSource(strings = {"--http1.1", "--http2-prior-knowledge"})
  void clientClosingCancelsTheBackendCall(String version) throws InterruptedException {
    Curl.Response gone =
        Curl.run(
            version,
            base + "/test.Echo/Hang",
            "{\"seq\":1,\"text\":\"a\"}".getBytes(UTF_8),
            1,
            JSON);

    assertThat(gone.status()).isZero(); // curl gave up: no response
    assertThat(users.cancelled.await(WAIT.toSeconds(), TimeUnit.SECONDS))
        .as("backend call cancelled after the client went away")
        .isTrue();
  }

  private static byte[] msgpack(Msg message) {
    try (var in = EchoBackend.CODEC.stream(message)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Msg msg(byte[] bytes) {
    return EchoBackend.CODEC.parse(new java.io.ByteArrayInputStream(bytes));
  }

  /** Decodes gRPC-Web-text, whose chunks are each padded base64, quantum by quantum. */
  static byte[] decodeChunks(String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String chars = text.strip();
    for (int i = 0; i + 4 <= chars.length(); i += 4) {
      out.writeBytes(Base64.getDecoder().decode(chars.substring(i, i + 4)));
    }
    return out.toByteArray();
  }
}
