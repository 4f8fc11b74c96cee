package io.switchboard.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.pool.ChannelStats.Health;
import io.switchboard.pool.ChannelStats.Role;
import io.switchboard.testing.Await;
import io.switchboard.testing.EchoService;
import io.switchboard.testing.FaultProxy;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Faults over real Netty on loopback, with the testing module's fault proxy. */
class PoolFaultTest {
  static final MethodSpec<String, String> ECHO = MethodSpec.of(EchoService.ECHO);
  static final MethodSpec<String, String> HANG = MethodSpec.of(EchoService.HANG);
  static final Duration WAIT = Duration.ofSeconds(30);

  /**
   * {@link KeepAlivePreset#FAST_FAILURE_DETECTION}'s client (pings every 10 s, grpc-java's
   * shortest, with or without calls) with a 1 s timeout, so tests notice a dead peer sooner.
   */
  static final ClientKeepAlive SHORT_CLIENT =
      KeepAlivePreset.FAST_FAILURE_DETECTION.client().withKeepAliveTimeout(Duration.ofSeconds(1));

  /** The server policy that accepts {@link #SHORT_CLIENT}: the preset's own. */
  static final ServerKeepAlivePolicy SHORT_SERVER = KeepAlivePreset.FAST_FAILURE_DETECTION.server();

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  final List<EchoService> backends = new ArrayList<>();

  @AfterEach
  void closeBackends() {
    backends.forEach(EchoService::releaseHeld);
  }

  EchoService backend(String name) {
    EchoService backend = new EchoService(name);
    backends.add(backend);
    return backend;
  }

  TestServer server(EchoService backend, Consumer<NettyServerBuilder> configure) {
    return grpc.nettyServer(configure, backend.definition());
  }

  /** A backend serving behind a server with grpc.health.v1, its status for test.Echo SERVING. */
  record Checked(EchoService backend, HealthStatusManager health, TestServer server) {}

  Checked checkedServer(String name) {
    EchoService backend = backend(name);
    HealthStatusManager health = new HealthStatusManager();
    TestServer server = server(backend, x -> x.addService(health.getHealthService()));
    health.setStatus("test.Echo", ServingStatus.SERVING);
    return new Checked(backend, health, server);
  }

  /** Channel builders to {@code first} for the first channel, to {@code rest} for every other. */
  static Supplier<ManagedChannelBuilder<?>> firstThen(String first, String rest) {
    AtomicInteger built = new AtomicInteger();
    return () -> NettyChannelBuilder.forTarget(built.getAndIncrement() == 0 ? first : rest);
  }

  /** Channel builders that take turns over the given targets: one pool over several servers. */
  static Supplier<ManagedChannelBuilder<?>> roundRobin(String... targets) {
    AtomicInteger next = new AtomicInteger();
    return () -> NettyChannelBuilder.forTarget(targets[next.getAndIncrement() % targets.length]);
  }

  static RpcClient client(ChannelPool pool) {
    return RpcClient.create(pool).withTimeout(Duration.ofSeconds(5));
  }

  static Status.Code codeOf(CompletableFuture<?> call) {
    try {
      call.join();
      return Status.Code.OK;
    } catch (CompletionException e) {
      return Status.fromThrowable(e.getCause()).getCode();
    }
  }

