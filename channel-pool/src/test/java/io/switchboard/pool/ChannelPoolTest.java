package io.switchboard.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ConnectivityState;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.pool.ChannelSnapshot.Role;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ChannelPoolTest {
  static final MethodSpec<String, String> ECHO = MethodSpec.of(TestBackend.ECHO);
  static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  TestBackend backend;
  TestServer server;

  @BeforeEach
  void startServer() {
    backend = new TestBackend("a");
    server = grpc.inProcessServer(backend.definition());
  }

  @AfterEach
  void stopBackend() {
    backend.releaseHeld();
    backend.close();
  }

  ChannelPool.Builder poolBuilder() {
    return ChannelPool.newBuilder(server::newChannelBuilder)
        .maintenanceInterval(Duration.ofMillis(20));
  }

  ChannelPool register(ChannelPool pool) {
    return grpc.register(pool);
  }

  static List<CompletableFuture<String>> start(RpcClient client, String request, int count) {
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      calls.add(client.unary(ECHO, request));
    }
    return calls;
  }

  @Test
  void worksAsAChannelForCoreAndForGrpcStubs() {
    ChannelPool pool = register(poolBuilder().build());
    RpcClient client = RpcClient.create(pool);

    assertThat(client.unary(ECHO, "hi").join()).isEqualTo("a:hi");
    assertThat(ClientCalls.blockingUnaryCall(pool, TestBackend.ECHO, CallOptions.DEFAULT, "yo"))
        .isEqualTo("a:yo");
    assertThat(pool.authority()).isNotBlank();

    PoolSnapshot snapshot = pool.snapshot();
    assertThat(snapshot.callsInFlight()).isZero();
    assertThat(snapshot.channels())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.callsStarted()).isEqualTo(2);
              assertThat(c.callsFailed()).isZero();
              assertThat(c.role()).isEqualTo(Role.ACTIVE);
            });
  }

  @Test
  void countsFailedCallsAndReturnsInFlightToZero() {
    ChannelPool pool = register(poolBuilder().build());
    RpcClient client = RpcClient.create(pool);
    assertThatThrownBy(() -> client.unary(ECHO, "fail").join())
        .hasCauseInstanceOf(StatusRuntimeException.class);
    PoolSnapshot snapshot = pool.snapshot();
    assertThat(snapshot.callsInFlight()).isZero();
    assertThat(snapshot.channels().get(0).callsFailed()).isEqualTo(1);
  }

  @Test
  void callOnShutDownPoolFailsUnavailableSayingSo() {
    ChannelPool pool = register(poolBuilder().name("users").build());
    pool.shutdown();

    assertThatThrownBy(() -> RpcClient.create(pool).unary(ECHO, "hi").join())
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("channel pool users is shut down: build a new pool for new calls");
            });
    assertThat(pool.isShutdown()).isTrue();
    assertThat(pool.getState(false)).isEqualTo(ConnectivityState.SHUTDOWN);
  }

  @Test
  void shutdownLetsCallsInFlightFinishThenTerminates() throws Exception {
    ChannelPool pool = register(poolBuilder().build());
    CompletableFuture<String> call = RpcClient.create(pool).unary(ECHO, "hold");
    Await.until("call held", WAIT, () -> backend.heldCount() == 1);

    pool.shutdown();
    assertThat(pool.awaitTermination(100, TimeUnit.MILLISECONDS)).isFalse();
    backend.releaseHeld();

    assertThat(call.join()).isEqualTo("a:hold");
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(pool.isTerminated()).isTrue();
  }

  @Test
  void growsWhenEveryChannelIsFullThenShrinksAndDrainsWhenIdle() {
    ChannelPool pool =
        register(
            poolBuilder()
                .callsPerChannel(5)
                .maxChannels(4)
                .idleTimeout(Duration.ofMillis(300))
                .build());
    RpcClient client = RpcClient.create(pool);

    List<CompletableFuture<String>> calls = start(client, "hold", 30);
    Await.until("30 held", WAIT, () -> backend.heldCount() == 30);
    PoolSnapshot full = pool.snapshot();
    assertThat(full.activeChannels()).isEqualTo(4);
    assertThat(full.grown()).isEqualTo(3);
    assertThat(full.callsInFlight()).isEqualTo(30);
    // Each channel got its threshold before the pool grew; the rest spread by least load.
    assertThat(full.channels()).allSatisfy(c -> assertThat(c.callsInFlight()).isBetween(5, 10));

    backend.releaseHeld();
    calls.forEach(CompletableFuture::join);
    Await.until(
        "shrunk to 1",
        WAIT,
        () -> pool.snapshot().activeChannels() == 1 && pool.snapshot().channels().size() == 1,
        () -> pool.snapshot().toTable());
    PoolSnapshot idle = pool.snapshot();
    assertThat(idle.shrunk()).isEqualTo(3);
    assertThat(idle.callsInFlight()).isZero();
    assertThat(client.unary(ECHO, "again").join()).isEqualTo("a:again");
  }

  @Test
  void shrinkingDrainsAChannelWithCallsInFlightInsteadOfCuttingThem() {
    ChannelPool pool =
        register(
            poolBuilder()
                .callsPerChannel(10)
                .maxChannels(3)
                .idleTimeout(Duration.ofMillis(300))
                .build());
    RpcClient client = RpcClient.create(pool);
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      calls.add(client.unary(ECHO, "hold:short"));
      calls.add(client.unary(ECHO, "hold:long"));
    }
    Await.until("30 held", WAIT, () -> backend.heldCount() == 30);
    assertThat(pool.snapshot().activeChannels()).isEqualTo(3);
    backend.releaseHeld("hold:short");

    // 15 long calls fit in 2 channels of 10: after an idle period one channel leaves the rotation
    // while it still carries long calls, and stays open for them.
    Await.until(
        "a draining channel with calls in flight",
        WAIT,
        () ->
            pool.snapshot().channels().stream()
                .anyMatch(c -> c.role() == Role.DRAINING && c.callsInFlight() > 0),
        () -> pool.snapshot().toTable());
    assertThat(pool.snapshot().channels())
        .filteredOn(c -> c.role() == Role.DRAINING)
        .allSatisfy(c -> assertThat(c.state()).isNotEqualTo(ConnectivityState.SHUTDOWN));

    backend.releaseHeld("hold:long");
    for (CompletableFuture<String> call : calls) {
      assertThat(call.join()).startsWith("a:hold");
    }
    Await.until(
        "drained channels gone",
        WAIT,
        () -> pool.snapshot().channels().stream().noneMatch(c -> c.role() == Role.DRAINING),
        () -> pool.snapshot().toTable());
    assertThat(pool.snapshot().callsFailed()).as(pool.snapshot().toTable()).isZero();
  }

  @Test
  void spreadsCallsEvenlyOverChannels() {
    ChannelPool pool = register(poolBuilder().minChannels(4).maxChannels(4).build());
    start(RpcClient.create(pool), "hold", 400);
    Await.until("400 held", WAIT, () -> backend.heldCount() == 400);
    // Power of two choices on in-flight counts keeps channels within a few calls of each other.
    assertThat(pool.snapshot().channels())
        .allSatisfy(c -> assertThat(c.callsInFlight()).isBetween(95, 105));
  }

  @Test
  void sameAffinityKeyGoesToTheSameChannel() {
    ChannelPool pool = register(poolBuilder().minChannels(4).maxChannels(4).build());
    RpcClient client =
        RpcClient.create(pool)
            .withCallOptions(CallOptions.DEFAULT.withOption(ChannelPool.AFFINITY_KEY, "user-42"));
    for (int i = 0; i < 20; i++) {
      client.unary(ECHO, "x").join();
    }
    assertThat(pool.snapshot().channels())
        .extracting(ChannelSnapshot::callsStarted)
        .containsExactlyInAnyOrder(20L, 0L, 0L, 0L);
  }

  @Test
  void releasesInFlightExactlyOnceOnCancelBeforeStartAndOnStartFailure() {
    ClientInterceptor throwingStart =
        new ClientInterceptor() {
          @Override
          public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
              MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
            return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
              @Override
              public void start(Listener<RespT> listener, Metadata headers) {
                if (options.getOption(ChannelPool.AFFINITY_KEY) != null) {
                  throw new IllegalStateException("boom");
                }
                super.start(listener, headers);
              }
            };
          }
        };
    ChannelPool pool =
        register(poolBuilder().channelCustomizer(b -> b.intercept(throwingStart)).build());

    ClientCall<String, String> cancelled = pool.newCall(TestBackend.ECHO, CallOptions.DEFAULT);
    assertThat(pool.snapshot().callsInFlight()).isEqualTo(1);
    cancelled.cancel("changed my mind", null);
    cancelled.cancel("twice", null);
    assertThat(pool.snapshot().callsInFlight()).isZero();

    ClientCall<String, String> failing =
        pool.newCall(TestBackend.ECHO, CallOptions.DEFAULT.withOption(ChannelPool.AFFINITY_KEY, 1));
    assertThatThrownBy(() -> failing.start(new ClientCall.Listener<>() {}, new Metadata()))
        .hasMessage("boom");
    failing.cancel("after failure", null);
    assertThat(pool.snapshot().callsInFlight()).isZero();

    assertThat(RpcClient.create(pool).unary(ECHO, "ok").join()).isEqualTo("a:ok");
    assertThat(pool.snapshot().callsInFlight()).isZero();
  }

  @Test
  void refreshesChannelsOneAtATimeWithoutFailingCalls() {
    ChannelPool pool =
        register(
            poolBuilder()
                .minChannels(2)
                .maxChannels(2)
                .maxChannelAge(Duration.ofMillis(200))
                .build());
    RpcClient client = RpcClient.create(pool);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (pool.snapshot().refreshed() < 4) {
      assertThat(System.nanoTime() - deadline).as("refreshed 4 times in time").isNegative();
      assertThat(client.unary(ECHO, "sleep:5").join()).isEqualTo("a:sleep:5");
      // At most one refresh at a time: never more than one channel warming up.
      assertThat(pool.snapshot().channels().stream().filter(c -> c.role() == Role.WARMING).count())
          .isLessThanOrEqualTo(1);
    }
    assertThat(pool.snapshot().activeChannels()).isEqualTo(2);
    assertThat(pool.snapshot().callsFailed()).as(pool.snapshot().toTable()).isZero();
  }

  @Test
  void aggregateStateAndHealth() {
    ChannelPool pool = register(poolBuilder().build());
    Await.until("READY", WAIT, () -> pool.getState(false) == ConnectivityState.READY);
    assertThat(pool.isHealthy()).isTrue();
    CompletableFuture<Void> changed = new CompletableFuture<>();
    pool.notifyWhenStateChanged(ConnectivityState.READY, () -> changed.complete(null));
    pool.shutdown();
    changed.join();
    assertThat(pool.isHealthy()).isFalse();
  }

  @Test
  void builderRejectsBadSettingsNamingThemAndTheBound() {
    ChannelPool.Builder b = ChannelPool.forTarget("localhost:1");
    assertThatThrownBy(() -> b.minChannels(0)).hasMessage("minChannels: 0 (expected: >= 1)");
    assertThatThrownBy(() -> b.maxChannels(0)).hasMessage("maxChannels: 0 (expected: 1..1024)");
    assertThatThrownBy(() -> b.callsPerChannel(-1))
        .hasMessage("callsPerChannel: -1 (expected: >= 1)");
    assertThatThrownBy(() -> b.idleTimeout(Duration.ZERO))
        .hasMessage("idleTimeout: PT0S (expected: > 0)");
    assertThatThrownBy(() -> b.maintenanceInterval(Duration.ofHours(1)))
        .hasMessage("maintenanceInterval: PT1H (expected: PT0.001S..PT1M)");
    assertThatThrownBy(() -> b.healthCheck("", Duration.ofSeconds(1), Duration.ofSeconds(2)))
        .hasMessage("timeout: PT2S (expected: <= interval PT1S)");
    assertThatThrownBy(() -> ChannelPool.forTarget(" "))
        .hasMessage("target: \" \" (expected: not blank)");
    assertThatThrownBy(
            () -> ChannelPool.forTarget("localhost:1").minChannels(5).maxChannels(4).build())
        .hasMessage("minChannels: 5 (expected: <= maxChannels 4)");
    assertThatThrownBy(() -> b.keepAlive(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void forTargetUsesTlsUnlessPlaintextAndAppliesTheCustomizer() {
    TestServer plaintextServer = grpc.nettyServer(backend.definition());
    String target = plaintextServer.target();

    // Without usePlaintext the channels speak TLS, which a plaintext server cannot answer.
    ChannelPool tls = register(ChannelPool.forTarget(target).build());
    CompletableFuture<String> refused =
        RpcClient.create(tls).withTimeout(WAIT).unary(ECHO, "over tls");
    assertThatThrownBy(refused::join)
        .isInstanceOf(CompletionException.class)
        .satisfies(
            e ->
                assertThat(Status.fromThrowable(e.getCause()).getCode())
                    .isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(backend.served()).isZero();

    List<Object> seen = new ArrayList<>();
    ChannelPool plaintext =
        register(
            ChannelPool.forTarget(target)
                .usePlaintext()
                .minChannels(2)
                .channelCustomizer(seen::add)
                .build());
    assertThat(seen)
        .hasSize(2)
        .allSatisfy(b -> assertThat(b).isInstanceOf(io.grpc.netty.NettyChannelBuilder.class));
    assertThat(plaintext.name()).isEqualTo(target);
    assertThat(RpcClient.create(plaintext).withTimeout(WAIT).unary(ECHO, "plain").join())
        .isEqualTo("a:plain");
  }
}
