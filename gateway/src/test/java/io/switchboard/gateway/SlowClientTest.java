package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.util.internal.PlatformDependent;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A slow client on a server stream of 1,000,000 messages: the gateway passes the client's pace back
 * to the backend, so what the backend has sent and the client has not yet read stays within the
 * HTTP/2 windows, and memory stays bounded, however long the client stalls.
 */
class SlowClientTest {
  private static final int MESSAGES = 1_000_000;
  private static final String PAYLOAD = "p".repeat(100); // 112 bytes a message on the wire
  private static final int WINDOW = 65_535;

  /** The client stalls after every this many messages... */
  private static final int STALL_EVERY = 50_000;

  /** ...for this long: long enough for an unbounded gateway to take in the whole stream. */
  private static final long STALL_MILLIS = 100;

  /**
   * Messages the backend may be ahead of the client: the windows (backend outbound 32 KiB, two
   * HTTP/2 windows of 64 KiB, gateway outbound 32 KiB) hold about 1,800; this allows 5x that.
   */
  private static final long MAX_LAG = 10_000;

  /** Direct memory of the whole test JVM (backend, gateway, client): the stream is 112 MB. */
  private static final long MAX_DIRECT_BYTES = 64L * 1024 * 1024;

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  @Test
  void slowClientSlowsTheBackendAndMemoryStaysBounded() throws Exception {
    EchoBackend backend = new EchoBackend("logs");
    TestServer server = grpc.nettyServer(b -> b.flowControlWindow(WINDOW), backend.definition());
    Gateway gateway =
        grpc.register(
                Gateway.builder()
                    .flowControlWindowBytes(WINDOW)
                    .route(
                        Route.named("logs")
                            .service("test.Echo")
                            .target(server.target())
                            .usePlaintext()
                            .flowControlWindowBytes(WINDOW)
                            .build())
                    .build())
            .start();
    ManagedChannel client =
        grpc.register(
            NettyChannelBuilder.forAddress(gateway.address())
                .usePlaintext()
                .flowControlWindow(WINDOW)
                .build());
    ScheduledExecutorService stalls = grpc.register(Executors.newSingleThreadScheduledExecutor());

    AtomicLong received = new AtomicLong();
    AtomicLong maxLag = new AtomicLong();
    AtomicLong maxDirect = new AtomicLong();
    CompletableFuture<Status> done = new CompletableFuture<>();
    ClientCall<Msg, Msg> call =
        client.newCall(
            EchoBackend.COUNT.descriptor(),
            CallOptions.DEFAULT
                .withExecutor(MoreExecutors.directExecutor())
                .withDeadlineAfter(150, TimeUnit.SECONDS));
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(Msg message) {
            long n = received.incrementAndGet();
            if (n % STALL_EVERY != 0) {
              call.request(1);
              return;
            }
            // Stall, then measure at the worst moment (the backend had the whole stall to run).
            stalls.schedule(
                () -> {
                  maxLag.accumulateAndGet(backend.sent.get() - received.get(), Math::max);
                  maxDirect.accumulateAndGet(PlatformDependent.usedDirectMemory(), Math::max);
                  call.request(1);
                },
                STALL_MILLIS,
                TimeUnit.MILLISECONDS);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            done.complete(status);
          }
        },
        new Metadata());
    call.request(1);
    call.sendMessage(new Msg(MESSAGES, PAYLOAD));
    call.halfClose();

    Status status = done.get(160, TimeUnit.SECONDS);

    assertThat(status.isOk()).as("stream status %s", status).isTrue();
    assertThat(received.get()).isEqualTo(MESSAGES);
    assertThat(maxLag.get())
        .as("messages sent by the backend and not yet read by the client, at the stalls")
        .isPositive()
        .isLessThanOrEqualTo(MAX_LAG);
    assertThat(PlatformDependent.usedDirectMemory())
        .as("Netty tracks its direct memory (else the memory bound cannot be checked)")
        .isNotNegative();
    assertThat(maxDirect.get()).isLessThan(MAX_DIRECT_BYTES);
    RouteMetrics metrics = gateway.metrics().get("logs");
    long streamBytes = 0;
    for (int i = 0; i < MESSAGES; i++) {
      streamBytes += GatewayTest.size(new Msg(i, PAYLOAD));
    }
    assertThat(metrics.responseBytes()).isEqualTo(streamBytes);
    assertThat(metrics.inFlight()).isZero();
    System.out.printf(
        "slow client: %,d messages, max lag %,d messages, max direct memory %,d bytes%n",
        received.get(), maxLag.get(), maxDirect.get());
  }
}
