package io.switchboard.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.netty.handler.ssl.ClientAuth;
import io.switchboard.msgpack.schema.SchemaReflection;
import io.switchboard.testing.Await;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the gateway's one port: ALPN gives curl HTTP/2 or HTTP/1.1 and grpc-java HTTP/2; mutual
 * TLS refuses a client without a certificate and hands the verified one to the authenticator for
 * every protocol; a renewed certificate is served without dropping open connections; a backend with
 * its own CA, requiring the gateway's client certificate, is reached over TLS.
 */
class TlsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();
  @TempDir Path dir;

  private final EchoBackend users = new EchoBackend("users");
  private TestPki ca;
  private TestPki.Issued server;
  private TestServer backend;

  @BeforeEach
  void pki() {
    Curl.require();
    ca = TestPki.create(dir, "gateway-test-ca");
    server = ca.issue("gateway", "server");
    backend = grpc.nettyServer(users.definition(), SchemaReflection.newService());
  }

  @Test
  void alpnNegotiatesHttp2AndHttp1ForEveryProtocolAndNativeGrpc() throws Exception {
    Gateway gateway =
        start(ServerTls.newBuilder(server.certificate(), server.privateKey()).build(), null);
    String url = "https://localhost:" + gateway.port() + "/test.Echo/Echo";
    byte[] json = "{\"seq\":1,\"text\":\"tls\"}".getBytes(UTF_8);

    for (String version : List.of("--http2", "--http1.1")) {
      Curl.Response response =
          Curl.run(
              List.of(version, "--cacert", ca.caCertificate().toString(), "-X", "POST"),
              url,
              json,
              30,
              "content-type: application/json");
      assertThat(response.httpVersion()).isEqualTo(version.equals("--http2") ? "2" : "1.1");
      assertThat(response.text()).isEqualTo("{\"seq\":1,\"text\":\"users:tls\"}");
    }
    ManagedChannel client =
        grpc.register(
            NettyChannelBuilder.forAddress("localhost", gateway.port())
                .sslContext(
                    GrpcSslContexts.forClient().trustManager(ca.caCertificate().toFile()).build())
                .build());
    assertThat(unary(client, new Msg(2, "native"))).isEqualTo(new Msg(2, "users:native"));
  }

  @Test
  void mutualTlsRefusesAClientWithoutCertificateAndHandsTheCertificateToTheAuthenticator()
      throws Exception {
    TestPki.Issued allowed = ca.issue("allowed-client");
    TestPki.Issued other = ca.issue("other-client");
    List<String> seen = new CopyOnWriteArrayList<>();
    Authenticator byCertificate =
        Authenticator.clientCertificate(
            certificate -> {
              String subject = certificate.getSubjectX500Principal().getName();
              seen.add(subject);
              return subject.equals("CN=allowed-client");
            });
    Gateway gateway =
        start(
            ServerTls.newBuilder(server.certificate(), server.privateKey())
                .clientCertificates(ServerTls.ClientCertificates.REQUIRED, ca.caCertificate())
                .build(),
            byCertificate);
    String url = "https://localhost:" + gateway.port() + "/test.Echo/Echo";
    byte[] json = "{\"seq\":1,\"text\":\"m\"}".getBytes(UTF_8);
    String cacert = ca.caCertificate().toString();

    Curl.Response anonymous =
        Curl.run(
            List.of("--http2", "--cacert", cacert, "-X", "POST"),
            url,
            json,
            30,
            "content-type: application/json");
    assertThat(anonymous.status()).as("no TLS session without a client certificate").isZero();

    Curl.Response admitted =
        Curl.run(
            List.of(
                "--http2",
                "--cacert",
                cacert,
                "--cert",
                allowed.certificate().toString(),
                "--key",
                allowed.privateKey().toString(),
                "-X",
                "POST"),
            url,
            json,
            30,
            "content-type: application/json");
    assertThat(admitted.status()).isEqualTo(200);
    assertThat(admitted.text()).isEqualTo("{\"seq\":1,\"text\":\"users:m\"}");

    Curl.Response refused =
        Curl.run(
            List.of(
                "--http1.1",
                "--cacert",
                cacert,
                "--cert",
                other.certificate().toString(),
                "--key",
                other.privateKey().toString(),
                "-X",
                "POST"),
            url,
            Frames.frame(0, new byte[] {(byte) 0x92, 1, (byte) 0xa1, 'x'}),
            30,
            "content-type: application/grpc-web");
    assertThat(Frames.trailers(Frames.parse(refused.body()).get(0)))
        .containsEntry("grpc-status", Integer.toString(Status.Code.PERMISSION_DENIED.value()));

    ManagedChannel client =
        grpc.register(
            NettyChannelBuilder.forAddress("localhost", gateway.port())
                .sslContext(
                    GrpcSslContexts.forClient()
                        .trustManager(ca.caCertificate().toFile())
                        .keyManager(allowed.certificate().toFile(), allowed.privateKey().toFile())
                        .build())
                .build());
    assertThat(unary(client, new Msg(3, "grpc"))).isEqualTo(new Msg(3, "users:grpc"));
    assertThat(seen).containsExactly("CN=allowed-client", "CN=other-client", "CN=allowed-client");
  }

  @Test
  void aRenewedCertificateIsServedWithoutDroppingOpenConnections() throws Exception {
    Gateway gateway =
        start(
            ServerTls.newBuilder(server.certificate(), server.privateKey())
                .reloadInterval(Duration.ofMillis(200))
                .build(),
            null);
    ManagedChannel open =
        grpc.register(
            NettyChannelBuilder.forAddress("localhost", gateway.port())
                .sslContext(
                    GrpcSslContexts.forClient().trustManager(ca.caCertificate().toFile()).build())
                .build());
    assertThat(unary(open, new Msg(1, "before"))).isEqualTo(new Msg(1, "users:before"));
    BigInteger first = servedCertificate(gateway).getSerialNumber();

    TestPki.Issued renewed = ca.issue("gateway-renewed", "server");

    Await.until(
        WAIT,
        "the renewed certificate served to a new connection",
        () -> served(gateway),
        serial -> serial.equals(renewed.x509().getSerialNumber()));
    assertThat(first).isNotEqualTo(renewed.x509().getSerialNumber());
    assertThat(unary(open, new Msg(2, "after"))).isEqualTo(new Msg(2, "users:after"));
  }

  @Test
  void backendOverTlsWithItsOwnCaAndTheGatewaysClientCertificate() throws Exception {
    TestPki backendCa = TestPki.create(dir, "backend-ca");
    TestPki.Issued backendCert = backendCa.issue("backend");
    TestPki gatewayClients = TestPki.create(dir, "gateway-clients-ca");
    TestPki.Issued gatewayClient = gatewayClients.issue("gateway-client");
    TestServer tlsBackend =
        grpc.nettyServer(
            b -> {
              try {
                b.sslContext(
                    GrpcSslContexts.forServer(
                            backendCert.certificate().toFile(), backendCert.privateKey().toFile())
                        .trustManager(gatewayClients.caCertificate().toFile())
                        .clientAuth(ClientAuth.REQUIRE)
                        .build());
              } catch (javax.net.ssl.SSLException e) {
                throw new IllegalStateException(e);
              }
            },
            users.definition(),
            SchemaReflection.newService());
    Gateway gateway =
        grpc.register(
                Gateway.builder()
                    .route(
                        Route.named("users")
                            .service("test.Echo")
                            .target("localhost:" + tlsBackend.port())
                            .trustedCertificates(backendCa.caCertificate())
                            .clientCertificate(
                                gatewayClient.certificate(), gatewayClient.privateKey())
                            .build())
                    .build())
            .start();

    Curl.Response response =
        Curl.post(
            "--http2-prior-knowledge",
            "http://127.0.0.1:" + gateway.port() + "/test.Echo/Echo",
            "{\"seq\":4,\"text\":\"tls-backend\"}".getBytes(UTF_8),
            "content-type: application/json");

    assertThat(response.text()).isEqualTo("{\"seq\":4,\"text\":\"users:tls-backend\"}");
  }

  private Gateway start(ServerTls tls, Authenticator authenticator) {
    Gateway.Builder builder =
        Gateway.builder()
            .tls(tls)
            .route(
                Route.named("users")
                    .service("test.Echo")
                    .target(backend.target())
                    .usePlaintext()
                    .build());
    if (authenticator != null) {
      builder.authenticator(authenticator);
    }
    return grpc.register(builder.build()).start();
  }

  private static Msg unary(ManagedChannel channel, Msg request) {
    return ClientCalls.blockingUnaryCall(
        channel,
        EchoBackend.ECHO.descriptor(),
        CallOptions.DEFAULT.withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS),
        request);
  }

  private static BigInteger served(Gateway gateway) {
    try {
      return servedCertificate(gateway).getSerialNumber();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The certificate a new TLS connection to the gateway is served (trusting any, to read it). */
  private static X509Certificate servedCertificate(Gateway gateway) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(
        null,
        new TrustManager[] {
          new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
              return new X509Certificate[0];
            }
          }
        },
        null);
    try (SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("localhost", gateway.port())) {
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }
}
