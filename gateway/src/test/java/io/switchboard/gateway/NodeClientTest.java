package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.msgpack.schema.SchemaReflection;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Connect-ES from the npm registry ({@code @connectrpc/connect-node}) against the gateway: the
 * Connect protocol with JSON (transcoded to the MessagePack backend by its published schema) and
 * gRPC-Web with binary protobuf (passed through to a bytes backend), unary, server-streaming and an
 * error, over HTTP/1.1 and HTTP/2.
 */
class NodeClientTest {
  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private Gateway gateway;

  @BeforeEach
  void start() {
    NodeClients.install();
    TestServer backend =
        grpc.nettyServer(
            new EchoBackend("users").definition(),
            RawBackend.definition(),
            SchemaReflection.newService());
    gateway =
        grpc.register(
                Gateway.builder()
                    .route(
                        Route.named("users")
                            .service("test.Echo")
                            .service("test.Raw")
                            .target(backend.target())
                            .usePlaintext()
                            .build())
                    .build())
            .start();
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.1", "2"})
  void connectJsonClient(String httpVersion) {
    String out =
        NodeClients.node(
            60, "connect-client.mjs", "http://127.0.0.1:" + gateway.port(), "connect", httpVersion);

    assertThat(out)
        .isEqualTo(
            "{\"unary\":{\"seq\":7,\"text\":\"users:hi\"},"
                + "\"stream\":[{\"seq\":0,\"text\":\"s\"},{\"seq\":1,\"text\":\"s\"},{\"seq\":2,\"text\":\"s\"}],"
                + "\"error\":{\"code\":5,\"message\":\"no such user\"}}");
    assertThat(gateway.metrics().get("users").calls(Protocol.JSON)).isEqualTo(3);
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.1", "2"})
  void grpcWebClient(String httpVersion) {
    String out =
        NodeClients.node(
            60, "connect-client.mjs", "http://127.0.0.1:" + gateway.port(), "grpcweb", httpVersion);

    assertThat(out)
        .isEqualTo(
            "{\"unary\":{\"seq\":7,\"text\":\"hi\"},"
                + "\"stream\":[{\"seq\":3,\"text\":\"s\"},{\"seq\":3,\"text\":\"s\"},{\"seq\":3,\"text\":\"s\"}],"
                + "\"error\":{\"code\":5,\"message\":\"no such user\"}}");
    assertThat(gateway.metrics().get("users").calls(Protocol.GRPC_WEB)).isEqualTo(3);
  }
}
