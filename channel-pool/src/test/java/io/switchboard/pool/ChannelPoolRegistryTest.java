package io.switchboard.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ChannelPoolRegistryTest {
  static final MethodSpec<String, String> ECHO = MethodSpec.of(TestBackend.ECHO);

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  @Test
  void oneRegistryPoolPerKeyExpiredWhenUnusedAndShutDownGracefully() throws Exception {
    TestBackend backend = new TestBackend("a");
    try {
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

      Await.until("expired", Duration.ofSeconds(20), users::isShutdown);
      assertThat(users.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      ChannelPool again = registry.get("users");
      assertThat(again).isNotSameAs(users);
      assertThat(RpcClient.create(again).unary(ECHO, "back").join()).isEqualTo("a:back");

      registry.close();
      assertThat(again.isShutdown()).isTrue();
      assertThatThrownBy(() -> registry.get("users")).isInstanceOf(IllegalStateException.class);
    } finally {
      backend.close();
    }
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
