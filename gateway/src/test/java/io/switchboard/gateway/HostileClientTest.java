package io.switchboard.gateway;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.HandlerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.switchboard.msgpack.schema.SchemaReflection;
import io.switchboard.testing.Await;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a hostile client tries at the front (issue #16), over real Netty with real clients (curl, a
 * raw socket, grpc-java): authentication that fails closed and quietly, ambiguous credentials, and
 * method paths that must never reach a backend whichever route would match.
 */
class HostileClientTest {
  private static final String JSON = "content-type: application/json";
  private static final String GRPC_WEB = "content-type: application/grpc-web";

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private final EchoBackend users = new EchoBackend("users");

  /** Every method name a backend was asked for, whatever it is (a fallback registry sees all). */
  private final Queue<String> backendSaw = new ConcurrentLinkedQueue<>();

  @Test
  void authenticatorThrowingAnErrorIsUnauthenticatedOverEveryProtocolAndLoggedOnce() {
    Gateway gateway =
        usersGateway(
            (method, headers) -> {
              throw new AssertionError("a bug in the authenticator");
            });
    String base = "http://127.0.0.1:" + gateway.port();
    int calls = 0;

    for (String version : List.of("--http1.1", "--http2-prior-knowledge")) {
      Curl.Response json =
          Curl.post(version, base + "/test.Echo/Echo", "{\"seq\":1}".getBytes(UTF_8), JSON);
      assertThat(json.status()).as(json.text()).isEqualTo(401);
      assertThat(json.text()).contains("\"unauthenticated\"").contains("authenticator failed");
      Curl.Response web =
          Curl.post(
              version,
              base + "/test.Echo/Echo",
              Frames.frame(0, new byte[] {(byte) 0x90}),
              GRPC_WEB);
      assertThat(web.status()).isEqualTo(200);
      assertThat(webTrailers(web)).containsEntry("grpc-status", "16");
      calls += 2;
    }
    ManagedChannel client = client(gateway);
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(
              () ->
                  ClientCalls.blockingUnaryCall(
                      client, EchoBackend.ECHO.descriptor(), CallOptions.DEFAULT, new Msg(1, "x")))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(e.getStatus().getDescription()).contains("authenticator failed");
              });
      calls++;
    }

    assertThat(users.lastHeaders.get()).as("refused calls never reach the backend").isNull();
    assertThat(gateway.admission().authenticatorFailures()).isEqualTo(calls);
    assertThat(gateway.admission().failureWarnings())
        .as("one warning (with the stack trace) for %d failures within the throttle period", calls)
        .isEqualTo(1);
  }

  @Test
  void twoAuthorizationHeadersAreRefusedOverEveryProtocol() {
    Gateway gateway = usersGateway(Authenticator.bearerToken("s3cret"));
    String base = "http://127.0.0.1:" + gateway.port();
    // Taking the last header would admit these calls: the right token comes second.
    String wrong = "authorization: Bearer guess";
    String right = "authorization: Bearer s3cret";

    for (String version : List.of("--http1.1", "--http2-prior-knowledge")) {
      Curl.Response json =
          Curl.post(
              version,
              base + "/test.Echo/Echo",
              "{\"seq\":1,\"text\":\"a\"}".getBytes(UTF_8),
              JSON,
              wrong,
              right);
      assertThat(json.status()).as(json.text()).isEqualTo(401);
      assertThat(json.text()).contains("2 'authorization' headers");
      Curl.Response web =
          Curl.post(
              version,
              base + "/test.Echo/Echo",
              Frames.frame(0, new byte[] {(byte) 0x90}),
              GRPC_WEB,
              wrong,
              right);
      assertThat(webTrailers(web)).containsEntry("grpc-status", "16");
    }
    Metadata twice = new Metadata();
    twice.put(Authenticator.AUTHORIZATION, "Bearer guess");
    twice.put(Authenticator.AUTHORIZATION, "Bearer s3cret");
    ManagedChannel client = client(gateway);
    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    ClientInterceptors.intercept(
                        client, MetadataUtils.newAttachHeadersInterceptor(twice)),
                    EchoBackend.ECHO.descriptor(),
                    CallOptions.DEFAULT,
                    new Msg(1, "x")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(e.getStatus().getDescription()).contains("2 'authorization' headers");
            });
    assertThat(users.lastHeaders.get()).as("refused calls never reach the backend").isNull();

    // One right header is still admitted.
    Curl.Response ok =
        Curl.post(
            "--http1.1",
            base + "/test.Echo/Echo",
            "{\"seq\":1,\"text\":\"a\"}".getBytes(UTF_8),
            JSON,
            right);
    assertThat(ok.status()).as(ok.text()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"--http1.1", "--http2-prior-knowledge"})
  void badMethodPathsNeverReachABackendWhicheverRouteWouldMatch(String version) {
    Gateway gateway = recordingGateway();
    String base = "http://127.0.0.1:" + gateway.port();
    List<String> invalidNames =
        List.of(
            "/test..Echo/Echo",
            "/.test/Echo",
            "/test./Echo",
            "/test.Echo/Ec%68o",
            "/test.Echo/%2e%2e",
            "/test.Echo/Echo;x",
            "/test.Echo/Ec+ho",
            "/test.Echo/" + "E".repeat(ExchangeHandler.MAX_PATH_LENGTH));
    List<String> notMethods = List.of("//Echo", "/test.Echo//Echo", "/test/../Echo", "/test.Echo/");

    for (String path : invalidNames) {
      Curl.Response json =
          Curl.run(
              List.of(version, "--path-as-is", "-X", "POST"),
              base + path,
              "{}".getBytes(UTF_8),
              30,
              JSON);
      assertThat(json.status()).as("%s: %s", path, json.text()).isEqualTo(400);
      assertThat(json.text()).contains("\"invalid_argument\"").contains("method path");
      Curl.Response web =
          Curl.run(
              List.of(version, "--path-as-is", "-X", "POST"),
              base + path,
              Frames.frame(0, new byte[] {1}),
              30,
              GRPC_WEB);
      assertThat(webTrailers(web)).as(path).containsEntry("grpc-status", "3");
    }
    for (String path : notMethods) {
      Curl.Response json =
          Curl.run(
              List.of(version, "--path-as-is", "-X", "POST"),
              base + path,
              "{}".getBytes(UTF_8),
              30,
              JSON);
      assertThat(json.status()).as("%s: %s", path, json.text()).isEqualTo(404);
    }
    assertThat(backendSaw).as("what the backend was asked for").isEmpty();

    // The observer works: a valid name reaches the backend through the same route.
    Curl.Response valid =
        Curl.post(version, base + "/test.Raw/Echo", Frames.frame(0, new byte[] {7}), GRPC_WEB);
    assertThat(webTrailers(valid)).containsEntry("grpc-status", "0");
    assertThat(backendSaw).containsExactly("test.Raw/Echo");
  }

  @Test
  void controlCharactersInTheRequestLineNeverReachABackend() throws IOException {
    Gateway gateway = recordingGateway();
    for (String path :
        List.of("/test.Raw/Ec\u0001ho", "/test.Raw/Echo\u007f", "/te\u00e9st/Echo")) {
      String response = rawHttp1(gateway.port(), path);
      assertThat(response).as(path).startsWith("HTTP/1.1 400 ");
    }
    assertThat(backendSaw).isEmpty();
  }

  @Test
  void nativeGrpcWithABadMethodNameIsInvalidArgument() {
    Gateway gateway = recordingGateway();
    ManagedChannel client = client(gateway);
    for (String name : List.of("test..Raw/Echo", "test.Raw/Ec%68o", "test.Raw/Ec ho")) {
      MethodDescriptor<byte[], byte[]> method =
          RawBackend.ECHO.toBuilder().setFullMethodName(name).build();
      assertThatThrownBy(
              () -> ClientCalls.blockingUnaryCall(client, method, CallOptions.DEFAULT, new byte[1]))
          .as(name)
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode())
                    .as(name + " " + e.getStatus())
                    .isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.getStatus().getDescription()).contains("method path");
              });
    }
    assertThat(backendSaw).isEmpty();
    assertThat(
            ClientCalls.blockingUnaryCall(
                client, RawBackend.ECHO, CallOptions.DEFAULT, new byte[] {5}))
        .containsExactly(5);
    assertThat(backendSaw).containsExactly("test.Raw/Echo");
  }

  @Test
  void healthWatchStreamsAreCappedAndASlotFreesWhenOneCloses() throws InterruptedException {
    TestServer backend = grpc.nettyServer(users.definition());
    Gateway gateway =
        grpc.register(
                Gateway.builder()
                    .route(
                        Route.named("users")
                            .service("test.Echo")
                            .target(backend.target())
                            .usePlaintext()
                            .build())
                    .maxHealthWatches(2)
                    .build())
            .start();
    ManagedChannel client = client(gateway);
    List<Watch> open = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        Watch watch = Watch.open(client);
        assertThat(watch.firstResponse.await(20, TimeUnit.SECONDS))
            .as("watch %d answered", i)
            .isTrue();
        open.add(watch);
      }
      Watch third = Watch.open(client);
      open.add(third);
      Status refused = third.closed.get(20, TimeUnit.SECONDS);
      assertThat(refused.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(refused.getDescription()).contains("2 grpc.health.v1.Health/Watch streams");
      assertThat(gateway.openHealthWatches()).isEqualTo(2);

      open.get(0).call.cancel("done watching", null);
      Await.until(
          Duration.ofSeconds(20),
          () -> gateway.openHealthWatches() == 1,
          () -> "open watches: " + gateway.openHealthWatches());
      Watch again = Watch.open(client);
      open.add(again);
      assertThat(again.firstResponse.await(20, TimeUnit.SECONDS))
          .as("a freed slot serves")
          .isTrue();
      // Check is never capped.
      assertThat(
              HealthGrpc.newBlockingStub(client)
                  .check(HealthCheckRequest.getDefaultInstance())
                  .getStatus())
          .isEqualTo(ServingStatus.SERVING);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError(e);
    } finally {
      open.forEach(w -> w.call.cancel("test over", null));
    }
  }

  /** One health Watch stream from grpc-java: its first response and its close. */
  private static final class Watch {
    final CountDownLatch firstResponse = new CountDownLatch(1);
    final CompletableFuture<Status> closed = new CompletableFuture<>();
    ClientCall<HealthCheckRequest, HealthCheckResponse> call;

    static Watch open(ManagedChannel channel) {
      Watch watch = new Watch();
      watch.call = channel.newCall(HealthGrpc.getWatchMethod(), CallOptions.DEFAULT);
      watch.call.start(
          new ClientCall.Listener<>() {
            @Override
            public void onMessage(HealthCheckResponse message) {
              watch.firstResponse.countDown();
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              watch.closed.complete(status);
            }
          },
          new Metadata());
      watch.call.request(Integer.MAX_VALUE);
      watch.call.sendMessage(HealthCheckRequest.getDefaultInstance());
      watch.call.halfClose();
      return watch;
    }
  }

  /** A gateway whose only route is the default one, to a backend that records every name. */
  private Gateway recordingGateway() {
    Curl.require();
    HandlerRegistry recording =
        new HandlerRegistry() {
          @Override
          public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
            backendSaw.add(methodName);
            return ServerMethodDefinition.create(
                RawBackend.ECHO.toBuilder().setFullMethodName(methodName).build(),
                ServerCalls.asyncUnaryCall(
                    (byte[] request, StreamObserver<byte[]> out) -> {
                      out.onNext(request);
                      out.onCompleted();
                    }));
          }
        };
    TestServer backend = grpc.nettyServer(b -> b.fallbackHandlerRegistry(recording));
    return grpc.register(
            Gateway.builder()
                .route(
                    Route.named("all").service("*").target(backend.target()).usePlaintext().build())
                .build())
        .start();
  }

  private Gateway usersGateway(Authenticator authenticator) {
    Curl.require();
    TestServer backend = grpc.nettyServer(users.definition(), SchemaReflection.newService());
    return grpc.register(
            Gateway.builder()
                .route(
                    Route.named("users")
                        .service("test.Echo")
                        .target(backend.target())
                        .usePlaintext()
                        .build())
                .authenticator(authenticator)
                .build())
        .start();
  }

  private ManagedChannel client(Gateway gateway) {
    return grpc.register(
        NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build());
  }

  private static Map<String, String> webTrailers(Curl.Response response) {
    List<Frames.Frame> frames = Frames.parse(response.body());
    assertThat(frames).as(response.text()).isNotEmpty();
    Frames.Frame last = frames.get(frames.size() - 1);
    assertThat(last.flags()).isEqualTo(0x80);
    return Frames.trailers(last);
  }

  /** Sends one HTTP/1.1 request with the path as raw bytes and returns the response's head. */
  private static String rawHttp1(int port, String path) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(20));
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST "
                  + path
                  + " HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                  + "content-length: 2\r\nconnection: close\r\n\r\n{}")
              .getBytes(ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), ISO_8859_1);
    }
  }
}
