package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class RoutesFileTest {
  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  @Test
  void parsesRoutesWithOptionsAndComments() {
    List<Route> routes =
        RoutesFile.parse(
            List.of(
                "# name  services  target  options",
                "",
                "users  demo.UserService,demo.AccountService  127.0.0.1:7001  plaintext",
                "logs   demo.logs.*   127.0.0.1:7002  plaintext maxTimeout=PT10M  # streams",
                "rest   *  dns:///fallback:443  maxMessageBytes=1048576 defaultTimeout=PT30S"));

    assertThat(routes).extracting(Route::name).containsExactly("users", "logs", "rest");
    assertThat(routes.get(0).services()).containsExactly("demo.UserService", "demo.AccountService");
    assertThat(routes.get(0).plaintext()).isTrue();
    assertThat(routes.get(1).maxTimeout()).contains(Duration.ofMinutes(10));
    assertThat(routes.get(2).plaintext()).isFalse();
    assertThat(routes.get(2).maxMessageBytes()).isEqualTo(1_048_576);
    assertThat(routes.get(2).defaultTimeout()).contains(Duration.ofSeconds(30));
  }

  @Test
  void readsTlsOptionsOfABackend() {
    List<Route> routes =
        RoutesFile.parse(
            List.of(
                "users demo.UserService users:443 ca=/etc/ca.pem cert=/etc/gw.crt key=/etc/gw.key"));

    assertThat(routes.get(0).trustedCertificates()).contains(java.nio.file.Path.of("/etc/ca.pem"));
    assertThat(routes.get(0).clientCertificateChain())
        .contains(java.nio.file.Path.of("/etc/gw.crt"));
    assertThat(routes.get(0).clientPrivateKey()).contains(java.nio.file.Path.of("/etc/gw.key"));
    assertThatThrownBy(() -> RoutesFile.parse(List.of("r a.B x:1 cert=/a.crt")))
        .hasMessageContaining("cert= and key= (expected: both or neither)");
    assertThatThrownBy(() -> RoutesFile.parse(List.of("r a.B x:1 plaintext ca=/ca.pem")))
        .hasMessageContaining("TLS files with usePlaintext()");
  }

  @Test
  void namesTheBadLine() {
    assertThatThrownBy(() -> RoutesFile.parse(List.of("ok a.B x:1", "bad a.B")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("routes file line 2: 2 fields");
    assertThatThrownBy(() -> RoutesFile.parse(List.of("r a.B x:1 maxTimeout=10s")))
        .hasMessageContaining("maxTimeout: '10s' (expected: an ISO-8601 duration");
    assertThatThrownBy(() -> RoutesFile.parse(List.of("r a.B x:1 gzip")))
        .hasMessageContaining("option 'gzip'");
    assertThatThrownBy(() -> RoutesFile.parse(List.of("# nothing")))
        .hasMessageContaining("no route");
  }

  @Test
  void commandLineBuildsAGatewayThatChecksTheToken(@TempDir Path dir) throws Exception {
    EchoBackend users = new EchoBackend("users");
    TestServer backend = grpc.nettyServer(users.definition());
    Path file = dir.resolve("routes.txt");
    Files.writeString(file, "users test.Echo " + backend.target() + " plaintext\n");

    Gateway gateway =
        grpc.register(
            GatewayMain.configure(new String[] {file.toString(), "--port", "0"}, "t").build());
    assertThat(gateway.routes()).extracting(Route::name).containsExactly("users");
    gateway.start();
    ManagedChannel client =
        grpc.register(NettyChannelBuilder.forAddress(gateway.address()).usePlaintext().build());
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
    Metadata token = new Metadata();
    token.put(Authenticator.AUTHORIZATION, "Bearer t");

    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    client, EchoBackend.ECHO.descriptor(), options, new Msg(1, "x")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThat(
            ClientCalls.blockingUnaryCall(
                ClientInterceptors.intercept(
                    client, MetadataUtils.newAttachHeadersInterceptor(token)),
                EchoBackend.ECHO.descriptor(),
                options,
                new Msg(1, "x")))
        .isEqualTo(new Msg(1, "users:x"));
    assertThatThrownBy(
            () -> GatewayMain.configure(new String[] {file.toString(), "--x", "1"}, null))
        .hasMessageContaining("unknown option --x");
    assertThatThrownBy(
            () ->
                GatewayMain.configure(
                    new String[] {file.toString(), "--tls-cert", "tls.crt"}, null))
        .hasMessageContaining("--tls-cert and --tls-key (expected: both or neither)");
    assertThatThrownBy(
            () ->
                GatewayMain.configure(
                    new String[] {file.toString(), "--client-ca", "ca.crt"}, null))
        .hasMessageContaining("--client-ca needs --tls-cert and --tls-key");
    assertThatThrownBy(
            () ->
                GatewayMain.configure(
                    new String[] {file.toString(), "--cors-origin", "app.example"}, null))
        .hasMessageContaining("origin: 'app.example' (expected: * or scheme://host[:port]");
  }
}
