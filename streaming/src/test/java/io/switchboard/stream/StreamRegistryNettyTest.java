package io.switchboard.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.stream.TestMessages.Msg;
import io.switchboard.stream.TestMessages.Req;
import io.switchboard.testing.Await;
import io.switchboard.testing.EchoService;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Stream tracking, idle reaping and exactly-once cleanup over real Netty. */
class StreamRegistryNettyTest {
  static final ServiceSpec SERVICE = ServiceSpec.named("test.Tracked");
  static final MethodSpec<Req, Msg> FEED =
      SERVICE.serverStreaming("Feed", TestMessages.REQ, TestMessages.MSG);

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private ExecutorService producers;
  private final AtomicInteger cleanups = new AtomicInteger();
  private final Map<Long, StreamInfo> closed = new ConcurrentHashMap<>();
  private final Map<Long, Status> closedWith = new ConcurrentHashMap<>();
  private final Map<Long, AtomicInteger> closeCalls = new ConcurrentHashMap<>();
  private final CompletableFuture<Status> handlerSawEnd = new CompletableFuture<>();
  private final EchoService echo = new EchoService("echo");

  @BeforeEach
  void startProducers() {
    // Registered inside the test (not in a field initializer) so it is shut down after each test.
    producers = grpc.register(Executors.newCachedThreadPool());
  }

  private StreamRegistry registry(Duration idleTimeout) {
    StreamRegistry registry =
        StreamRegistry.newBuilder()
            .idleTimeout(idleTimeout)
            .addCloseListener(
                (info, status) -> {
                  // Counted, not asserted here: an error thrown on a grpc thread fails no test.
                  closeCalls
                      .computeIfAbsent(info.id(), id -> new AtomicInteger())
                      .incrementAndGet();
                  closed.put(info.id(), info);
                  closedWith.put(info.id(), status);
                })
            .build();
    return grpc.register(registry);
  }

