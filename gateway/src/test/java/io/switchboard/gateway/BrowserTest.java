package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.switchboard.msgpack.schema.SchemaReflection;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real browser: Debian's headless chromium, driven by playwright-core, loads a page from one
 * origin (plain HTTP on 127.0.0.1) that calls the gateway on another (TLS on localhost, certificate
 * from a CA this test makes, ALPN h2), once with fetch and JSON, once with gRPC-Web including a
 * server stream read as it arrives; CORS preflights are answered by the gateway.
 */
class BrowserTest {
  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();
  @TempDir Path dir;

  private HttpServer pages;

  @AfterEach
  void stopPages() {
    if (pages != null) {
      pages.stop(0);
    }
  }

  @Test
  void pageOnAnotherOriginCallsTheGatewayOverTlsWithJsonAndGrpcWeb() throws IOException {
    Tools.require("/usr/bin/chromium", "chromium");
    Path clients = NodeClients.install();
    TestPki ca = TestPki.create(dir, "browser-test-ca");
    TestPki.Issued certificate = ca.issue("gateway");
    pages = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    byte[] page = Files.readAllBytes(clients.resolve("page.html"));
    pages.createContext(
        "/page.html",
        exchange -> {
          exchange.getResponseHeaders().set("content-type", "text/html; charset=utf-8");
          exchange.sendResponseHeaders(200, page.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(page);
          }
        });
    pages.start();
    String origin = "http://127.0.0.1:" + pages.getAddress().getPort();
    TestServer backend =
        grpc.nettyServer(new EchoBackend("users").definition(), SchemaReflection.newService());
    Gateway gateway =
        grpc.register(
                Gateway.builder()
                    .tls(
                        ServerTls.newBuilder(certificate.certificate(), certificate.privateKey())
                            .build())
                    .cors(Cors.newBuilder().allowOrigin(origin).build())
                    .route(
                        Route.named("users")
                            .service("test.Echo")
                            .target(backend.target())
                            .usePlaintext()
                            .build())
                    .build())
            .start();

    String result =
        NodeClients.node(
            90,
            "browser.mjs",
            origin + "/page.html?gateway=https://localhost:" + gateway.port(),
            certificate.spkiSha256());

    assertThat(result)
        .isEqualTo(
            "{\"json\":{\"status\":200,\"body\":{\"seq\":7,\"text\":\"users:browser\"}},"
                + "\"grpcWeb\":{\"status\":200,\"messages\":[[0,\"s\"],[1,\"s\"],[2,\"s\"]],\"grpcStatus\":\"0\"},"
                + "\"protocols\":[\"h2\"]}");
    assertThat(gateway.metrics().get("users").calls(Protocol.JSON)).isEqualTo(1);
    assertThat(gateway.metrics().get("users").calls(Protocol.GRPC_WEB)).isEqualTo(1);
  }
}