  @Test
  void backendRestartedOnTheSamePortServesAgainWithinSeconds() throws Exception {
    EchoService backend = backend("a");
    TestServer first = server(backend, b -> {});
    int port = first.port();
    ChannelPool pool =
        grpc.register(
            ChannelPool.newBuilder(first.target())
                .usePlaintext()
                .maintenanceInterval(Duration.ofMillis(50))
                .build());
    RpcClient client = client(pool);
    assertThat(client.unary(ECHO, "before").join()).isEqualTo("a:before");

    first.server().shutdownNow();
    assertThat(first.server().awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    // While the backend is down, calls fail fast with UNAVAILABLE (fail-open: not held locally).
    Await.until(
        WAIT,
        () -> codeOf(client.unary(ECHO, "down")) == Status.Code.UNAVAILABLE,
        () -> "a call fails while down");
    assertThat(pool.isHealthy()).isFalse();

    grpc.nettyServer(port, b -> {}, backend.definition());
    long back = System.nanoTime();
    Await.until(
        WAIT, () -> codeOf(client.unary(ECHO, "after")) == Status.Code.OK, () -> "served again");
    Duration recovery = Duration.ofNanos(System.nanoTime() - back);
    assertThat(recovery).isLessThan(Duration.ofSeconds(10));
    Await.until(WAIT, pool::isHealthy, () -> "healthy again");
    assertThat(pool.stats().callsInFlight()).isZero();
  }

  @Test
  void oneOfThreeBackendsKilledFailsOnlyItsCallsInFlight() throws Exception {
    EchoService a = backend("a");
    EchoService b = backend("b");
    EchoService c = backend("c");
    TestServer serverA = server(a, x -> {});
    TestServer serverB = server(b, x -> {});
    TestServer serverC = server(c, x -> {});
    ChannelPool pool =
        grpc.register(
            ChannelPool.newBuilder(roundRobin(serverA.target(), serverB.target(), serverC.target()))
                .usePlaintext()
                .minChannels(3)
                .maxChannels(3)
                .maintenanceInterval(Duration.ofMillis(50))
                .build());
    Await.until(
        WAIT,
        () ->
            pool.stats().channels().stream().allMatch(ch -> ch.state() == ConnectivityState.READY),
        () -> "all READY");
    RpcClient client = client(pool).withTimeout(Duration.ofSeconds(20));

    List<CompletableFuture<String>> held = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      held.add(client.unary(HANG, "hold"));
    }
    Await.until(WAIT, () -> a.heldCount() + b.heldCount() + c.heldCount() == 30, () -> "30 held");
    int onB = b.heldCount();
    assertThat(onB).isPositive();

    serverB.server().shutdownNow();
    a.releaseHeld();
    c.releaseHeld();
    int failed = 0;
    for (CompletableFuture<String> call : held) {
      Status.Code code = codeOf(call);
      if (code != Status.Code.OK) {
        // The server's shutdownNow resets its streams (CANCELLED) or the connection (UNAVAILABLE).
        assertThat(code).isIn(Status.Code.UNAVAILABLE, Status.Code.CANCELLED);
        failed++;
      }
    }
    assertThat(failed).as("only the calls in flight on b fail").isEqualTo(onB);

    for (int i = 0; i < 60; i++) {
      assertThat(client.unary(ECHO, "after").join()).matches("[ac]:after");
    }
    assertThat(pool.stats().channels())
        .filteredOn(ch -> ch.health() == Health.UNHEALTHY)
        .hasSize(1);
    assertThat(pool.stats().callsInFlight()).isZero();
  }

  @Test
  void blackholedPeerWithActiveCallIsDetectedWithinKeepAliveTimePlusTimeout() {
    EchoService backend = backend("a");
    TestServer server = server(backend, SHORT_SERVER::applyTo);
    FaultProxy proxy = grpc.register(FaultProxy.start(server.address()));
    ChannelPool pool =
        grpc.register(
            ChannelPool.newBuilder(proxy.target()).usePlaintext().keepAlive(SHORT_CLIENT).build());
    RpcClient client = RpcClient.create(pool); // no deadline: only keepalive can end the call
    assertThat(client.unary(ECHO, "warm").join()).isEqualTo("a:warm");

    CompletableFuture<String> call = client.unary(HANG, "hold");
    Await.until(WAIT, () -> backend.heldCount() == 1, () -> "held");
    proxy.blackhole();
    long start = System.nanoTime();
    assertThat(codeOf(call)).isEqualTo(Status.Code.UNAVAILABLE);
    Duration detected = Duration.ofNanos(System.nanoTime() - start);

    // keepAliveTime + keepAliveTimeout = 11 s, plus slack for a busy machine.
    assertThat(detected).isLessThan(SHORT_CLIENT.deadPeerDetectionTime().plusSeconds(4));
    assertThat(pool.stats().callsInFlight()).isZero();
  }

