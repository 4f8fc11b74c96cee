package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.MethodSpec;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every call kind and every propagation rule, through a gateway over real Netty. */
class GatewayTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private final EchoBackend users = new EchoBackend("users");

  @Test
  void unaryPassesThrough() {
    ManagedChannel client = client(gateway(route(grpc.nettyServer(users.definition()))));

    Msg reply = unary(client, EchoBackend.ECHO, new Msg(7, "hello"));

    assertThat(reply).isEqualTo(new Msg(7, "users:hello"));
  }

  @Test
  void serverStreamingPassesThroughInOrder() {
    ManagedChannel client = client(gateway(route(grpc.nettyServer(users.definition()))));

    Iterator<Msg> replies =
        ClientCalls.blockingServerStreamingCall(
            client, EchoBackend.COUNT.descriptor(), options(), new Msg(1000, "x".repeat(100)));
    List<Long> seqs = new ArrayList<>();
    replies.forEachRemaining(m -> seqs.add(m.seq()));

    assertThat(seqs).hasSize(1000);
    assertThat(seqs).isSorted().first().isEqualTo(0L);
  }

  @Test
  void clientStreamingPassesThrough() throws Exception {
    ManagedChannel client = client(gateway(route(grpc.nettyServer(users.definition()))));
    CompletableFuture<Msg> reply = new CompletableFuture<>();

    StreamObserver<Msg> requests =
        ClientCalls.asyncClientStreamingCall(
            client.newCall(EchoBackend.JOIN.descriptor(), options()), completing(reply));
    for (int i = 0; i < 5; i++) {
      requests.onNext(new Msg(i, "m" + i));
    }
    requests.onCompleted();

    assertThat(reply.get(WAIT.toSeconds(), TimeUnit.SECONDS))
        .isEqualTo(new Msg(5, "m0,m1,m2,m3,m4"));
  }

  @Test
  void bidiStreamingPassesThrough() throws Exception {
    ManagedChannel client = client(gateway(route(grpc.nettyServer(users.definition()))));
    List<Msg> replies = new ArrayList<>();
    CompletableFuture<Msg> done = new CompletableFuture<>();

    StreamObserver<Msg> requests =
        ClientCalls.asyncBidiStreamingCall(
            client.newCall(EchoBackend.CHAT.descriptor(), options()),
            new StreamObserver<>() {
              @Override
              public void onNext(Msg value) {
                synchronized (replies) {
                  replies.add(value);
                }
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                done.complete(null);
              }
            });
    for (int i = 0; i < 100; i++) {
      requests.onNext(new Msg(i, "b" + i));
    }
    requests.onCompleted();
    done.get(WAIT.toSeconds(), TimeUnit.SECONDS);

    synchronized (replies) {
      assertThat(replies).hasSize(100);
      assertThat(replies.get(99)).isEqualTo(new Msg(99, "users:b99"));
    }
  }

  @Test
  void headersGoToTheBackendLessCredentialsAndHop() {
    Gateway gateway =
        gateway(
            b ->
                b.route(route(grpc.nettyServer(users.definition())))
                    .authenticator(Authenticator.bearerToken("s3cret")));
    Metadata headers = new Metadata();
    headers.put(key("x-request-id"), "r-42");
    headers.put(Metadata.Key.of("x-trace-bin", Metadata.BINARY_BYTE_MARSHALLER), new byte[] {9, 8});
    headers.put(Authenticator.AUTHORIZATION, "Bearer s3cret");

    unary(client(gateway), EchoBackend.ECHO, new Msg(1, "h"), headers);

    Metadata seen = users.lastHeaders.get();
    assertThat(seen.get(key("x-request-id"))).isEqualTo("r-42");
    assertThat(seen.get(Metadata.Key.of("x-trace-bin", Metadata.BINARY_BYTE_MARSHALLER)))
        .containsExactly(9, 8);
    assertThat(seen.containsKey(Authenticator.AUTHORIZATION)).isFalse();
  }

  @Test
  void credentialsAreForwardedWhenTheGatewayIsToldTo() {
    Gateway gateway =
        gateway(b -> b.route(route(grpc.nettyServer(users.definition()))).forwardCredentials(true));
    Metadata headers = new Metadata();
    headers.put(Authenticator.AUTHORIZATION, "Bearer for-backend");

    unary(client(gateway), EchoBackend.ECHO, new Msg(1, "h"), headers);

    assertThat(users.lastHeaders.get().get(Authenticator.AUTHORIZATION))
        .isEqualTo("Bearer for-backend");
  }

  @Test
  void responseHeadersAndTrailersComeBack() {
    ManagedChannel client = client(gateway(route(grpc.nettyServer(users.definition()))));
    AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();

    ClientCalls.blockingUnaryCall(
        io.grpc.ClientInterceptors.intercept(
            client, MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, trailers)),
        EchoBackend.ECHO.descriptor(),
        options(),
        new Msg(1, "t"));

    assertThat(responseHeaders.get().get(EchoBackend.BACKEND_HEADER)).isEqualTo("users");
    assertThat(responseHeaders.get().getAll(key("content-type"))).hasSize(1);
    assertThat(trailers.get().get(EchoBackend.TRAILER)).isEqualTo("done");
    assertThat(trailers.get().get(EchoBackend.BINARY_TRAILER)).containsExactly(0, 1, 2, 255);
  }

  @Test
  void backendStatusCodeAndDescriptionArriveUnchanged() {
    ManagedChannel client = client(gateway(route(grpc.nettyServer(users.definition()))));

    for (String failure :
        List.of("NOT_FOUND:no user with id 7", "UNAVAILABLE:users db is down for maintenance")) {
      assertThatThrownBy(() -> unary(client, EchoBackend.ECHO, new Msg(1, "status:" + failure)))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                String[] parts = failure.split(":", 2);
                assertThat(e.getStatus().getCode().name()).isEqualTo(parts[0]);
                assertThat(e.getStatus().getDescription()).isEqualTo(parts[1]);
                assertThat(e.getTrailers().get(EchoBackend.TRAILER)).isEqualTo("done");
              });
    }
  }

  @Test
  void deadlineExpiryReachesTheBackend() throws Exception {
    ManagedChannel client = client(gateway(route(grpc.nettyServer(users.definition()))));

    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    client,
                    EchoBackend.HANG.descriptor(),
                    CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS),
                    new Msg(1, "wait")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    assertBackendDeadlineAtMost(Duration.ofMillis(300));
    assertThat(users.cancelled.await(WAIT.toSeconds(), TimeUnit.SECONDS))
        .as("backend saw the cancellation")
        .isTrue();
  }

  @Test
  void clientCancelReachesTheBackend() throws Exception {
    ManagedChannel client = client(gateway(route(grpc.nettyServer(users.definition()))));
    ClientCall<Msg, Msg> call = client.newCall(EchoBackend.COUNT.descriptor(), options());
    CountDownLatch firstMessage = new CountDownLatch(1);
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(Msg message) {
            firstMessage.countDown();
          }
        },
        new Metadata());
    call.request(1);
    call.sendMessage(new Msg(Long.MAX_VALUE, "endless"));
    call.halfClose();
    assertThat(firstMessage.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

    call.cancel("client gives up", null);

    assertThat(users.cancelled.await(WAIT.toSeconds(), TimeUnit.SECONDS))
        .as("backend saw the cancellation")
        .isTrue();
  }

  @Test
  void routeGivesADefaultTimeoutToCallsWithoutADeadline() throws Exception {
    TestServer backend = grpc.nettyServer(users.definition());
    Gateway gateway =
        gateway(route(backend).toBuilder().defaultTimeout(Duration.ofMillis(200)).build());
    ManagedChannel client = client(gateway);

    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    client, EchoBackend.HANG.descriptor(), CallOptions.DEFAULT, new Msg(1, "wait")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    assertBackendDeadlineAtMost(Duration.ofMillis(200));
    assertThat(users.cancelled.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(gateway.metrics().get("users").failures(Status.Code.DEADLINE_EXCEEDED)).isEqualTo(1);
  }

  @Test
  void routeCapsTheDeadline() throws Exception {
    TestServer backend = grpc.nettyServer(users.definition());
    Gateway gateway =
        gateway(route(backend).toBuilder().maxTimeout(Duration.ofMillis(300)).build());
    ManagedChannel client = client(gateway);

    for (CallOptions options :
        List.of(CallOptions.DEFAULT, CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.HOURS))) {
      assertThatThrownBy(
              () ->
                  ClientCalls.blockingUnaryCall(
                      client, EchoBackend.HANG.descriptor(), options, new Msg(1, "wait")))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
      assertBackendDeadlineAtMost(Duration.ofMillis(300));
    }
    assertThat(users.cancelled.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(gateway.metrics().get("users").failures(Status.Code.DEADLINE_EXCEEDED)).isEqualTo(2);
  }

  @Test
  void unknownServiceIsUnimplementedNamingIt() {
    ManagedChannel client = client(gateway(route(grpc.nettyServer(users.definition()))));
    MethodDescriptor<Msg, Msg> unknown =
        EchoBackend.ECHO.descriptor().toBuilder().setFullMethodName("nowhere.Svc/Call").build();

    assertThatThrownBy(
            () -> ClientCalls.blockingUnaryCall(client, unknown, options(), new Msg(1, "?")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
              assertThat(e.getStatus().getDescription())
                  .contains("no route for service 'nowhere.Svc'")
                  .contains("test.Echo");
            });
  }

  @Test
  void defaultRouteTakesWhatNoOtherRouteMatches() {
    EchoBackend others = new EchoBackend("others");
    Gateway gateway =
        gateway(
            b ->
                b.route(route(grpc.nettyServer(users.definition())))
                    .route(
                        Route.named("rest")
                            .service("*")
                            .target(grpc.nettyServer(others.definition()).target())
                            .usePlaintext()
                            .build()));
    ManagedChannel client = client(gateway);
    MethodDescriptor<Msg, Msg> elsewhere =
        EchoBackend.ECHO.descriptor().toBuilder().setFullMethodName("other.Svc/Echo").build();

    assertThat(unary(client, EchoBackend.ECHO, new Msg(1, "a")).text()).isEqualTo("users:a");
    // The default route forwards other.Svc to the "others" backend, which does not serve it.
    assertThatThrownBy(
            () -> ClientCalls.blockingUnaryCall(client, elsewhere, options(), new Msg(1, "?")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
              assertThat(e.getStatus().getDescription()).contains("other.Svc/Echo");
            });
    assertThat(others.lastHeaders.get()).isNull(); // grpc answered before any interceptor
    assertThat(gateway.metrics().get("rest").calls()).isEqualTo(1);
  }

  @Test
  void missingOrWrongTokenIsUnauthenticated() {
    Gateway gateway =
        gateway(
            b ->
                b.route(route(grpc.nettyServer(users.definition())))
                    .authenticator(Authenticator.bearerToken("s3cret")));
    ManagedChannel client = client(gateway);
    Metadata wrong = new Metadata();
    wrong.put(Authenticator.AUTHORIZATION, "Bearer guess");
    Metadata right = new Metadata();
    right.put(Authenticator.AUTHORIZATION, "Bearer s3cret");

    assertStatus(
        () -> unary(client, EchoBackend.ECHO, new Msg(1, "x")),
        Status.Code.UNAUTHENTICATED,
        "missing 'authorization: Bearer <token>'");
    assertStatus(
        () -> unary(client, EchoBackend.ECHO, new Msg(1, "x"), wrong),
        Status.Code.UNAUTHENTICATED,
        "invalid bearer token");
    assertStatus(
        () ->
            ClientCalls.blockingUnaryCall(
                client,
                EchoBackend.ECHO.descriptor().toBuilder()
                    .setFullMethodName("nowhere.Svc/Call")
                    .build(),
                options(),
                new Msg(1, "?")),
        Status.Code.UNAUTHENTICATED,
        "missing");
    assertThat(users.lastHeaders.get()).as("refused calls never reach the backend").isNull();
    assertThat(unary(client, EchoBackend.ECHO, new Msg(1, "x"), right).text()).isEqualTo("users:x");
    assertThat(gateway.metrics().get("users").failures(Status.Code.UNAUTHENTICATED)).isEqualTo(2);
  }

  @Test
  void authenticatorThatThrowsRefusesTheCall() {
    Gateway gateway =
        gateway(
            b ->
                b.route(route(grpc.nettyServer(users.definition())))
                    .authenticator(
                        (method, headers) -> {
                          throw new IllegalStateException("token store down");
                        }));

    ManagedChannel client = client(gateway);

    for (int i = 0; i < 3; i++) {
      assertStatus(
          () -> unary(client, EchoBackend.ECHO, new Msg(1, "x")),
          Status.Code.UNAUTHENTICATED,
          "authenticator failed");
    }
    assertThat(users.lastHeaders.get()).as("refused calls never reach the backend").isNull();
    assertThat(gateway.metrics().get("users").failures(Status.Code.UNAUTHENTICATED)).isEqualTo(3);
    assertThat(gateway.metrics().get("users").inFlight()).isZero();
  }

  @Test
  void messageOverTheRouteLimitIsResourceExhausted() {
    Gateway gateway =
        gateway(
            b ->
                b.route(
                        route(grpc.nettyServer(users.definition())).toBuilder()
                            .maxMessageBytes(1024)
                            .build())
                    .route(
                        Route.named("big")
                            .service("big.*")
                            .target("127.0.0.1:1")
                            .maxMessageBytes(4096)
                            .build()));
    ManagedChannel client = client(gateway);

    // Under the largest route's limit: the gateway's own check, naming the route.
    assertStatus(
        () -> unary(client, EchoBackend.ECHO, new Msg(1, "x".repeat(2000))),
        Status.Code.RESOURCE_EXHAUSTED,
        "route users: request message of "
            + size(new Msg(1, "x".repeat(2000)))
            + " bytes exceeds the route's limit of 1024 bytes");
    // Over every route's limit: the front refuses it on the length prefix, before buffering it.
    assertStatus(
        () -> unary(client, EchoBackend.ECHO, new Msg(1, "x".repeat(5000))),
        Status.Code.RESOURCE_EXHAUSTED,
        "route users: request message of "
            + size(new Msg(1, "x".repeat(5000)))
            + " bytes exceeds the route's limit of 1024 bytes");
    assertThat(gateway.metrics().get("users").requestBytes()).isZero();
    assertThat(unary(client, EchoBackend.ECHO, new Msg(1, "small")).text())
        .isEqualTo("users:small");
    assertThat(gateway.metrics().get("users").inFlight()).isZero();
    assertThat(gateway.metrics().get("users").failures(Status.Code.RESOURCE_EXHAUSTED))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void routePoolCustomizerKeepsTheRouteMessageLimit() {
    java.util.concurrent.atomic.AtomicBoolean customized =
        new java.util.concurrent.atomic.AtomicBoolean();
    Gateway gateway =
        gateway(
            route(grpc.nettyServer(users.definition())).toBuilder()
                .maxMessageBytes(1024)
                .pool(p -> p.channelCustomizer(channel -> customized.set(true)))
                .build());
    ManagedChannel client = client(gateway);
    int n = 900;
    while (size(new Msg(1, "x".repeat(n + 1))) <= 1024) {
      n++;
    }
    String text = "x".repeat(n); // the request fits the limit, the reply ("users:" + text) not

    assertStatus(
        () -> unary(client, EchoBackend.ECHO, new Msg(1, text)),
        Status.Code.RESOURCE_EXHAUSTED,
        "1024");
    assertThat(customized).as("the route's channel customizer ran").isTrue();
    assertThat(users.lastHeaders.get()).as("the request reached the backend").isNotNull();
    assertThat(unary(client, EchoBackend.ECHO, new Msg(1, "small")).text())
        .isEqualTo("users:small");
  }

  @Test
  void aRouteWhosePoolFailsFailsTheBuildAndAFailedStartStopsTheGateway() throws Exception {
    Route good = route(grpc.nettyServer(users.definition()));
    Route bad =
        Route.named("bad")
            .service("bad.*")
            .target("127.0.0.1:1")
            .pool(
                p -> {
                  throw new IllegalStateException("bad pool settings");
                })
            .build();
    assertThatThrownBy(() -> Gateway.builder().route(good).route(bad).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("bad pool settings");

    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Gateway gateway =
          grpc.register(Gateway.builder().route(good).port(taken.getLocalPort()).build());
      assertThatThrownBy(gateway::start).isInstanceOf(java.io.UncheckedIOException.class);
      assertThatThrownBy(gateway::start).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void unreachableBackendIsUnavailableNamingTheRouteAndARestartRecovers() {
    TestServer backend = grpc.nettyServer(users.definition());
    int port = backend.port();
    ManagedChannel client = client(gateway(route(backend)));
    assertThat(unary(client, EchoBackend.ECHO, new Msg(1, "before")).text())
        .isEqualTo("users:before");

    backend.server().shutdownNow();
    awaitTermination(backend);
    assertStatus(
        () -> unary(client, EchoBackend.ECHO, new Msg(1, "during")),
        Status.Code.UNAVAILABLE,
        "route users: backend 127.0.0.1:" + port + " unavailable");

    grpc.nettyServer(port, b -> {}, users.definition());
    awaitTrue(
        () -> {
          try {
            return unary(client, EchoBackend.ECHO, new Msg(1, "after"))
                .text()
                .equals("users:after");
          } catch (StatusRuntimeException e) {
            return false;
          }
        },
        "a call through the gateway succeeds after the backend restarts");
  }

  @Test
  void healthReportsEachRoutesBackend() {
    TestServer backend = grpc.nettyServer(users.definition());
    Gateway gateway =
        gateway(b -> b.route(route(backend)).healthCheckInterval(Duration.ofMillis(50)));
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(client(gateway));

    assertThat(status(health, "")).isEqualTo(ServingStatus.SERVING);
    awaitStatus(health, ServingStatus.SERVING, "users", "test.Echo");

    backend.server().shutdownNow();
    awaitTermination(backend);
    awaitStatus(health, ServingStatus.NOT_SERVING, "users", "test.Echo");
  }

  @Test
  void metricsCountCallsFailuresInFlightAndBytes() {
    Gateway gateway = gateway(route(grpc.nettyServer(users.definition())));
    ManagedChannel client = client(gateway);

    unary(client, EchoBackend.ECHO, new Msg(1, "12345"));
    assertThatThrownBy(() -> unary(client, EchoBackend.ECHO, new Msg(1, "status:NOT_FOUND:gone")))
        .isInstanceOf(StatusRuntimeException.class);

    RouteMetrics metrics = gateway.metrics().get("users");
    assertThat(metrics.calls()).isEqualTo(2);
    assertThat(metrics.inFlight()).isZero();
    assertThat(metrics.failed()).isEqualTo(1);
    assertThat(metrics.failures()).containsOnlyKeys(Status.Code.NOT_FOUND);
    assertThat(metrics.requestBytes())
        .isEqualTo(size(new Msg(1, "12345")) + size(new Msg(1, "status:NOT_FOUND:gone")));
    assertThat(metrics.responseBytes()).isEqualTo(size(new Msg(1, "users:12345")));
  }

  // ---------------------------------------------------------------------------------------------

  private Route route(TestServer backend) {
    return Route.named("users")
        .service("test.Echo")
        .target(backend.target())
        .usePlaintext()
        .build();
  }

  private Gateway gateway(Route route) {
    return gateway(b -> b.route(route));
  }

  private Gateway gateway(Consumer<Gateway.Builder> configure) {
    Gateway.Builder builder = Gateway.builder();
    configure.accept(builder);
    return grpc.register(builder.build()).start();
  }

  private ManagedChannel client(Gateway gateway) {
    return grpc.register(NettyChannelBuilder.forAddress(gateway.address()).usePlaintext().build());
  }

  private static CallOptions options() {
    return CallOptions.DEFAULT.withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static <Q, R> R unary(ManagedChannel client, MethodSpec<Q, R> method, Q request) {
    return ClientCalls.blockingUnaryCall(client, method.descriptor(), options(), request);
  }

  private static <Q, R> R unary(
      ManagedChannel client, MethodSpec<Q, R> method, Q request, Metadata headers) {
    return ClientCalls.blockingUnaryCall(
        io.grpc.ClientInterceptors.intercept(
            client, MetadataUtils.newAttachHeadersInterceptor(headers)),
        method.descriptor(),
        options(),
        request);
  }

  /** Returns a message's size on the wire. */
  static long size(Msg message) {
    try (var bytes = EchoBackend.CODEC.stream(message)) {
      return bytes.readAllBytes().length;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  private static StreamObserver<Msg> completing(CompletableFuture<Msg> reply) {
    return new StreamObserver<>() {
      @Override
      public void onNext(Msg value) {
        reply.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        reply.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  private static void assertStatus(Runnable call, Status.Code code, String descriptionPart) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).contains(descriptionPart);
            });
  }

  private static ServingStatus status(HealthGrpc.HealthBlockingStub health, String service) {
    return health
        .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  /** Waits until every name reports the status; a name not yet known (NOT_FOUND) is waited for. */
  private static void awaitStatus(
      HealthGrpc.HealthBlockingStub health, ServingStatus expected, String... names) {
    awaitTrue(
        () -> {
          for (String name : names) {
            try {
              if (status(health, name) != expected) {
                return false;
              }
            } catch (StatusRuntimeException e) {
              return false;
            }
          }
          return true;
        },
        String.join(", ", names) + " " + expected);
  }

  /** Asserts the backend's last call had a deadline (grpc-timeout was forwarded) within this. */
  private void assertBackendDeadlineAtMost(Duration timeout) {
    assertThat(users.lastDeadline.get())
        .as("deadline the backend saw")
        .hasValueSatisfying(
            d ->
                assertThat(d.timeRemaining(TimeUnit.NANOSECONDS))
                    .isLessThanOrEqualTo(timeout.toNanos()));
  }

  private static void awaitTermination(TestServer server) {
    try {
      assertThat(server.server().awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Polls a condition every 20 ms until it holds or {@link #WAIT} passes. */
  static void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + WAIT + ": " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
    }
  }
}
