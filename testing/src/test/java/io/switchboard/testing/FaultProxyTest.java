package io.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each fault mode, shown against a real gRPC call through the proxy to a Netty server. */
class FaultProxyTest {
  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private final EchoService echo = new EchoService("echo");
  private TestServer server;
  private FaultProxy proxy;

  @BeforeEach
  void setUp() {
    server = grpc.nettyServer(echo.definition());
    proxy = grpc.register(FaultProxy.start(server.address()));
  }

  private ManagedChannel channelThroughProxy() {
    return grpc.register(NettyChannelBuilder.forTarget(proxy.target()).usePlaintext().build());
  }

  private static Status.Code failureCode(ManagedChannel channel, Duration deadline) {
    try {
      String reply =
          ClientCalls.blockingUnaryCall(
              channel,
              EchoService.ECHO,
              CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS),
              "hello");
      throw new AssertionError("expected the call to fail, got " + reply);
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void passThroughForwardsCalls() {
    ManagedChannel channel = channelThroughProxy();
    assertThat(GrpcExtensionTest.call(channel, "through")).isEqualTo("echo:through");
    assertThat(proxy.acceptedConnections()).isEqualTo(1);
    assertThat(proxy.bytesForwarded()).isPositive();
    assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.PASS_THROUGH);
  }

  @Test
  void blackholeMakesACallWithADeadlineFailDeadlineExceededThenRecovers() {
    ManagedChannel channel = channelThroughProxy();
    assertThat(GrpcExtensionTest.call(channel, "warm up")).isEqualTo("echo:warm up");

    proxy.blackhole();
    assertThat(failureCode(channel, Duration.ofMillis(500)))
        .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(proxy.openConnections()).as("blackhole closes nothing").isEqualTo(1);

    proxy.passThrough();
    assertThat(GrpcExtensionTest.call(channel, "after")).isEqualTo("echo:after");
  }

  @Test
  void resetMakesTheCallInFlightFailUnavailable() throws Exception {
    ManagedChannel channel = channelThroughProxy();
    ListenableFuture<String> call =
        ClientCalls.futureUnaryCall(
            channel.newCall(
                EchoService.HANG, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)),
            "hang");
    Await.until(
        Duration.ofSeconds(30),
        () -> echo.heldCount() == 1,
        () -> "the call held on the server, " + echo.calls() + " calls arrived");

    proxy.resetConnections();

    assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    // The server saw its side of the connection die.
    echo.awaitCancellation(Duration.ofSeconds(30));
    assertThat(echo.heldCount()).isZero();
    assertThat(proxy.openConnections()).isZero();
  }

  @Test
  void refuseResetsNewConnectionsButOpenOnesKeepWorking() {
    ManagedChannel open = channelThroughProxy();
    assertThat(GrpcExtensionTest.call(open, "open")).isEqualTo("echo:open");

    proxy.refuseNewConnections();

    assertThat(failureCode(channelThroughProxy(), Duration.ofSeconds(30)))
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(proxy.refusedConnections()).isPositive();
    assertThat(GrpcExtensionTest.call(open, "still open")).isEqualTo("echo:still open");
  }

  @Test
  void latencyDelaysEveryRoundTrip() {
    ManagedChannel channel = channelThroughProxy();
    assertThat(GrpcExtensionTest.call(channel, "warm up")).isEqualTo("echo:warm up");

    proxy.setLatency(Duration.ofMillis(150));
    long start = System.nanoTime();
    assertThat(GrpcExtensionTest.call(channel, "slow")).isEqualTo("echo:slow");
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

    // Request and response each wait 150 ms; nothing can make the round trip shorter.
    assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void onlyLoopbackTargetsAreAccepted() {
    assertThatThrownBy(() -> FaultProxy.start(new InetSocketAddress("192.0.2.1", 80)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loopback");
    assertThatThrownBy(() -> proxy.setLatency(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("oneWay: PT-0.001S");
  }

  @Test
  void closeEndsConnectionsAndThreads() {
    ManagedChannel channel = channelThroughProxy();
    assertThat(GrpcExtensionTest.call(channel, "x")).isEqualTo("echo:x");
    proxy.close();
    assertThat(proxy.openConnections()).isZero();
    assertThat(failureCode(channel, Duration.ofSeconds(30))).isEqualTo(Status.Code.UNAVAILABLE);
    proxy.close(); // idempotent
  }
}