  /**
   * The feed service (its handler registers its cleanup itself) and testing's echo service (whose
   * cleanup an interceptor registers, inside the registry's context), both tracked.
   */
  private TestServer start(StreamRegistry registry) {
    ServerServiceDefinition service =
        ServiceBinder.forService(SERVICE).serverStreaming(FEED, this::feed).build();
    ServerInterceptor cleanupOnEveryCall =
        new ServerInterceptor() {
          @Override
          public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
              ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            StreamRegistry.onCleanup(cleanups::incrementAndGet);
            return next.startCall(call, headers);
          }
        };
    return grpc.nettyServer(
        b ->
            b.addService(ServerInterceptors.intercept(service, registry.interceptor()))
                .addService(
                    ServerInterceptors.intercept(
                        echo.definition(), cleanupOnEveryCall, registry.interceptor()))
                .addStreamTracerFactory(registry.streamTracerFactory()));
  }

  /** Sends {@code count} messages (forever if 0) through a sender, then completes. */
  private void feed(Req req, StreamObserver<Msg> responses) {
    StreamRegistry.onCleanup(cleanups::incrementAndGet);
    FlowControlledSender<Msg> sender =
        FlowControlledSender.create(
            (ServerCallStreamObserver<Msg>) responses,
            SenderSettings.<Msg>newBuilder().maxBufferedMessages(16).build());
    sender.whenDone().thenAccept(handlerSawEnd::complete);
    producers.execute(
        () -> {
          for (long i = 0; req.count() == 0 || i < req.count(); i++) {
            if (!sender.send(Msg.of(0, i, 0, 100))) {
              return;
            }
          }
          if (req.tag().equals("fail")) {
            sender.fail(Status.DATA_LOSS.withDescription("lost").asRuntimeException());
          } else {
            sender.complete();
          }
        });
  }

  @Test
  void snapshotShowsActiveStreamsAndAbruptDisconnectCleansUpOnce() throws Exception {
    StreamRegistry registry = registry(Duration.ofMinutes(5));
    TestServer server = start(registry);
    ManagedChannel channel = server.newChannel();
    StreamReceiver<Msg> receiver = StreamReceiver.forClient(ReceiverSettings.defaults());
    RpcClient.create(channel)
        .serverStreaming(FEED, new Req(0, "forever"), receiver.clientObserver());
    for (int i = 0; i < 100; i++) {
      assertThat(receiver.poll(Duration.ofSeconds(20))).isNotNull();
    }
    List<StreamInfo> active = registry.snapshot();
    assertThat(active).hasSize(1);
    StreamInfo info = active.get(0);
    assertThat(info.method()).isEqualTo("test.Tracked/Feed");
    assertThat(info.peer()).contains("127.0.0.1");
    assertThat(info.state()).isEqualTo(StreamState.HALF_CLOSED);
    assertThat(info.messagesIn()).isEqualTo(1);
    assertThat(info.messagesOut()).isGreaterThanOrEqualTo(100);
    assertThat(info.bytesOut()).isGreaterThan(100L * 100);
    // The client reads no more: the sender's buffer fills to its bound of 16 and the snapshot
    // shows it (a registry that never learnt of the sender would show 0 forever).
    int buffered =
        Await.until(
            Duration.ofSeconds(20),
            "the sender's bound of 16 buffered, in the snapshot",
            () -> registry.snapshot().get(0).buffered(),
            n -> n >= 16);
    assertThat(buffered).isEqualTo(16);

    channel.shutdownNow(); // abrupt: the connection goes away mid-stream
    assertThat(handlerSawEnd.get(20, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
    awaitClosed(1);
    server.server().shutdown().awaitTermination(10, TimeUnit.SECONDS);
    assertEachClosedOnce();
    assertThat(cleanups).hasValue(1);
    assertThat(closed.get(info.id()).state()).isEqualTo(StreamState.CANCELLED);
    assertThat(registry.snapshot()).isEmpty();
  }

  @Test
  void idleStreamsAreClosedWithAClearStatusAndCleanedUpOnce() throws Exception {
    StreamRegistry registry = registry(Duration.ofMillis(300));
    TestServer server = start(registry);
    ManagedChannel channel = server.newChannel();
    StreamReceiver<String> receiver = StreamReceiver.forClient(ReceiverSettings.defaults());
    StreamObserver<String> requests =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(EchoService.CHAT, CallOptions.DEFAULT), receiver.clientObserver());
    requests.onNext("1");
    assertThat(receiver.poll(Duration.ofSeconds(20))).isEqualTo("echo:1");
    // Now silence both ways: the reaper closes the call.
    Throwable failure = null;
    try {
      receiver.poll(Duration.ofSeconds(20));
    } catch (io.grpc.StatusRuntimeException e) {
      failure = e;
    }
    assertThat(failure).isNotNull();
    Status status = Status.fromThrowable(failure);
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).contains("idle reaper").contains("limit: 300 ms");
    echo.awaitCancellation(Duration.ofSeconds(20)); // the handler saw its call cancelled
    awaitClosed(1);
    requests.onCompleted(); // late: must not run anything again
    server.server().shutdown().awaitTermination(10, TimeUnit.SECONDS);
    assertEachClosedOnce();
    assertThat(cleanups).hasValue(1);
    assertThat(echo.cancellations()).isEqualTo(1);
    StreamInfo info = closed.values().iterator().next();
    assertThat(info.state()).isEqualTo(StreamState.CANCELLED);
    assertThat(closedWith.get(info.id()).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void completedAndFailedStreamsEndInTheirStatesOnce() throws Exception {
    StreamRegistry registry = registry(Duration.ofMinutes(5));
    TestServer server = start(registry);
    RpcClient client = RpcClient.create(server.newChannel());
    for (String tag : List.of("ok", "fail")) {
      StreamReceiver<Msg> receiver = StreamReceiver.forClient(ReceiverSettings.defaults());
      client.serverStreaming(FEED, new Req(50, tag), receiver.clientObserver());
      int count = 0;
      try {
        while (receiver.take() != null) {
          count++;
        }
      } catch (io.grpc.StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DATA_LOSS);
      }
      assertThat(count).isEqualTo(50);
    }
    awaitClosed(2);
    server.server().shutdown().awaitTermination(10, TimeUnit.SECONDS);
    assertEachClosedOnce();
    assertThat(cleanups).hasValue(2);
    assertThat(closed.values().stream().map(StreamInfo::state))
        .containsExactlyInAnyOrder(StreamState.COMPLETED, StreamState.FAILED);
  }

  /** Every stream's close listener ran exactly once, checked on the test thread. */
  private void assertEachClosedOnce() {
    assertThat(closeCalls.keySet()).isEqualTo(closed.keySet());
    closeCalls.forEach(
        (id, calls) ->
            assertThat(calls.get()).as("close listener calls for stream %d", id).isEqualTo(1));
  }

  private void awaitClosed(int n) {
    Await.until(
        Duration.ofSeconds(20), () -> closed.size() >= n, () -> n + " streams closed: " + closed);
  }
}
