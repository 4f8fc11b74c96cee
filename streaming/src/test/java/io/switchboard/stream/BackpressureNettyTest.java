package io.switchboard.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.switchboard.core.MethodSpec;
import io.switchboard.core.RpcClient;
import io.switchboard.core.ServiceBinder;
import io.switchboard.core.ServiceSpec;
import io.switchboard.stream.TestMessages.Msg;
import io.switchboard.stream.TestMessages.Req;
import io.switchboard.testing.GrpcExtension;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The sender and receiver over a real Netty transport with a small HTTP/2 window, so a slow reader
 * really pushes back on the server.
 */
class BackpressureNettyTest {
  static final ServiceSpec SERVICE = ServiceSpec.named("test.Backpressure");
  static final MethodSpec<Req, Msg> PRODUCE =
      SERVICE.serverStreaming("Produce", TestMessages.REQ, TestMessages.MSG);
  static final MethodSpec<Msg, Long> UPLOAD =
      SERVICE.clientStreaming("Upload", TestMessages.MSG, TestMessages.LONG);

  static final int PRODUCERS = 2;
  static final int MAX_MESSAGES = 64;
  static final int MAX_BYTES = 40 * 216; // binds before the count: about 40 average messages

  @RegisterExtension final GrpcExtension grpc = new GrpcExtension();

  private ExecutorService producerPool;
  private ExecutorService uploadHandlerThread;
  private final Map<String, CompletableFuture<SenderStats>> serverStats = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Status>> serverEnd = new ConcurrentHashMap<>();
  private final AtomicInteger uploadPeakBuffered = new AtomicInteger();

  @BeforeEach
  void startProducers() {
    // Registered inside the test (not in a field initializer) so it is shut down after each test.
    producerPool = grpc.register(Executors.newCachedThreadPool());
    uploadHandlerThread = grpc.register(Executors.newSingleThreadExecutor());
  }

  private ServerServiceDefinition service() {
    return ServiceBinder.forService(SERVICE)
        .serverStreaming(PRODUCE, this::produce)
        .clientStreaming(UPLOAD, this::upload)
        .build();
  }