  @Test
  void goAwayFromMaxConnectionAgeFailsNoCalls() throws Exception {
    EchoService backend = backend("a");
    ServerKeepAlivePolicy aging =
        ServerKeepAlivePolicy.GRPC_DEFAULTS.withMaxConnectionAge(
            Duration.ofMillis(1000), Duration.ofSeconds(10));
    TestServer server = server(backend, aging::applyTo);
    FaultProxy proxy = grpc.register(FaultProxy.start(server.address()));
    ChannelPool pool =
        grpc.register(
            ChannelPool.newBuilder(proxy.target())
                .usePlaintext()
                .minChannels(2)
                .maintenanceInterval(Duration.ofMillis(50))
                .build());
    RpcClient client = client(pool);

    long end = System.nanoTime() + Duration.ofMillis(4500).toNanos();
    int calls = 0;
    while (System.nanoTime() < end) {
      List<CompletableFuture<String>> batch = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        batch.add(client.unary(ECHO, "x"));
      }
      for (CompletableFuture<String> call : batch) {
        assertThat(call.join()).isEqualTo("a:x");
        calls++;
      }
    }
    assertThat(calls).isPositive();
    // Each connection lived about a second: the channels reconnected several times meanwhile.
    assertThat(proxy.acceptedConnections()).isGreaterThanOrEqualTo(4);
    assertThat(pool.stats().channels().stream().mapToLong(ChannelStats::callsFailed).sum())
        .isZero();
  }

  @Test
  void notServingTakesAChannelOutOfRotationAndServingBringsItBack() {
    Checked a = checkedServer("a");
    Checked b = checkedServer("b");
    ChannelPool pool =
        grpc.register(
            ChannelPool.newBuilder(roundRobin(a.server().target(), b.server().target()))
                .usePlaintext()
                .minChannels(2)
                .maxChannels(2)
                .healthCheck("test.Echo", Duration.ofMillis(200), Duration.ofMillis(200))
                .replaceUnhealthyAfter(Duration.ofMinutes(10))
                .maintenanceInterval(Duration.ofMillis(50))
                .build());
    RpcClient client = client(pool);
    Await.until(
        WAIT,
        () ->
            pool.stats().channels().stream()
                .allMatch(ch -> ch.healthDetail().equals("health check: SERVING")),
        () -> "both checked SERVING" + "\n" + pool.stats().toTable());

    a.health().setStatus("test.Echo", ServingStatus.NOT_SERVING);
    Await.until(
        WAIT,
        () -> pool.stats().channels().stream().anyMatch(ch -> ch.health() == Health.UNHEALTHY),
        () -> "a out of rotation" + "\n" + pool.stats().toTable());
    assertThat(pool.isHealthy()).isTrue();
    long servedByA = a.backend().calls();
    for (int i = 0; i < 50; i++) {
      assertThat(client.unary(ECHO, "x").join()).isEqualTo("b:x");
    }
    assertThat(a.backend().calls()).isEqualTo(servedByA);

    a.health().setStatus("test.Echo", ServingStatus.SERVING);
    Await.until(
        WAIT,
        () -> pool.stats().channels().stream().allMatch(ch -> ch.health() == Health.HEALTHY),
        () -> "a back" + "\n" + pool.stats().toTable());
    for (int i = 0; i < 100; i++) {
      client.unary(ECHO, "y").join();
    }
    assertThat(a.backend().calls()).isGreaterThan(servedByA);
    assertThat(pool.stats().replaced()).isZero();
    a.health().enterTerminalState();
    b.health().enterTerminalState();
  }

  /**
   * Checks that {@code condition} holds throughout {@code window}: a bounded observation that
   * something does not happen (polled every 10 ms), not a wait standing in for a condition.
   */
  static void holdsFor(String what, Duration window, BooleanSupplier condition)
      throws InterruptedException {
    long end = System.nanoTime() + window.toNanos();
    while (System.nanoTime() - end < 0) {
      assertThat(condition.getAsBoolean()).as(what).isTrue();
      Thread.sleep(10); // polling interval of the observation, not a stand-in for a condition
    }
    assertThat(condition.getAsBoolean()).as(what).isTrue();
  }

  @Test
  void refreshSwapsInAFreshChannelOnlyOnceItHasConnected() {
    EchoService backend = backend("a");
    TestServer server = server(backend, x -> {});
    // Fresh channels go through a proxy that lets no byte through until told to.
    FaultProxy stalled = grpc.register(FaultProxy.start(server.address()));
    stalled.blackhole();
    ChannelPool pool =
        grpc.register(
            ChannelPool.newBuilder(firstThen(server.target(), stalled.target()))
                .usePlaintext()
                .maxChannelAge(Duration.ofMillis(300))
                .warmUpTimeout(Duration.ofMinutes(1))
                .maintenanceInterval(Duration.ofMillis(20))
                .build());
    RpcClient client = client(pool).withTimeout(Duration.ofSeconds(2));
    assertThat(client.unary(ECHO, "first").join()).isEqualTo("a:first");
    Await.until(
        WAIT,
        () -> pool.stats().channels().stream().anyMatch(c -> c.role() == Role.WARMING),
        () -> "a fresh channel warming up" + "\n" + pool.stats().toTable());

    // For 20 passes it cannot connect: the calls stay on the old channel, none fails.
    long calls = 0;
    for (long end = System.nanoTime() + 400_000_000L; System.nanoTime() - end < 0; calls++) {
      assertThat(client.unary(ECHO, "x").join()).isEqualTo("a:x");
    }
    long callsOnOld = 1 + calls;
    PoolStats during = pool.stats();
    assertThat(during.refreshed()).as(during.toTable()).isZero();
    assertThat(during.channels())
        .as(during.toTable())
        .satisfiesExactly(
            old -> {
              assertThat(old.role()).isEqualTo(Role.ACTIVE);
              assertThat(old.callsStarted()).isEqualTo(callsOnOld);
            },
            fresh -> {
              assertThat(fresh.role()).isEqualTo(Role.WARMING);
              assertThat(fresh.state()).isNotEqualTo(ConnectivityState.READY);
              assertThat(fresh.callsStarted()).isZero();
            });

    stalled.passThrough();
    Await.until(
        WAIT,
        () -> pool.stats().refreshed() >= 1,
        () -> "refreshed" + "\n" + pool.stats().toTable());
    for (int i = 0; i < 20; i++) {
      assertThat(client.unary(ECHO, "after").join()).isEqualTo("a:after");
    }
    assertThat(stalled.acceptedConnections()).isPositive();
    assertThat(pool.stats().callsFailed()).as(pool.stats().toTable()).isZero();
  }

  @Test
  void aChannelUnhealthyForReplaceUnhealthyAfterIsReplacedByAFreshOne() {
    Checked a = checkedServer("a");
    Checked b = checkedServer("b");
    // The first channel goes to a, every later one to b.
    ChannelPool pool =
        grpc.register(
            ChannelPool.newBuilder(firstThen(a.server().target(), b.server().target()))
                .usePlaintext()
                .healthCheck("test.Echo", Duration.ofMillis(100), Duration.ofMillis(100))
                .replaceUnhealthyAfter(Duration.ofMillis(300))
                .maintenanceInterval(Duration.ofMillis(20))
                .build());
    RpcClient client = client(pool);
    assertThat(client.unary(ECHO, "x").join()).isEqualTo("a:x");

    a.health().setStatus("test.Echo", ServingStatus.NOT_SERVING);
    Await.until(
        WAIT, () -> pool.stats().replaced() == 1, () -> "replaced" + "\n" + pool.stats().toTable());
    PoolStats after = pool.stats();
    assertThat(after.channels())
        .as(after.toTable())
        .filteredOn(c -> c.role() == Role.ACTIVE)
        .singleElement()
        .satisfies(
            fresh -> {
              assertThat(fresh.id()).isEqualTo(2);
              assertThat(fresh.state()).isEqualTo(ConnectivityState.READY);
              assertThat(fresh.health()).isEqualTo(Health.HEALTHY);
            });
    assertThat(after.refreshed()).isZero();
    for (int i = 0; i < 20; i++) {
      assertThat(client.unary(ECHO, "y").join()).isEqualTo("b:y");
    }
    Await.until(
        WAIT,
        () -> pool.stats().channels().size() == 1,
        () -> "the replaced channel gone" + "\n" + pool.stats().toTable());
    assertThat(pool.stats().callsFailed()).isZero();
    a.health().enterTerminalState();
    b.health().enterTerminalState();
  }

  @Test
  void mobilePresetsServerClosesIdleConnectionsAndThePoolLeavesThemClosed()
      throws InterruptedException {
    EchoService backend = backend("a");
    // MOBILE's server half closes connections idle for 15 min; here after 500 ms.
    ServerKeepAlivePolicy mobile =
        KeepAlivePreset.MOBILE.server().withMaxConnectionIdle(Duration.ofMillis(500));
    TestServer server = server(backend, mobile::applyTo);
    FaultProxy proxy = grpc.register(FaultProxy.start(server.address()));
    ChannelPool pool =
        grpc.register(
            ChannelPool.newBuilder(proxy.target())
                .usePlaintext()
                .keepAlive(KeepAlivePreset.MOBILE.client())
                .replaceUnhealthyAfter(Duration.ofMillis(200))
                .maintenanceInterval(Duration.ofMillis(20))
                .build());
    RpcClient client = client(pool);
    assertThat(client.unary(ECHO, "hi").join()).isEqualTo("a:hi");
    assertThat(proxy.acceptedConnections()).isPositive();

    Await.until(
        WAIT, () -> proxy.openConnections() == 0, () -> "the server closed the idle connection");
    // Read after the close: on a loaded machine the 500 ms idle close can already have taken a
    // connection while the first call was being set up, so count from here, not from 1.
    long accepted = proxy.acceptedConnections();
    // The pool carried no call since: it must not open a connection the server just closed, nor
    // replace the idle channel as unhealthy (replaceUnhealthyAfter is shorter than the window).
    holdsFor(
        "no reconnect while no call comes",
        Duration.ofSeconds(1),
        () -> proxy.acceptedConnections() == accepted && pool.isHealthy());
    PoolStats idle = pool.stats();
    assertThat(idle.replaced()).as(idle.toTable()).isZero();
    assertThat(idle.channels())
        .as(idle.toTable())
        .singleElement()
        .satisfies(c -> assertThat(c.state()).isEqualTo(ConnectivityState.IDLE));

    // The next call connects it again.
    assertThat(client.unary(ECHO, "back").join()).isEqualTo("a:back");
    assertThat(proxy.acceptedConnections()).isGreaterThan(accepted);
    assertThat(pool.stats().callsFailed()).isZero();
  }

  @Test
  void presetPairedWithItsServerPolicyNeverGetsTooManyPingsWhileIdle() {
    assertThat(SHORT_CLIENT.incompatibilities(SHORT_SERVER)).isEmpty();
    // The control: a server that permits pings every 60 s only. The check predicts the failure...
    ServerKeepAlivePolicy strict = SHORT_SERVER.withPermitKeepAliveTime(Duration.ofSeconds(60));
    assertThat(SHORT_CLIENT.incompatibilities(strict))
        .singleElement()
        .asString()
        .contains("too_many_pings");

    EchoService backend = backend("a");
    FaultProxy paired =
        grpc.register(FaultProxy.start(server(backend, SHORT_SERVER::applyTo).address()));
    FaultProxy control =
        grpc.register(FaultProxy.start(server(backend, strict::applyTo).address()));
    ChannelPool good = idlePool(paired);
    long pairedBytesAfterConnect = paired.bytesForwarded();
    ChannelPool bad = idlePool(control);

    // ...and the wire shows it: the strict server closes the idle connection after three pings
    // (about 30 s); the idle pool leaves it closed until its next call. Meanwhile the paired
    // connection must stay the same.
    Await.until(
        Duration.ofSeconds(60),
        () -> control.openConnections() == 0 || control.acceptedConnections() >= 2,
        () -> "control connection closed by too_many_pings");
    Await.until(
        Duration.ofSeconds(20),
        () -> paired.bytesForwarded() > pairedBytesAfterConnect,
        () -> "paired pool pinged past the control's failure");
    assertThat(paired.acceptedConnections()).isEqualTo(1);
    assertThat(good.getState(false)).isEqualTo(ConnectivityState.READY);
    assertThat(client(good).unary(ECHO, "still").join()).isEqualTo("a:still");
    assertThat(client(bad).unary(ECHO, "again").join()).isEqualTo("a:again");
    assertThat(paired.acceptedConnections()).isEqualTo(1);
  }

  ChannelPool idlePool(FaultProxy proxy) {
    ChannelPool pool =
        grpc.register(
            ChannelPool.newBuilder(proxy.target()).usePlaintext().keepAlive(SHORT_CLIENT).build());
    assertThat(client(pool).unary(ECHO, "connect").join()).isEqualTo("a:connect");
    return pool;
  }

  @Test
  void poolCallOptionsReachTheChannel() {
    EchoService backend = backend("a");
    TestServer server = server(backend, x -> {});
    ChannelPool pool =
        grpc.register(ChannelPool.newBuilder(server.target()).usePlaintext().build());
    CompletableFuture<String> call =
        RpcClient.create(pool)
            .withCallOptions(CallOptions.DEFAULT.withDeadlineAfter(50, TimeUnit.MILLISECONDS))
            .unary(HANG, "hold");
    assertThat(codeOf(call)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(pool.stats().callsInFlight()).isZero();
  }
}
