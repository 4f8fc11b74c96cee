package io.switchboard.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.testing.EchoService;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A run's calls keep the caller's {@link Context}, whichever thread starts them: the trace context
 * a tracing interceptor reads from it reaches the server on every call, its deadline bounds the
 * calls, and its cancellation stops the run.
 */
class BatchContextTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  static final MethodSpec<String, String> ECHO = MethodSpec.of(EchoService.ECHO);

  /** Where a tracing library keeps the current span: in the caller's io.grpc.Context. */
  static final Context.Key<String> TRACE = Context.key("trace");

  static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);

  static final String CALLER_TRACE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  /** What a tracing client interceptor does: writes the current context's span into headers. */
  static final ClientInterceptor TRACING =
      new ClientInterceptor() {
        @Override
        public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
            MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
          String trace = TRACE.get(); // on the thread making the call, in its current context
          return new ForwardingClientCall.SimpleForwardingClientCall<>(
              next.newCall(method, options)) {
            @Override
            public void start(Listener<RespT> listener, Metadata headers) {
              headers.put(TRACEPARENT, trace == null ? "none" : trace);
              super.start(listener, headers);
            }
          };
        }
      };

  static List<Long> ids(int n) {
    return LongStream.rangeClosed(1, n).boxed().collect(Collectors.toList());
  }

  /** A server that records each call's traceparent header. */
  TestServer server(EchoService echo, Queue<String> traces) {
    ServerInterceptor recording =
        new ServerInterceptor() {
          @Override
          public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
              ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            traces.add(String.valueOf(headers.get(TRACEPARENT)));
            return next.startCall(call, headers);
          }
        };
    return grpc.nettyServer(ServerInterceptors.intercept(echo.definition(), recording));
  }

  @Test
  void everyCallCarriesTheCallersTraceContextOnWorkerAndTimerThreads() throws Exception {
    Queue<String> traces = new ConcurrentLinkedQueue<>();
    EchoService echo = new EchoService("a");
    TestServer server = server(echo, traces);
    RpcClient client =
        RpcClient.create(ClientInterceptors.intercept(server.newChannel(), TRACING))
            .withTimeout(WAIT);
    Set<String> callThreads = ConcurrentHashMap.newKeySet();
    ScheduledExecutorService workers = grpc.register(Executors.newScheduledThreadPool(2));
    Context caller = Context.current().withValue(TRACE, CALLER_TRACE);

    // Calls start on the executor's threads.
    try (BatchExecutor<Long, String> pooled =
        BatchExecutor.perItem(
            id -> {
              callThreads.add(Thread.currentThread().getName());
              return client.unary(ECHO, "p" + id);
            },
            BatchSettings.newBuilder().executor(workers).maxInFlight(4).build())) {
      BatchResult<Long, String> result =
          caller.call(() -> pooled.execute(ids(20))).get(10, TimeUnit.SECONDS);
      assertThat(result.allSucceeded()).isTrue();
    }
    // Retries start on the executor's timer thread: even ids fail once here, before any RPC.
    Set<Long> failedOnce = ConcurrentHashMap.newKeySet();
    try (BatchExecutor<Long, String> direct =
        BatchExecutor.perItem(
            id -> {
              if (id % 2 == 0 && failedOnce.add(id)) {
                return CompletableFuture.failedFuture(Status.UNAVAILABLE.asRuntimeException());
              }
              callThreads.add(Thread.currentThread().getName());
              return client.unary(ECHO, "d" + id);
            },
            BatchSettings.newBuilder()
                .retry(RetrySettings.newBuilder().initialBackoff(Duration.ofMillis(1)).build())
                .build())) {
      BatchResult<Long, String> result =
          caller.call(() -> direct.execute(ids(20))).get(10, TimeUnit.SECONDS);
      assertThat(result.allSucceeded()).isTrue();
      assertThat(result.item(1).attempts()).isEqualTo(2);
    }
    assertThat(callThreads)
        .as("calls started off the caller's thread")
        .anyMatch(t -> t.startsWith("pool-"))
        .anyMatch(t -> t.startsWith("switchboard-batch-timer"));
    assertThat(traces).hasSize(40).containsOnly(CALLER_TRACE);
  }

  @Test
  void theCallersDeadlineReachesTheCallsAndItsCancellationStopsTheRun() throws Exception {
    Queue<String> traces = new ConcurrentLinkedQueue<>();
    EchoService echo = new EchoService("a");
    TestServer server = server(echo, traces);
    RpcClient client = RpcClient.create(server.newChannel());
    ScheduledExecutorService workers = grpc.register(Executors.newScheduledThreadPool(2));
    Context.CancellableContext caller =
        Context.current().withDeadlineAfter(30, TimeUnit.SECONDS, workers);
    List<CompletableFuture<String>> calls = new CopyOnWriteArrayList<>();
    try (BatchExecutor<Long, String> ex =
        BatchExecutor.perItem(
            id -> {
              CompletableFuture<String> call = client.unary(MethodSpec.of(EchoService.HANG), "h");
              calls.add(call);
              return call;
            },
            BatchSettings.newBuilder().executor(workers).maxInFlight(2).build())) {
      CompletableFuture<BatchResult<Long, String>> run = caller.call(() -> ex.execute(ids(10)));
      io.switchboard.testing.Await.until(WAIT, () -> echo.heldCount() == 2, () -> "2 held");
      Deadline seen = echo.lastDeadline().orElseThrow();
      assertThat(seen.timeRemaining(TimeUnit.SECONDS)).isBetween(20L, 30L);

      caller.cancel(null);
      BatchResult<Long, String> result = run.get(10, TimeUnit.SECONDS);
      assertThat(result.failedCount()).isEqualTo(2);
      assertThat(result.notAttemptedCount()).isEqualTo(8);
      assertThat(result.item(9).status().getCode()).isEqualTo(Status.Code.CANCELLED);
      assertThat(result.item(9).status().getDescription())
          .startsWith("the caller's io.grpc.Context was cancelled (CANCELLED");
      assertThat(result.failuresByCode()).isEqualTo(Map.of(Status.Code.CANCELLED, 2L));
      echo.awaitCancellation(WAIT);
      assertThat(calls).hasSize(2).allMatch(CompletableFuture::isDone);
    }
  }
}
