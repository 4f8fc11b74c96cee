package io.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Context;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.testing.Await;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestMarshallers;
import io.switchboard.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Completing a call's future on the client cancels the call, and the server sees it. */
class CancellationTest {
  static final Marshaller<String> M = TestMarshallers.utf8();
  static final ServiceSpec SPEC = ServiceSpec.named("test.Slow");
  static final MethodSpec<String, String> NEVER = SPEC.unary("Never", M, M);
  static final MethodSpec<String, String> BLOCKING = SPEC.unary("Blocking", M, M);
  static final MethodSpec<String, String> FAILS = SPEC.unary("Fails", M, M);

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  /** Futures the async handler returned, in arrival order. */
  private final LinkedBlockingQueue<CompletableFuture<String>> serverFutures =
      new LinkedBlockingQueue<>();

  /** Completed with the handler thread's view when the blocking handler's context is cancelled. */
  private final CompletableFuture<Throwable> blockingHandlerCancelled = new CompletableFuture<>();

  private final CountDownLatch blockingHandlerStarted = new CountDownLatch(1);
  private RpcClient client;

  @BeforeEach
  void setUp() {
    TestServer server =
        grpc.nettyServer(
            ServiceBinder.forService(SPEC)
                .unaryAsync(
                    NEVER,
                    request -> {
                      CompletableFuture<String> never = new CompletableFuture<>();
                      serverFutures.add(never);
                      return never;
                    })
                .unary(
                    FAILS,
                    request -> {
                      throw new IllegalStateException("database is down");
                    })
                .unary(
                    BLOCKING,
                    request -> {
                      Context context = Context.current();
                      context.addListener(
                          c -> blockingHandlerCancelled.complete(c.cancellationCause()),
                          Runnable::run);
                      blockingHandlerStarted.countDown();
                      blockingHandlerCancelled.get(30, TimeUnit.SECONDS);
                      return "unreachable";
                    })
                .build());
    client = RpcClient.create(server.newChannel());
  }

  private CompletableFuture<String> arrivedOnServer() throws InterruptedException {
    CompletableFuture<String> f = serverFutures.poll(30, TimeUnit.SECONDS);
    assertThat(f).as("the call reached the server").isNotNull();
    return f;
  }

  private static void awaitCancelled(CompletableFuture<String> serverSide)
      throws InterruptedException, ExecutionException, TimeoutException {
    // The binder cancels the handler's future when grpc reports the call cancelled.
    CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
    serverSide.whenComplete((v, t) -> cancelled.complete(serverSide.isCancelled()));
    assertThat(cancelled.get(30, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void cancellingTheFutureCancelsTheCallOnTheServer() throws Exception {
    CompletableFuture<String> call = client.unary(NEVER, "x");
    CompletableFuture<String> serverSide = arrivedOnServer();

    assertThat(call.cancel(true)).isTrue();

    awaitCancelled(serverSide);
    assertThat(call).isCancelled();
  }

  @Test
  void aTimeoutOnTheFutureCancelsTheCallOnTheServer() throws Exception {
    CompletableFuture<String> call = client.unary(NEVER, "x");
    CompletableFuture<String> serverSide = arrivedOnServer();

    call.orTimeout(50, TimeUnit.MILLISECONDS);

    awaitCancelled(serverSide);
    assertThatThrownBy(call::join).hasCauseInstanceOf(TimeoutException.class);
  }

  @Test
  void aBlockingHandlerSeesItsContextCancelled() throws Exception {
    CompletableFuture<String> call = client.unary(BLOCKING, "x");
    assertThat(blockingHandlerStarted.await(30, TimeUnit.SECONDS)).isTrue();

    call.cancel(false);

    assertThat(blockingHandlerCancelled.get(30, TimeUnit.SECONDS)).isNotNull();
  }

  @Test
  void theDeadlineCancelsTheCallOnBothSides() throws Exception {
    CompletableFuture<String> call =
        client
            .withTimeout(Duration.ofSeconds(3))
            .unary(NEVER, "x"); // long enough to arrive on a busy machine
    CompletableFuture<String> serverSide = arrivedOnServer();

    assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    awaitCancelled(serverSide);
  }

  @Test
  void aCancelledCallIsNotLoggedAsAServerFailure() throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      CompletableFuture<String> call = client.unary(NEVER, "x");
      CompletableFuture<String> serverSide = arrivedOnServer();
      call.cancel(true);
      awaitCancelled(serverSide);

      // Barrier: the server cancelled its future (running the binder's completion) before this
      // call even reached it; once this call's WARN line is logged, that handling is long done.
      assertThatThrownBy(() -> client.unary(FAILS, "x").get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class);
      Await.until(
          Duration.ofSeconds(30),
          () -> captured.toString(StandardCharsets.UTF_8).contains("test.Slow/Fails failed"),
          () ->
              "the WARN line of test.Slow/Fails in: " + captured.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log).contains("test.Slow/Fails failed");
    assertThat(log).doesNotContain("test.Slow/Never");
  }
}