  /** Two producer threads send {@code count} messages each, as fast as the sender lets them. */
  private void produce(Req req, StreamObserver<Msg> responses) {
    OverflowStrategy strategy = OverflowStrategy.valueOf(req.tag());
    FlowControlledSender<Msg> sender =
        FlowControlledSender.create(
            (ServerCallStreamObserver<Msg>) responses,
            SenderSettings.<Msg>newBuilder()
                .maxBufferedMessages(MAX_MESSAGES)
                .maxBufferedBytes(MAX_BYTES)
                .sizeFunction(Msg::size)
                .priority(Msg::priority)
                .overflowStrategy(strategy)
                .blockTimeout(Duration.ofSeconds(60))
                .build());
    CompletableFuture<SenderStats> stats = new CompletableFuture<>();
    serverStats.put(req.tag(), stats);
    CompletableFuture<Status> end = new CompletableFuture<>();
    serverEnd.put(req.tag(), end);
    sender.whenDone().thenAccept(end::complete);
    AtomicInteger running = new AtomicInteger(PRODUCERS);
    for (int p = 0; p < PRODUCERS; p++) {
      int producer = p;
      producerPool.execute(
          () -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (long i = 0; i < req.count(); i++) {
              sender.send(Msg.of(producer, i, (int) (i % 4), 100 + random.nextInt(200)));
            }
            if (running.decrementAndGet() == 0) {
              try {
                sender.complete();
              } catch (IllegalStateException alreadyEnded) {
                // FAIL ended the stream.
              }
              sender.whenDone().thenRun(() -> stats.complete(sender.stats()));
            }
          });
    }
  }

  /**
   * Counts uploaded messages slowly on a thread of its own (so messages that arrive faster than it
   * handles them wait in the receiver, where the window must bound them), with a receiver that
   * bounds what waits.
   */
  private StreamObserver<Msg> upload(StreamObserver<Long> responses) {
    AtomicInteger count = new AtomicInteger();
    AtomicReference<CallbackReceiver<Msg>> self = new AtomicReference<>();
    CallbackReceiver<Msg> receiver =
        CallbackReceiver.forServer(
            (ServerCallStreamObserver<?>) responses,
            ReceiverSettings.newBuilder()
                .initialWindow(8)
                .maxWindow(8)
                .minWindow(1)
                .executor(uploadHandlerThread)
                .build(),
            new MessageHandler<Msg>() {
              @Override
              public void onMessage(Msg message) {
                count.incrementAndGet();
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100)); // the slow handler
                uploadPeakBuffered.accumulateAndGet(self.get().stats().peakBuffered(), Math::max);
              }

              @Override
              public void onCompleted() {
                responses.onNext((long) count.get());
                responses.onCompleted();
              }
            });
    self.set(receiver);
    return receiver.requestObserver();
  }

  private ManagedChannel slowWindowChannel(TestServer server) {
    // A 16 KiB HTTP/2 window: a reader that does not read stops the server within ~50 KiB.
    return grpc.register(
        ((NettyChannelBuilder) server.newChannelBuilder()).flowControlWindow(16 * 1024).build());
  }

  @ParameterizedTest
  @EnumSource(OverflowStrategy.class)
  void slowConsumerNeverPushesTheBufferPastItsBounds(OverflowStrategy strategy) throws Exception {
    TestServer server = grpc.nettyServer(service());
    RpcClient client = RpcClient.create(slowWindowChannel(server));
    long perProducer = 800;
    long produced = perProducer * PRODUCERS;

    StreamReceiver<Msg> receiver =
        StreamReceiver.forClient(
            ReceiverSettings.newBuilder().initialWindow(4).maxWindow(4).adaptive(false).build());
    client.serverStreaming(
        PRODUCE, new Req(perProducer, strategy.name()), receiver.clientObserver());
    List<Msg> delivered = new ArrayList<>();
    StatusRuntimeException failure = null;
    try {
      Msg m;
      while ((m = receiver.take()) != null) {
        delivered.add(m);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // the slow consumer: 1 msg/ms
      }
    } catch (StatusRuntimeException e) {
      failure = e;
    }
    SenderStats stats = serverStats.get(strategy.name()).get(30, TimeUnit.SECONDS);

    assertThat(stats.peakBuffered()).isLessThanOrEqualTo(MAX_MESSAGES);
    assertThat(stats.peakBufferedBytes()).isLessThanOrEqualTo(MAX_BYTES);
    // The bounds were really reached (a message of at most 316 bytes did not fit), so the checks
    // above tested the bounds, not a sender that never buffered.
    assertThat(stats.peakBufferedBytes() > MAX_BYTES - 316 || stats.peakBuffered() == MAX_MESSAGES)
        .as("peak %d messages / %d bytes", stats.peakBuffered(), stats.peakBufferedBytes())
        .isTrue();
    assertThat(stats.offered()).isEqualTo(produced);
    assertThat(stats.buffered()).isZero();
    assertThat(delivered).hasSize((int) stats.sent());
    assertThat(stats.sent() + stats.dropped() + stats.discarded() + stats.rejected())
        .isEqualTo(produced);
    assertThat(receiver.stats().peakBuffered()).isLessThanOrEqualTo(4);
    assertPerProducerOrder(delivered);

    switch (strategy) {
      case BLOCK -> {
        assertThat(failure).isNull();
        assertThat(stats.dropped()).isZero();
        assertThat(delivered).hasSize((int) produced);
      }
      case DROP_OLDEST, DROP_NEWEST -> {
        assertThat(failure).isNull();
        assertThat(stats.dropped()).isPositive();
      }
      case DROP_LOWEST_PRIORITY -> {
        assertThat(failure).isNull();
        assertThat(stats.dropped()).isPositive();
        long high = delivered.stream().filter(m -> m.priority() == 3).count();
        long low = delivered.stream().filter(m -> m.priority() == 0).count();
        assertThat(high).isGreaterThan(low);
      }
      case FAIL -> {
        assertThat(failure).isNotNull();
        assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(failure.getStatus().getDescription()).contains("outbound buffer full");
        assertThat(stats.dropped()).isEqualTo(1);
      }
      default -> throw new AssertionError(strategy);
    }
  }

  private static void assertPerProducerOrder(List<Msg> delivered) {
    long[] last = new long[PRODUCERS];
    java.util.Arrays.fill(last, -1);
    for (Msg m : delivered) {
      assertThat(m.seq()).isGreaterThan(last[m.producer()]);
      last[m.producer()] = m.seq();
    }
  }

  @Test
  void receiverBuffersAtMostItsWindowAndGrowsItForAFastConsumer() throws Exception {
    TestServer server = grpc.nettyServer(service());
    RpcClient client = RpcClient.create(server.newChannel());
    StreamReceiver<Msg> receiver =
        StreamReceiver.forClient(
            ReceiverSettings.newBuilder().initialWindow(2).minWindow(1).maxWindow(64).build());
    client.serverStreaming(PRODUCE, new Req(3000, "BLOCK"), receiver.clientObserver());
    int count = 0;
    for (Msg m : receiver) {
      count++;
      if (count < 200) {
        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
      }
    }
    ReceiverStats stats = receiver.stats();
    assertThat(count).isEqualTo(6000);
    assertThat(stats.peakBuffered()).isLessThanOrEqualTo(64);
    assertThat(stats.requested()).isLessThanOrEqualTo(stats.received() + 64);
    assertThat(stats.window()).isGreaterThan(2);
  }

  @Test
  void adaptiveWindowShrinksWhenTheConsumerLags() throws Exception {
    TestServer server = grpc.nettyServer(service());
    RpcClient client = RpcClient.create(server.newChannel());
    ExecutorService handlerThread = grpc.register(Executors.newSingleThreadExecutor());
    AtomicInteger smallest = new AtomicInteger(Integer.MAX_VALUE);
    CompletableFuture<Integer> done = new CompletableFuture<>();
    AtomicReference<CallbackReceiver<Msg>> self = new AtomicReference<>();
    AtomicInteger count = new AtomicInteger();
    CallbackReceiver<Msg> receiver =
        CallbackReceiver.forClient(
            ReceiverSettings.newBuilder()
                .initialWindow(64)
                .minWindow(2)
                .maxWindow(64)
                .executor(handlerThread)
                .build(),
            new MessageHandler<Msg>() {
              @Override
              public void onMessage(Msg message) {
                count.incrementAndGet();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                smallest.accumulateAndGet(self.get().stats().window(), Math::min);
              }

              @Override
              public void onCompleted() {
                done.complete(count.get());
              }

              @Override
              public void onError(Throwable error) {
                done.completeExceptionally(error);
              }
            });
    self.set(receiver);
    client.serverStreaming(PRODUCE, new Req(300, "BLOCK"), receiver.clientObserver());
    assertThat(done.get(60, TimeUnit.SECONDS)).isEqualTo(600);
    assertThat(smallest.get()).isLessThan(64);
    assertThat(receiver.stats().peakBuffered()).isLessThanOrEqualTo(64);
  }

  @Test
  void clientSideSenderAndServerSideReceiverBoundAnUpload() throws Exception {
    TestServer server = grpc.nettyServer(service());
    RpcClient client = RpcClient.create(server.newChannel());
    StreamReceiver<Long> response = StreamReceiver.forClient(ReceiverSettings.defaults());
    AtomicReference<FlowControlledSender<Msg>> senderRef = new AtomicReference<>();
    client.clientStreaming(
        UPLOAD,
        response.<Msg>clientObserver(
            requests ->
                senderRef.set(
                    FlowControlledSender.create(
                        requests,
                        SenderSettings.<Msg>newBuilder()
                            .maxBufferedMessages(32)
                            .blockTimeout(Duration.ofSeconds(60))
                            .build()))));
    FlowControlledSender<Msg> sender = senderRef.get();
    for (long i = 0; i < 5000; i++) {
      assertThat(sender.send(Msg.of(0, i, 0, 64))).isTrue();
    }
    sender.complete();
    assertThat(response.take()).isEqualTo(5000L);
    assertThat(sender.stats().peakBuffered()).isLessThanOrEqualTo(32);
    // Messages really waited for the slow handler (so the window was what bounded them)...
    assertThat(uploadPeakBuffered.get()).isGreaterThan(1);
    // ...and never more than the window of 8.
    assertThat(uploadPeakBuffered.get()).isLessThanOrEqualTo(8);
  }

  @Test
  void aFailingHandlerStopsTheReceiverAndCancelsTheCall() throws Exception {
    TestServer server = grpc.nettyServer(service());
    RpcClient client = RpcClient.create(server.newChannel());
    CompletableFuture<Throwable> failed = new CompletableFuture<>();
    AtomicInteger seen = new AtomicInteger();
    CallbackReceiver<Msg> receiver =
        CallbackReceiver.forClient(
            ReceiverSettings.defaults(),
            new MessageHandler<Msg>() {
              @Override
              public void onMessage(Msg message) {
                if (seen.incrementAndGet() == 10) {
                  throw new IllegalStateException("boom at 10");
                }
              }

              @Override
              public void onError(Throwable error) {
                failed.complete(error);
              }
            });
    client.serverStreaming(PRODUCE, new Req(100_000, "BLOCK"), receiver.clientObserver());
    assertThat(failed.get(30, TimeUnit.SECONDS)).hasMessage("boom at 10");
    SenderStats stats = serverStats.get("BLOCK").get(30, TimeUnit.SECONDS);
    // The server saw the cancel: its sender ended CANCELLED, and released or refused messages.
    assertThat(serverEnd.get("BLOCK").get(30, TimeUnit.SECONDS).getCode())
        .isEqualTo(Status.Code.CANCELLED);
    assertThat(stats.discarded() + stats.rejected()).isPositive();
    assertThat(stats.sent()).isLessThan(200_000);
    assertThat(seen.get()).isEqualTo(10);
    // Nine handled; the tenth threw and is not counted; the receiver is done.
    assertThat(receiver.stats().consumed()).isEqualTo(9);
    assertThat(receiver.isFinished()).isTrue();
  }
}
