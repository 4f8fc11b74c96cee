package io.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class GrpcExtensionTest {
  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  @Test
  void inProcessServerServesAndItsChannelsWork() {
    TestServer server = grpc.inProcessServer(new EchoService("echo").definition());
    assertThat(server.isInProcess()).isTrue();
    assertThat(server.inProcessName()).isNotBlank();
    assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class);
    assertThat(call(server.newChannel(), "in-process")).isEqualTo("echo:in-process");
  }

  @Test
  void nettyServerListensOnLoopbackAtAnEphemeralPort() {
    TestServer server = grpc.nettyServer(new EchoService("echo").definition());
    assertThat(server.isInProcess()).isFalse();
    assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
    assertThat(server.port()).isPositive();
    assertThat(server.target()).endsWith(":" + server.port());
    assertThat(call(server.newChannel(), "netty")).isEqualTo("echo:netty");
  }

  @Test
  void nettyServerCanBeRestartedOnTheSamePort() throws Exception {
    TestServer first = grpc.nettyServer(new EchoService("echo").definition());
    int port = first.port();
    first.server().shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    TestServer second = grpc.nettyServer(port, b -> {}, new EchoService("echo").definition());
    assertThat(second.port()).isEqualTo(port);
    assertThat(call(second.newChannel(), "again")).isEqualTo("echo:again");
  }

  @Test
  void cleanupShutsDownEverythingRegisteredDuringATest() {
    GrpcExtension extension = new GrpcExtension();
    extension.beforeEach(null);
    TestServer server = extension.nettyServer(new EchoService("echo").definition());
    ManagedChannel channel = server.newChannel();
    ExecutorService executor = extension.register(Executors.newSingleThreadExecutor());
    AtomicBoolean closed = new AtomicBoolean();
    extension.register((AutoCloseable) () -> closed.set(true));
    assertThat(call(channel, "before cleanup")).isEqualTo("echo:before cleanup");

    extension.afterEach(null);

    assertThat(channel.isTerminated()).isTrue();
    assertThat(server.server().isTerminated()).isTrue();
    assertThat(executor.isTerminated()).isTrue();
    assertThat(closed).isTrue();
  }

  @Test
  void classLevelResourcesOutliveTestsUntilAfterAll() {
    GrpcExtension extension = new GrpcExtension();
    TestServer server =
        extension.inProcessServer(new EchoService("echo").definition()); // as in @BeforeAll
    extension.beforeEach(null);
    ManagedChannel channel = server.newChannel();
    extension.afterEach(null);
    assertThat(channel.isTerminated()).isTrue();
    assertThat(server.server().isShutdown()).isFalse();

    extension.afterAll(null);
    assertThat(server.server().isTerminated()).isTrue();
  }

  @Test
  void cleanupFailsLoudlyWhenSomethingWillNotTerminate() throws Exception {
    GrpcExtension extension = new GrpcExtension(Duration.ofMillis(100));
    extension.beforeEach(null);
    ExecutorService stubborn = Executors.newSingleThreadExecutor();
    extension.register(stubborn);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    stubborn.execute(
        () -> {
          running.countDown();
          while (true) {
            try {
              release.await();
              return;
            } catch (InterruptedException ignored) {
              // Refuses to stop until released.
            }
          }
        });
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    try {
      assertThatThrownBy(() -> extension.afterEach(null))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("not terminated");
    } finally {
      release.countDown();
      assertThat(stubborn.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void rejectsWhatItCannotCleanUp() {
    assertThatThrownBy(() -> grpc.register("a string"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.String");
    assertThatThrownBy(() -> grpc.nettyServer(70_000, b -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port: 70000");
  }

  static String call(ManagedChannel channel, String message) {
    return ClientCalls.blockingUnaryCall(
        channel,
        EchoService.ECHO,
        CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
        message);
  }
}
