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
import io.switchboard.pool.ChannelStats.Role;
import io.switchboard.testing.Await;
import io.switchboard.testing.EchoService;
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
  static final MethodSpec<String, String> ECHO = MethodSpec.of(EchoService.ECHO);
  static final MethodSpec<String, String> HANG = MethodSpec.of(EchoService.HANG);
  static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  EchoService backend;
  TestServer server;

  @BeforeEach
  void startServer() {
    backend = new EchoService("a");
    server = grpc.inProcessServer(backend.definition());
  }

  @AfterEach
  void releaseBackend() {
    backend.releaseHeld();
  }

  ChannelPool.Builder poolBuilder() {
    return ChannelPool.newBuilder(server::newChannelBuilder)
        .maintenanceInterval(Duration.ofMillis(20));
  }

  ChannelPool register(ChannelPool pool) {
    return grpc.register(pool);
  }

  /** Starts {@code count} calls the backend holds until released. */
  static List<CompletableFuture<String>> hold(RpcClient client, int count) {
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      calls.add(client.unary(HANG, "hold"));
    }
    return calls;
  }

  @Test
  void worksAsAChannelForCoreAndForGrpcStubs() {
    ChannelPool pool = register(poolBuilder().build());
    RpcClient client = RpcClient.create(pool);

    assertThat(client.unary(ECHO, "hi").join()).isEqualTo("a:hi");
    assertThat(ClientCalls.blockingUnaryCall(pool, EchoService.ECHO, CallOptions.DEFAULT, "yo"))
        .isEqualTo("a:yo");
    assertThat(pool.authority()).isNotBlank();

    PoolStats stats = pool.stats();
    assertThat(stats.callsInFlight()).isZero();
    assertThat(stats.channels())
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
    assertThatThrownBy(() -> client.unary(ECHO, "status:INVALID_ARGUMENT:asked to fail").join())
        .hasCauseInstanceOf(StatusRuntimeException.class);
    PoolStats stats = pool.stats();
    assertThat(stats.callsInFlight()).isZero();
    assertThat(stats.channels().get(0).callsFailed()).isEqualTo(1);
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
    CompletableFuture<String> call = RpcClient.create(pool).unary(HANG, "hold");
    Await.until(WAIT, () -> backend.heldCount() == 1, () -> "call held");

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

    List<CompletableFuture<String>> calls = hold(client, 30);
    Await.until(WAIT, () -> backend.heldCount() == 30, () -> "30 held");
    PoolStats full = pool.stats();
    assertThat(full.activeChannels()).isEqualTo(4);
    assertThat(full.grown()).isEqualTo(3);
    assertThat(full.callsInFlight()).isEqualTo(30);
    // Each channel got its threshold before the pool grew; the rest spread by least load.
    assertThat(full.channels()).allSatisfy(c -> assertThat(c.callsInFlight()).isBetween(5, 10));

    backend.releaseHeld();
    calls.forEach(CompletableFuture::join);
    Await.until(
        WAIT,
        () -> pool.stats().activeChannels() == 1 && pool.stats().channels().size() == 1,
        () -> "shrunk to 1" + "\n" + pool.stats().toTable());
    PoolStats idle = pool.stats();
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
    List<CompletableFuture<String>> shortCalls = new ArrayList<>();
    List<CompletableFuture<String>> longCalls = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      shortCalls.add(client.unary(HANG, "short"));
      longCalls.add(client.unary(HANG, "long"));
    }
    Await.until(WAIT, () -> backend.heldCount() == 30, () -> "30 held");
    assertThat(pool.stats().activeChannels()).isEqualTo(3);
    shortCalls.forEach(call -> call.cancel(true)); // the short calls end (CANCELLED)

    // 15 long calls fit in 2 channels of 10: after an idle period one channel leaves the rotation
    // while it still carries long calls, and stays open for them.
    Await.until(
        WAIT,
        () ->
            pool.stats().channels().stream()
                .anyMatch(c -> c.role() == Role.DRAINING && c.callsInFlight() > 0),
        () -> "a draining channel with calls in flight\n" + pool.stats().toTable());
    assertThat(pool.stats().channels())
        .filteredOn(c -> c.role() == Role.DRAINING)
        .allSatisfy(c -> assertThat(c.state()).isNotEqualTo(ConnectivityState.SHUTDOWN));

    assertThat(backend.releaseHeld()).isEqualTo(15);
    for (CompletableFuture<String> call : longCalls) {
      assertThat(call.join()).isEqualTo("a:long");
    }
    Await.until(
        WAIT,
        () -> pool.stats().channels().stream().noneMatch(c -> c.role() == Role.DRAINING),
        () -> "drained channels gone\n" + pool.stats().toTable());
    // Only the 15 cancelled calls failed: none of the long ones was cut.
    assertThat(pool.stats().callsFailed()).as(pool.stats().toTable()).isEqualTo(15);
  }

  @Test
  void spreadsCallsEvenlyOverChannels() {
    // The growth threshold is far above the load, so only picking spreads the calls (at the
    // default of 100 per channel, a pool that always picked its first channel would also end at
    // 100 each: the roomiest-channel fallback would do the spreading).
    ChannelPool pool =
        register(poolBuilder().minChannels(4).maxChannels(4).callsPerChannel(10_000).build());
    hold(RpcClient.create(pool), 400);
    Await.until(WAIT, () -> backend.heldCount() == 400, () -> "400 held");
    // Power of two choices on in-flight counts keeps channels within a few calls of each other.
    assertThat(pool.stats().channels())
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
    assertThat(pool.stats().channels())
        .extracting(ChannelStats::callsStarted)
        .containsExactlyInAnyOrder(20L, 0L, 0L, 0L);
  }

  @Test
  void aCallCreatedButNeverStartedIsNotCountedInFlight() {
    ChannelPool pool = register(poolBuilder().build());
    ClientCall<String, String> neverStarted = pool.newCall(EchoService.ECHO, CallOptions.DEFAULT);
    assertThat(neverStarted).isNotNull();
    assertThat(pool.stats().callsInFlight()).isZero();
    assertThat(pool.stats().callsStarted()).isZero();
    assertThat(RpcClient.create(pool).unary(ECHO, "ok").join()).isEqualTo("a:ok");
    assertThat(pool.stats().callsInFlight()).isZero();
  }

  @Test
  void countsInFlightFromStartToCloseExactlyOnceAlsoWhenStartThrowsOrTheCallIsCancelledFirst()
      throws Exception {
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

    // Started and held: counted until it closes.
    CompletableFuture<String> held = RpcClient.create(pool).unary(HANG, "hold");
    Await.until(WAIT, () -> backend.heldCount() == 1, () -> "held");
    assertThat(pool.stats().callsInFlight()).isEqualTo(1);
    backend.releaseHeld();
    assertThat(held.join()).isEqualTo("a:hold");
    assertThat(pool.stats().callsInFlight()).isZero();

    // Cancelled before start: when started, it closes CANCELLED, uncounted, with no channel.
    ClientCall<String, String> cancelled = pool.newCall(EchoService.ECHO, CallOptions.DEFAULT);
    cancelled.cancel("changed my mind", null);
    cancelled.cancel("twice", null);
    CompletableFuture<Status> closed = new CompletableFuture<>();
    cancelled.start(
        new ClientCall.Listener<>() {
          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.complete(status);
          }
        },
        new Metadata());
    cancelled.request(1); // a no-op on a call closed at start, as on grpc's own calls
    assertThat(closed.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(closed.get().getDescription()).isEqualTo("changed my mind");
    assertThat(pool.stats().callsInFlight()).isZero();
    assertThat(pool.stats().callsStarted()).isEqualTo(1);

    // start throws: given back at once, counted as started and failed.
    ClientCall<String, String> failing =
        pool.newCall(EchoService.ECHO, CallOptions.DEFAULT.withOption(ChannelPool.AFFINITY_KEY, 1));
    assertThatThrownBy(() -> failing.start(new ClientCall.Listener<>() {}, new Metadata()))
        .hasMessage("boom");
    failing.cancel("after failure", null);
    assertThat(pool.stats().callsInFlight()).isZero();
    assertThat(pool.stats().callsFailed()).isEqualTo(1);

    // Misuse fails as on grpc's own calls.
    ClientCall<String, String> notStarted = pool.newCall(EchoService.ECHO, CallOptions.DEFAULT);
    assertThatThrownBy(() -> notStarted.request(1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("call not started");
    assertThat(notStarted.isReady()).isFalse();

    assertThat(RpcClient.create(pool).unary(ECHO, "ok").join()).isEqualTo("a:ok");
    assertThat(pool.stats().callsInFlight()).isZero();
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
    while (pool.stats().refreshed() < 4) {
      assertThat(System.nanoTime() - deadline).as("refreshed 4 times in time").isNegative();
      assertThat(client.unary(ECHO, "x").join()).isEqualTo("a:x");
      // At most one refresh at a time: never more than one channel warming up.
      assertThat(pool.stats().channels().stream().filter(c -> c.role() == Role.WARMING).count())
          .isLessThanOrEqualTo(1);
    }
    assertThat(pool.stats().activeChannels()).isEqualTo(2);
    assertThat(pool.stats().callsFailed()).as(pool.stats().toTable()).isZero();
  }

  @Test
  void toBuilderStartsFromThePoolsSettings() {
    ChannelPool pool = register(poolBuilder().name("users").minChannels(2).maxChannels(3).build());
    ChannelPool variant = register(pool.toBuilder().maxChannels(5).build());
    assertThat(variant).isNotSameAs(pool);
    assertThat(variant.name()).isEqualTo("users");
    assertThat(variant.stats().activeChannels()).isEqualTo(2);
    assertThat(RpcClient.create(variant).unary(ECHO, "v").join()).isEqualTo("a:v");
    // Building from a builder copies its settings: changing the builder later changes no pool.
    ChannelPool.Builder builder = poolBuilder().minChannels(1);
    ChannelPool one = register(builder.build());
    builder.minChannels(2);
    ChannelPool copy = register(one.toBuilder().build());
    assertThat(copy.stats().activeChannels()).isEqualTo(1);
  }

  @Test
  void aggregateStateAndHealth() {
    ChannelPool pool = register(poolBuilder().build());
    Await.until(WAIT, () -> pool.getState(false) == ConnectivityState.READY, () -> "READY");
    assertThat(pool.isHealthy()).isTrue();
    CompletableFuture<Void> changed = new CompletableFuture<>();
    pool.notifyWhenStateChanged(ConnectivityState.READY, () -> changed.complete(null));
    pool.shutdown();
    changed.join();
    assertThat(pool.isHealthy()).isFalse();
  }

  @Test
  void builderRejectsBadSettingsNamingThemAndTheBound() {
    ChannelPool.Builder b = ChannelPool.newBuilder("localhost:1");
    assertThatThrownBy(() -> b.minChannels(0)).hasMessage("minChannels: 0 (expected: > 0)");
    assertThatThrownBy(() -> b.maxChannels(0)).hasMessage("maxChannels: 0 (expected: 1..1024)");
    assertThatThrownBy(() -> b.callsPerChannel(-1))
        .hasMessage("callsPerChannel: -1 (expected: > 0)");
    assertThatThrownBy(() -> b.idleTimeout(Duration.ZERO))
        .hasMessage("idleTimeout: PT0S (expected: > 0)");
    assertThatThrownBy(() -> b.maintenanceInterval(Duration.ofHours(1)))
        .hasMessage("maintenanceInterval: PT1H (expected: PT0.001S..PT1M)");
    assertThatThrownBy(() -> b.healthCheck("", Duration.ofSeconds(1), Duration.ofSeconds(2)))
        .hasMessage("timeout: PT2S (expected: <= interval PT1S)");
    assertThatThrownBy(() -> ChannelPool.newBuilder(" "))
        .hasMessage("target: \" \" (expected: not blank)");
    assertThatThrownBy(
            () -> ChannelPool.newBuilder("localhost:1").minChannels(5).maxChannels(4).build())
        .hasMessage("minChannels: 5 (expected: <= maxChannels 4)");
    assertThatThrownBy(() -> b.keepAlive(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void forTargetUsesTlsUnlessPlaintextAndAppliesTheCustomizer() {
    TestServer plaintextServer = grpc.nettyServer(backend.definition());
    String target = plaintextServer.target();

    // Without usePlaintext the channels speak TLS, which a plaintext server cannot answer.
    ChannelPool tls = register(ChannelPool.newBuilder(target).build());
    CompletableFuture<String> refused =
        RpcClient.create(tls).withTimeout(WAIT).unary(ECHO, "over tls");
    assertThatThrownBy(refused::join)
        .isInstanceOf(CompletionException.class)
        .satisfies(
            e ->
                assertThat(Status.fromThrowable(e.getCause()).getCode())
                    .isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(backend.calls()).isZero();

    List<Object> seen = new ArrayList<>();
    ChannelPool plaintext =
        register(
            ChannelPool.newBuilder(target)
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
