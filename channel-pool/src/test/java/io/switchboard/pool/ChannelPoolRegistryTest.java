package io.switchboard.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.testing.Await;
import io.switchboard.testing.EchoService;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ChannelPoolRegistryTest {
  static final MethodSpec<String, String> ECHO = MethodSpec.of(EchoService.ECHO);
  static final MethodSpec<String, String> HANG = MethodSpec.of(EchoService.HANG);
  static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  final EchoService backend = new EchoService("a");

  @AfterEach
  void releaseBackend() {
    backend.releaseHeld();
  }

  @Test
  void oneRegistryPoolPerKeyExpiredWhenUnusedAndShutDownGracefully() throws Exception {
    TestServer server = grpc.inProcessServer(backend.definition());
    AtomicInteger made = new AtomicInteger();
    ChannelPoolRegistry registry =
        grpc.register(
            ChannelPoolRegistry.newBuilder(
                    key -> {
                      made.incrementAndGet();
                      return ChannelPool.newBuilder(server::newChannelBuilder).name(key).build();
                    })
                .expireAfterUnused(Duration.ofMillis(300))
                .build());

    ChannelPool users = registry.get("users");
    assertThat(registry.get("users")).isSameAs(users);
    assertThat(registry.get("orders")).isNotSameAs(users);
    assertThat(made.get()).isEqualTo(2);
    assertThat(RpcClient.create(users).unary(ECHO, "hi").join()).isEqualTo("a:hi");

    Await.until(Duration.ofSeconds(20), users::isShutdown, () -> "expired");
    assertThat(users.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    ChannelPool again = registry.get("users");
    assertThat(again).isNotSameAs(users);
    assertThat(RpcClient.create(again).unary(ECHO, "back").join()).isEqualTo("a:back");

    registry.close();
    assertThat(again.isShutdown()).isTrue();
    assertThatThrownBy(() -> registry.get("users")).isInstanceOf(IllegalStateException.class);
  }

  /** A registry over an in-process backend whose pools expire after {@code expiry} unused. */
  ChannelPoolRegistry registry(Duration expiry, long maxPools) {
    TestServer server = grpc.inProcessServer(backend.definition());
    return grpc.register(
        ChannelPoolRegistry.newBuilder(
                key -> ChannelPool.newBuilder(server::newChannelBuilder).name(key).build())
            .expireAfterUnused(expiry)
            .maxPools(maxPools)
            .build());
  }

  @Test
  void aPoolWithACallInFlightIsNotExpiredUnderItsHolder() {
    ChannelPoolRegistry registry = registry(Duration.ofMillis(200), 100);
    ChannelPool users = registry.get("users");
    CompletableFuture<String> held = RpcClient.create(users).unary(HANG, "hold");
    Await.until(WAIT, () -> backend.heldCount() == 1, () -> "held");

    // A pool got later and never used expires: by then "users" is past its expiry too.
    ChannelPool control = registry.get("control");
    Await.until(WAIT, control::isShutdown, () -> "control expired");
    assertThat(users.isShutdown()).as("a pool with a call in flight is in use").isFalse();

    backend.releaseHeld();
    assertThat(held.join()).isEqualTo("a:hold");
    assertThat(RpcClient.create(users).unary(ECHO, "still").join()).isEqualTo("a:still");
    Await.until(WAIT, users::isShutdown, () -> "users expired once out of use");
  }

  @Test
  void aPoolKeptAndCalledWithoutGetIsNotExpired() {
    // 1 s idle expiry: the gap between two calls must stay under it, and on a starved CI core a
    // gap of 200 ms (the other tests' expiry) happened once and expired the pool in use.
    ChannelPoolRegistry registry = registry(Duration.ofSeconds(1), 100);
    ChannelPool users = registry.get("users");
    ChannelPool control = registry.get("control");
    RpcClient client = RpcClient.create(users);
    int calls = 0;
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!control.isShutdown()) {
      assertThat(System.nanoTime() - deadline).as("control expired in time").isNegative();
      assertThat(client.unary(ECHO, "x").join()).isEqualTo("a:x");
      calls++;
    }
    assertThat(calls).isPositive();
    assertThat(users.isShutdown()).as("each call counts as use").isFalse();
    assertThat(registry.get("users")).isSameAs(users);
  }

  @Test
  void aLeasedPoolDoesNotExpireUntilTheLeaseIsClosed() {
    ChannelPoolRegistry registry = registry(Duration.ofMillis(200), 100);
    ChannelPoolRegistry.Lease lease = registry.lease("users");
    ChannelPool users = lease.pool();
    assertThat(registry.get("users")).isSameAs(users);
    ChannelPool control = registry.get("control");
    Await.until(WAIT, control::isShutdown, () -> "control expired");
    assertThat(users.isShutdown()).as("leased").isFalse();
    assertThat(RpcClient.create(users).unary(ECHO, "leased").join()).isEqualTo("a:leased");

    lease.close();
    lease.close(); // idempotent: the count of leases is not taken twice
    try (ChannelPoolRegistry.Lease other = registry.lease("users")) {
      assertThat(other.pool()).isSameAs(users);
    }
    Await.until(WAIT, users::isShutdown, () -> "expired after the leases closed");
  }

  @Test
  void aPoolEvictedForSizeWhileInUseShutsDownOnlyOnceOutOfUse() {
    ChannelPoolRegistry registry = registry(Duration.ofMillis(400), 1);
    ChannelPoolRegistry.Lease first = registry.lease("first");
    ChannelPoolRegistry.Lease second = registry.lease("second");
    Await.until(WAIT, () -> registry.size() == 1, () -> "one pool left");
    // Caffeine chooses which one leaves (it may refuse the newcomer).
    boolean firstLeft = registry.getIfPresent("first") == null;
    ChannelPoolRegistry.Lease evicted = firstLeft ? first : second;
    ChannelPoolRegistry.Lease kept = firstLeft ? second : first;
    assertThat(registry.getIfPresent(firstLeft ? "second" : "first")).isSameAs(kept.pool());
    assertThat(evicted.pool().isShutdown()).as("evicted, but leased").isFalse();
    assertThat(RpcClient.create(evicted.pool()).unary(ECHO, "x").join()).isEqualTo("a:x");

    evicted.close();
    Await.until(WAIT, evicted.pool()::isShutdown, () -> "evicted pool shut down once out of use");
    assertThat(kept.pool().isShutdown()).as("still leased").isFalse();
    kept.close();
  }

  @Test
  void replacesAPoolItsUserShutDown() {
    TestServer server = grpc.inProcessServer();
    ChannelPoolRegistry registry =
        grpc.register(
            ChannelPoolRegistry.newBuilder(
                    key -> ChannelPool.newBuilder(server::newChannelBuilder).name(key).build())
                .build());
    ChannelPool first = registry.get("users");
    first.shutdownNow();
    ChannelPool second = registry.get("users");
    assertThat(second).isNotSameAs(first);
    assertThat(second.isShutdown()).isFalse();
    assertThat(registry.get("users")).isSameAs(second);
    assertThatThrownBy(() -> ChannelPoolRegistry.newBuilder(k -> null).build().get("x"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("factory returned null for x");
    assertThatThrownBy(
            () -> ChannelPoolRegistry.newBuilder(k -> null).expireAfterUnused(Duration.ZERO))
        .hasMessage("expireAfterUnused: PT0S (expected: > 0)");
  }
}
